import { AppError } from '../db/index.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
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

async function warehouseId(ctx: Context, globalId: string): Promise<number> {
  const id = parseId(globalId, 'Warehouse', 'warehouseId');
  const found = await ctx.db.warehouse.findUnique({ where: { id }, select: { id: true } });
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

builder.mutationFields((t) => ({
  createCrate: t.prismaField({
    type: 'Crate',
    authScopes: { staff: true },
    args: { input: t.arg({ type: CreateCrateInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) =>
      ctx.db.crate.create({
        ...query,
        data: {
          name: input.name,
          description: input.description ?? null,
          warehouseId: await warehouseId(ctx, String(input.warehouseId)),
        },
      }),
  }),

  updateCrate: t.prismaField({
    type: 'Crate',
    authScopes: { staff: true },
    args: { input: t.arg({ type: UpdateCrateInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const id = parseId(String(input.id), 'Crate');
      if (input.name === null)
        throw new AppError('BAD_USER_INPUT', 'name: must not be null', { field: 'name' });
      if (input.warehouseId === null) {
        throw new AppError('BAD_USER_INPUT', 'warehouseId: must not be null', { field: 'warehouseId' });
      }
      const data = {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.warehouseId !== undefined && {
          warehouseId: await warehouseId(ctx, String(input.warehouseId)),
        }),
      };
      const exists = await ctx.db.crate.findUnique({ where: { id }, select: { id: true } });
      if (!exists) throw notFound('Crate', String(input.id));
      return ctx.db.crate.update({ ...query, where: { id }, data });
    },
  }),

  moveCrates: t.prismaField({
    type: ['Crate'],
    authScopes: { staff: true },
    args: { input: t.arg({ type: MoveCratesInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const ids = [...new Set(input.ids.map((id) => parseId(String(id), 'Crate', 'ids')))];
      const target = await warehouseId(ctx, String(input.warehouseId));
      const found = await ctx.db.crate.findMany({ where: { id: { in: ids } }, select: { id: true } });
      if (found.length !== ids.length) {
        const missing = input.ids.filter((g) => !found.some((c) => c.id === parseId(String(g), 'Crate')));
        const listed = missing.slice(0, 3).map(quote).join(', ');
        const more = missing.length > 3 ? ` and ${missing.length - 3} more` : '';
        throw new AppError('NOT_FOUND', `Crate ${listed}${more} not found`);
      }
      // One bulk write: the pipeline sends pre_save/post_save for every crate it moves.
      await ctx.db.crate.updateMany({ where: { id: { in: ids } }, data: { warehouseId: target } });
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
