import { AppError } from '../db/index.js';
import { canSee } from './access.js';
import { builder } from './builder.js';
import { notFound, parseId } from './ids.js';

export const OrderStatus = builder.enumType('OrderStatus', { values: ['PLACED', 'CANCELLED'] as const });

/** An order is visible to the customer who placed it and to STAFF. */
export const Order = builder.prismaNode('Order', {
  id: { field: 'id' },
  authScopes: (order, ctx) => canSee.Order(order, ctx),
  // the scope reads orderedById, so it is selected even when the query does not ask for it
  select: { orderedById: true },
  fields: (t) => ({
    ordNumber: t.exposeString('ordNumber'),
    inventoryItem: t.relation('inventoryItem'),
    orderedBy: t.relation('orderedBy'),
    quantity: t.exposeInt('quantity'),
    status: t.expose('status', { type: OrderStatus }),
  }),
});

/** A notification is visible to its user and to STAFF. */
export const Notification = builder.prismaNode('Notification', {
  id: { field: 'id' },
  authScopes: (notification, ctx) => canSee.Notification(notification, ctx),
  select: { userId: true },
  fields: (t) => ({
    message: t.exposeString('message'),
    order: t.relation('order', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const PlaceOrderInput = builder.inputType('PlaceOrderInput', {
  fields: (t) => ({ inventoryItemId: t.id({ required: true }), quantity: t.int({ required: true }) }),
});

builder.mutationFields((t) => ({
  placeOrder: t.prismaField({
    type: 'Order',
    authScopes: { signedIn: true },
    args: { input: t.arg({ type: PlaceOrderInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => {
      const user = ctx.user as NonNullable<typeof ctx.user>; // signedIn scope above
      const inventoryItemId = parseId(String(input.inventoryItemId), 'InventoryItem', 'inventoryItemId');
      // Stock check, reservation, ordNumber and the notification are receivers (src/receivers/order.ts).
      return ctx.db.order.create({
        ...query,
        data: { inventoryItemId, quantity: input.quantity, orderedById: user.id, ordNumber: '' },
      });
    },
  }),

  cancelOrder: t.prismaField({
    type: 'Order',
    authScopes: { signedIn: true },
    args: { id: t.arg.id({ required: true }) },
    hooks: {
      // read inside the unit: two cancels of one order cannot both see it PLACED
      before: async function orderIsCancellable({ args, context, tx }) {
        const order = await tx.order.findUnique({ where: { id: parseId(String(args.id), 'Order') } });
        // Another customer's order gets the answer of a missing one: IDs tell nothing about others' orders.
        if (!order || !canSee.Order(order, context)) throw notFound('Order', String(args.id));
        if (order.status === 'CANCELLED') {
          throw new AppError('BAD_USER_INPUT', `Order ${order.ordNumber} is already cancelled`);
        }
      },
    },
    resolve: (query, _root, args, ctx) =>
      ctx.db.order.update({
        ...query,
        where: { id: parseId(String(args.id), 'Order') },
        data: { status: 'CANCELLED' },
      }),
  }),
}));
