import { brandWithType } from '@pothos/core';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Notification as NotificationRow } from '../db/index.js';
import { AppError, type EventRow } from '../db/index.js';
import { decodeCursor, type EventFilter, encodeCursor, StreamEnd } from '../realtime/index.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { Crate } from './crate.js';
import { parseId } from './ids.js';
import { InventoryItem } from './inventory.js';
import { Notification, Order } from './order.js';
import { Warehouse } from './warehouse.js';

/** The GraphQL type of each event model, to tell the Node interface what a row is. */
const NODE_TYPES = { Warehouse, Crate, InventoryItem, Order, Notification } as const;

/**
 * Subscriptions carry event ids; the selection re-reads the row (batched by the realtime row
 * loader) with the viewer's access checks, once per live event for all subscribers with the
 * same document, variables and viewer (src/server/shared-events.ts).
 */

export const ModelName = builder.enumType('ModelName', {
  values: {
    WAREHOUSE: { value: 'Warehouse' },
    CRATE: { value: 'Crate' },
    INVENTORY_ITEM: { value: 'InventoryItem' },
    ORDER: { value: 'Order' },
    NOTIFICATION: { value: 'Notification' },
  } as const,
});

const SaveEvent = builder.objectRef<EventRow>('SaveEvent').implement({
  description: 'A committed post_save.',
  fields: (t) => ({
    cursor: t.string({ resolve: (e) => encodeCursor(e.id) }),
    model: t.field({ type: ModelName, resolve: (e) => e.model as typeof ModelName.$inferType }),
    created: t.exposeBoolean('created'),
    updateFields: t.stringList({
      nullable: true,
      resolve: (e) => (e.updateFields ? (JSON.parse(e.updateFields) as string[]) : null),
    }),
    node: t.field({
      type: builder.nodeInterfaceRef(),
      nullable: true,
      description: 'The row as it is now; null when it is gone or not yours to see.',
      resolve: async (e, _args, ctx) => {
        const row = await ctx.realtime.rows.load(e);
        const type = NODE_TYPES[e.model as keyof typeof NODE_TYPES];
        if (!row || !type) return null;
        brandWithType(row, type);
        return row;
      },
    }),
  }),
});

const DeleteEvent = builder.objectRef<EventRow>('DeleteEvent').implement({
  description: 'A committed post_delete.',
  fields: (t) => ({
    cursor: t.string({ resolve: (e) => encodeCursor(e.id) }),
    model: t.field({ type: ModelName, resolve: (e) => e.model as typeof ModelName.$inferType }),
    id: t.id({ resolve: (e) => encodeGlobalID(e.model, e.rowId) }),
  }),
});

/** The event, or the end of a subscription (its subscriber fell behind, or its token ended). */
function eventOf(item: EventRow | StreamEnd): EventRow {
  if (item instanceof StreamEnd) {
    throw new AppError(item.code, item.message, {
      ...(item.lastEventId > 0 && { lastCursor: encodeCursor(item.lastEventId) }),
    });
  }
  return item;
}

/** STAFF see every event; a customer only those of their own orders and notifications. */
function audiences(ctx: Context): string[] | null {
  if (!ctx.user) throw new AppError('UNAUTHENTICATED', 'Sign in to subscribe');
  return ctx.user.role === 'STAFF' ? null : [`user:${ctx.user.id}`];
}

function stream(ctx: Context, filter: Omit<EventFilter, 'audiences'>, after: string | null | undefined) {
  const cursor = after ? decodeCursor(after) : null;
  return ctx.realtime.stream({ ...filter, audiences: audiences(ctx) }, cursor, { session: ctx.token });
}

builder.subscriptionType({
  fields: (t) => ({
    postSave: t.field({
      type: SaveEvent,
      authScopes: { signedIn: true },
      description:
        'Committed saves, optionally of one model or one row; `after` replays from a cursor first.',
      args: { model: t.arg({ type: ModelName }), id: t.arg.id(), after: t.arg.string() },
      subscribe: (_root, args, ctx) => {
        let model: string | undefined = args.model ?? undefined;
        let rowId: number | undefined;
        if (args.id) {
          const typename = Object.keys(NODE_TYPES).find((name) => {
            try {
              parseId(String(args.id), name);
              return true;
            } catch {
              return false;
            }
          });
          if (!typename || (model && model !== typename)) {
            throw new AppError(
              'BAD_USER_INPUT',
              `id: '${args.id}' is not the ID of a ${model ?? 'model with events'}`,
              {
                field: 'id',
              },
            );
          }
          rowId = parseId(String(args.id), typename);
          model = typename;
        }
        return stream(ctx, { kind: 'SAVE', model, rowId }, args.after);
      },
      resolve: eventOf,
    }),
    postDelete: t.field({
      type: DeleteEvent,
      authScopes: { signedIn: true },
      args: { model: t.arg({ type: ModelName }), after: t.arg.string() },
      subscribe: (_root, args, ctx) =>
        stream(ctx, { kind: 'DELETE', model: args.model ?? undefined }, args.after),
      resolve: eventOf,
    }),
    notifications: t.field({
      type: Notification,
      authScopes: { signedIn: true },
      description: 'New notifications (yours; STAFF: everyone’s).',
      args: { after: t.arg.string() },
      subscribe: (_root, args, ctx) =>
        stream(ctx, { kind: 'SAVE', model: 'Notification', createdOnly: true }, args.after),
      resolve: async (item, _args, ctx) => {
        const event = eventOf(item);
        const row = await ctx.realtime.rows.load(event);
        if (!row)
          throw new AppError(
            'NOT_FOUND',
            `Notification '${encodeGlobalID('Notification', event.rowId)}' is gone`,
          );
        return row as unknown as NotificationRow;
      },
    }),
  }),
});
