import { AppError, type TxClient } from '../db/index.js';
import { builder } from './builder.js';
import { notFound, parseId } from './ids.js';
import { quote } from './input.js';

export const Crate = builder.prismaNode('Crate', {
  id: { field: 'id' },
  authScopes: { staff: true },
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    warehouse: t.relation('warehouse'),
  }),
});

/** The row id of a warehouse that exists (read in the mutation's unit), else NOT_FOUND. */
async function existingWarehouse(tx: TxClient, globalId: string): Promise<number> {
  const id = parseId(globalId, 'Warehouse', 'warehouseId');
  const found = await tx.warehouse.findUnique({ where: { id }, select: { id: true } });
  if (!found) throw notFound('Warehouse', globalId);
  return id;
}

const CreateCrateInput = builder.inputType('CreateCrateInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    warehouseId: t.id({ required: true }),
  }),
});

const UpdateCrateInput = builder.inputType('UpdateCrateInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string(),
    description: t.string(),
    warehouseId: t.id(),
  }),
});

const MoveCratesInput = builder.inputType('MoveCratesInput', {
  fields: (t) => ({ ids: t.idList({ required: true }), warehouseId: t.id({ required: true }) }),
});

// The existence checks are `before` hooks: they read inside the mutation's unit of work, so what
// they saw is still true when the resolver writes (nothing commits in between).
builder.mutationFields((t) => ({
  createCrate: t.prismaField({
    type: 'Crate',
    authScopes: { staff: true },
    args: { input: t.arg({ type: CreateCrateInput, required: true }) },
    hooks: {
      before: async function warehouseExists({ args, tx }) {
        await existingWarehouse(tx, String(args.input.warehouseId));
      },
    },
    resolve: (query, _root, { input }, ctx) =>
      ctx.db.crate.create({
        ...query,
        data: {
          name: input.name,
          description: input.description ?? null,
          warehouseId: parseId(String(input.warehouseId), 'Warehouse', 'warehouseId'),
        },
      }),
  }),

  updateCrate: t.prismaField({
    type: 'Crate',
    authScopes: { staff: true },
    args: { input: t.arg({ type: UpdateCrateInput, required: true }) },
    hooks: {
      before: async function crateAndWarehouseExist({ args: { input }, tx }) {
        const id = parseId(String(input.id), 'Crate');
        if (input.name === null)
          throw new AppError('BAD_USER_INPUT', 'name: must not be null', { field: 'name' });
        if (input.warehouseId === null) {
          throw new AppError('BAD_USER_INPUT', 'warehouseId: must not be null', { field: 'warehouseId' });
        }
        if (input.warehouseId !== undefined) await existingWarehouse(tx, String(input.warehouseId));
        const exists = await tx.crate.findUnique({ where: { id }, select: { id: true } });
        if (!exists) throw notFound('Crate', String(input.id));
      },
    },
    resolve: (query, _root, { input }, ctx) =>
      ctx.db.crate.update({
        ...query,
        where: { id: parseId(String(input.id), 'Crate') },
        data: {
          ...(input.name != null && { name: input.name }),
          ...(input.description !== undefined && { description: input.description }),
          ...(input.warehouseId != null && {
            warehouseId: parseId(String(input.warehouseId), 'Warehouse', 'warehouseId'),
          }),
        },
      }),
  }),

  moveCrates: t.prismaField({
    type: ['Crate'],
    authScopes: { staff: true },
    args: { input: t.arg({ type: MoveCratesInput, required: true }) },
    hooks: {
      before: async function cratesAndWarehouseExist({ args: { input }, tx }) {
        const ids = [...new Set(input.ids.map((id) => parseId(String(id), 'Crate', 'ids')))];
        await existingWarehouse(tx, String(input.warehouseId));
        const found = await tx.crate.findMany({ where: { id: { in: ids } }, select: { id: true } });
        if (found.length !== ids.length) {
          const missing = input.ids.filter((g) => !found.some((c) => c.id === parseId(String(g), 'Crate')));
          const listed = missing.slice(0, 3).map(quote).join(', ');
          const more = missing.length > 3 ? ` and ${missing.length - 3} more` : '';
          throw new AppError('NOT_FOUND', `Crate ${listed}${more} not found`);
        }
      },
    },
    resolve: async (query, _root, { input }, ctx) => {
      const ids = [...new Set(input.ids.map((id) => parseId(String(id), 'Crate', 'ids')))];
      const warehouseId = parseId(String(input.warehouseId), 'Warehouse', 'warehouseId');
      // One bulk write: the pipeline sends pre_save/post_save for every crate it moves. The
      // read-back runs in the same unit: it shows the move, whatever commits around it.
      await ctx.db.crate.updateMany({ where: { id: { in: ids } }, data: { warehouseId } });
      return ctx.db.crate.findMany({ ...query, where: { id: { in: ids } }, orderBy: { id: 'asc' } });
    },
  }),

  deleteCrate: t.id({
    authScopes: { staff: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const id = parseId(String(args.id), 'Crate');
      const deleted = await ctx.db.crate.deleteMany({ where: { id } });
      if (deleted.count === 0) throw notFound('Crate', String(args.id));
      return String(args.id);
    },
  }),
}));
