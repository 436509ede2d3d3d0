import { builder } from './builder.js';

/** Warehouses and crates are STAFF's to see and manage. */
export const Warehouse = builder.prismaNode('Warehouse', {
  id: { field: 'id' },
  authScopes: { staff: true },
  fields: (t) => ({
    name: t.exposeString('name'),
    address: t.exposeString('address', { nullable: true }),
    newestCrate: t.relation('newestCrate', { nullable: true }),
    crates: t.relatedConnection(
      'crates',
      { cursor: 'id', query: { orderBy: { id: 'asc' } } },
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
      ctx.db.warehouse.create({ ...query, data: { name: input.name, address: input.address ?? null } }),
  }),
);
