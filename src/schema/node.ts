import { brandWithType } from '@pothos/core';
import { AppError, MODELS, type ModelName } from '../db/index.js';
import { canSee, isNodeTypename, type NodeTypename } from './access.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { Crate } from './crate.js';
import { decodeId } from './ids.js';
import { quote } from './input.js';
import { InventoryItem } from './inventory.js';
import { Notification, Order } from './order.js';
import { User } from './user.js';
import { Warehouse } from './warehouse.js';

const REFS = { Warehouse, Crate, InventoryItem, Order, Notification, User } as const;

/** `nodes(ids:)` accepts at most this many IDs in one call. */
const MAX_NODES = 100;

type Row = { id: number } & Record<string, unknown>;
type FindMany = (args: { where: { id: { in: number[] } } }) => Promise<Row[]>;

function typenameOf(globalId: string, field: string): { typename: NodeTypename; id: number } {
  const { typename, id } = decodeId(globalId, field);
  if (!isNodeTypename(typename)) {
    throw new AppError('BAD_USER_INPUT', `${field}: ${quote(globalId)} is not the ID of a node type`, {
      field,
    });
  }
  return { typename, id };
}

/**
 * The rows behind global IDs, one statement per type, in the order asked: null where the row is
 * gone or not the caller's to see (the same answer, so an ID tells nothing about others' rows).
 */
async function loadNodes(ctx: Context, globalIds: readonly string[], field: string): Promise<(Row | null)[]> {
  const wanted = globalIds.map((g) => typenameOf(String(g), field));
  const byType = new Map<NodeTypename, number[]>();
  for (const { typename, id } of wanted) byType.set(typename, [...(byType.get(typename) ?? []), id]);
  const found = new Map<string, Row>();
  for (const [typename, ids] of byType) {
    const meta = MODELS.get(typename as ModelName);
    // every node type is a Prisma model of the same name (the access table is keyed by them)
    const delegate = (ctx.data.reader as unknown as Record<string, { findMany: FindMany }>)[meta?.key ?? ''];
    if (!delegate) continue;
    for (const row of await delegate.findMany({ where: { id: { in: [...new Set(ids)] } } })) {
      const visible = (canSee[typename] as (row: Row, ctx: Context) => boolean)(row, ctx);
      if (!visible) continue;
      brandWithType(row, REFS[typename]);
      found.set(`${typename}:${row.id}`, row);
    }
  }
  return wanted.map(({ typename, id }) => found.get(`${typename}:${id}`) ?? null);
}

builder.queryFields((t) => ({
  node: t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    description: 'The row of a global ID; null when it does not exist or is not yours to see.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => (await loadNodes(ctx, [String(args.id)], 'id'))[0] ?? null,
  }),
  nodes: t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description: `Rows of global IDs in order (at most ${MAX_NODES}); null where one is gone or not yours.`,
    args: { ids: t.arg.idList({ required: true }) },
    resolve: (_root, args, ctx) => {
      if (args.ids.length > MAX_NODES) {
        throw new AppError('BAD_USER_INPUT', `ids: at most ${MAX_NODES} IDs, got ${args.ids.length}`, {
          field: 'ids',
        });
      }
      return loadNodes(ctx, args.ids.map(String), 'ids');
    },
  }),
}));
