import { resolveCursorConnection } from '@pothos/plugin-relay';
import type { Crate as CrateRow } from '../db/index.js';
import { AppError } from '../db/index.js';
import { builder } from './builder.js';
import { Crate } from './crate.js';
import { quote } from './input.js';

const crateCursor = (id: number) => Buffer.from(`crate:${id}`).toString('base64url');
function parseCrateCursor(cursor: string): number {
  const match = /^crate:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match?.[1])
    throw new AppError('BAD_USER_INPUT', `${quote(cursor)} is not a crates cursor`, { field: 'after' });
  return Number(match[1]);
}

/** Warehouses and crates are STAFF's to see and manage. */
export const Warehouse = builder.prismaNode('Warehouse', {
  id: { field: 'id' },
  authScopes: { staff: true },
  fields: (t) => ({
    name: t.exposeString('name'),
    address: t.exposeString('address', { nullable: true }),
    newestCrate: t.relation('newestCrate', { nullable: true }),
    crates: t.connection(
      {
        type: Crate,
        resolve: (warehouse, args, ctx) =>
          resolveCursorConnection<Promise<CrateRow[]>>(
            { args, toCursor: (crate) => crateCursor(crate.id), defaultSize: 20, maxSize: 100 },
            ({ after, before, limit, inverted }) =>
              ctx.loaders.cratePages.load({
                warehouseId: warehouse.id,
                after: after === undefined ? null : parseCrateCursor(after),
                before: before === undefined ? null : parseCrateCursor(before),
                limit,
                inverted,
              }),
          ),
      },
      { name: 'CrateConnection' },
      { name: 'CrateEdge' },
    ),
  }),
});

builder.queryField('warehouses', (t) =>
  t.prismaConnection(
    {
      type: 'Warehouse',
      cursor: 'id',
      authScopes: { staff: true },
      resolve: (query, _root, _args, ctx) => ctx.db.warehouse.findMany({ ...query, orderBy: { id: 'asc' } }),
    },
    { name: 'WarehouseConnection' },
    { name: 'WarehouseEdge' },
  ),
);

const CreateWarehouseInput = builder.inputType('CreateWarehouseInput', {
  fields: (t) => ({ name: t.string({ required: true }), address: t.string() }),
});

builder.mutationField('createWarehouse', (t) =>
  t.prismaField({
    type: 'Warehouse',
    authScopes: { staff: true },
    args: { input: t.arg({ type: CreateWarehouseInput, required: true }) },
    resolve: (query, _root, { input }, ctx) =>
      // lengths: the data layer's checkLimits (TEXT_LIMITS), for every path that writes
      ctx.db.warehouse.create({ ...query, data: { name: input.name, address: input.address ?? null } }),
  }),
);
