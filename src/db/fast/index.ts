import { Call, type StatementSource } from './call.js';
import { DECLINE, type Flavor, isPlainObject } from './flavor.js';
import { describeModels, type FastModel, type FastPathMetadata } from './model.js';
import { Projections } from './projection.js';
import { type Args, count, findMany, findUnique } from './reads.js';
import { sqlite } from './sqlite.js';
import { create, createMany, deleteMany, update, updateMany } from './writes.js';

/**
 * WARNING: a path beside Prisma. Simple single-table calls become one prepared statement on the
 * caller's connection instead of a trip through Prisma's query compiler; they must return what
 * Prisma returns, throw what Prisma throws, and leave the same rows (test/db/fast.test.ts runs
 * both side by side). Any call it cannot reproduce exactly answers NOT_FAST, before any
 * statement runs, and the caller sends it to Prisma.
 */

export const NOT_FAST: unique symbol = Symbol('NOT_FAST');

export interface FastPath {
  run(source: StatementSource, model: string, operation: string, args: unknown): unknown | typeof NOT_FAST;
  /** The model as the fast path sees it (tests and diagnostics). */
  model(name: string): FastModel | undefined;
}

type Operation = (call: Call, args: Args) => unknown;

const OPERATIONS: Readonly<Record<string, Operation>> = {
  findUnique: (call, args) => findUnique(call, args, false),
  findUniqueOrThrow: (call, args) => findUnique(call, args, true),
  findFirst: (call, args) => findMany(call, args, true),
  findMany: (call, args) => findMany(call, args, false),
  count,
  create,
  createMany: (call, args) => createMany(call, args, false),
  createManyAndReturn: (call, args) => createMany(call, args, true),
  update,
  updateMany: (call, args) => updateMany(call, args, false),
  updateManyAndReturn: (call, args) => updateMany(call, args, true),
  deleteMany,
};

export function createFastPath(metadata: FastPathMetadata, flavor: Flavor = sqlite): FastPath {
  const models = describeModels(metadata);
  const projections = new Projections(flavor);
  return {
    model: (name) => models.get(name),
    run(source, modelName, operation, args) {
      const model = models.get(modelName);
      const handler = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
      if (!model || model.unsupported !== null || !handler) return NOT_FAST;
      if (args !== undefined && !isPlainObject(args)) return NOT_FAST;
      try {
        return handler(new Call(flavor, projections, source, model, operation), args ?? {});
      } catch (error) {
        if (error === DECLINE) return NOT_FAST;
        throw error;
      }
    },
  };
}

export type { FastField, FastModel, FastPathMetadata } from './model.js';
export { projectMetadata } from './model.js';
export { sqlite } from './sqlite.js';
export type { Flavor, StatementSource };
