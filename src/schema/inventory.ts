import { AppError } from '../db/index.js';
import { builder } from './builder.js';
import { notFound, parseId } from './ids.js';

/** Every signed-in user may see the inventory (customers order from it); STAFF manage it. */
export const InventoryItem = builder.prismaNode('InventoryItem', {
  id: { field: 'id' },
  authScopes: { signedIn: true },
  fields: (t) => ({
    item: t.exposeString('item'),
    itemCode: t.exposeInt('itemCode'),
    itemCondition: t.exposeString('itemCondition'),
    quantity: t.exposeInt('quantity'),
  }),
});

builder.queryField('inventoryItems', (t) =>
  t.prismaConnection(
    {
      type: 'InventoryItem',
      cursor: 'id',
      authScopes: { signedIn: true },
      resolve: (query, _root, _args, ctx) =>
        ctx.db.inventoryItem.findMany({ ...query, orderBy: { id: 'asc' } }),
    },
    { name: 'InventoryItemConnection' },
    { name: 'InventoryItemEdge' },
  ),
);

const CreateInventoryItemInput = builder.inputType('CreateInventoryItemInput', {
  fields: (t) => ({
    item: t.string({ required: true }),
    itemCode: t.int({ required: true }),
    itemCondition: t.string({ required: true }),
    quantity: t.int({ required: true }),
  }),
});

const UpdateInventoryItemInput = builder.inputType('UpdateInventoryItemInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    item: t.string(),
    itemCode: t.int(),
    itemCondition: t.string(),
    quantity: t.int(),
  }),
});

builder.mutationFields((t) => ({
  createInventoryItem: t.prismaField({
    type: 'InventoryItem',
    authScopes: { staff: true },
    args: { input: t.arg({ type: CreateInventoryItemInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => ctx.db.inventoryItem.create({ ...query, data: { ...input } }),
  }),

  updateInventoryItem: t.prismaField({
    type: 'InventoryItem',
    authScopes: { staff: true },
    args: { input: t.arg({ type: UpdateInventoryItemInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const { id: globalId, ...fields } = input;
      const id = parseId(String(globalId), 'InventoryItem');
      const data: Record<string, string | number> = {};
      for (const [field, value] of Object.entries(fields)) {
        if (value === null) throw new AppError('BAD_USER_INPUT', `${field}: must not be null`, { field });
        if (value !== undefined) data[field] = value;
      }
      const exists = await ctx.db.inventoryItem.findUnique({ where: { id }, select: { id: true } });
      if (!exists) throw notFound('InventoryItem', String(globalId));
      return ctx.db.inventoryItem.update({ ...query, where: { id }, data });
    },
  }),
}));
