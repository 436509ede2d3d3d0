import type { WriteOperation } from '../signals/index.js';
import { createMany, deleteRows, removeMany, updateMany } from './bulk.js';
import { currentTx, type TxState } from './context.js';
import { AppError, UnsupportedWriteError } from './errors.js';
import { checkLimits, type ModelName as PrismaModel } from './models.js';
import { recordEvents } from './outbox.js';
import {
  type Args,
  type Data,
  delegate,
  enter,
  findOne,
  needs,
  normalizeData,
  type Row,
  send,
  withSelection,
} from './phases.js';

export { MAX_SIGNAL_DEPTH, WRITE_OPERATIONS } from './phases.js';

/**
 * The write pipeline: every write of every model, in its transaction, in this order:
 * read the rows it touches → pre_save / pre_delete (may change data or reject) → check limits →
 * write → post_save / post_delete → return the row with the caller's selection.
 * A model with no receivers skips the signal phases.
 */

async function saveOne(
  state: TxState,
  model: PrismaModel,
  operation: WriteOperation,
  data: Data,
  previous: Row | null,
): Promise<Row> {
  const created = previous === null;
  const updateFields = created ? null : Object.keys(data);
  await send('preSave', state, model, { instance: data, created, updateFields, previous, operation });
  checkLimits(model, data);
  const d = delegate(state, model);
  const row = (
    previous === null ? await d.create({ data }) : await d.update({ where: { id: previous.id }, data })
  ) as Row;
  await recordEvents(state, model, 'SAVE', [row], created, updateFields);
  await send('postSave', state, model, {
    instance: row,
    created,
    updateFields: created ? null : Object.keys(data),
    previous,
    operation,
  });
  return row;
}

async function create(state: TxState, model: PrismaModel, args: Args) {
  const row = await saveOne(state, model, 'create', normalizeData(model, args.data), null);
  return withSelection(state, model, row, args);
}

async function update(state: TxState, model: PrismaModel, args: Args) {
  if (!needs('preSave', model) && !needs('postSave', model)) {
    // Nobody listens: one statement, as Prisma would do it.
    const data = normalizeData(model, args.data);
    checkLimits(model, data);
    const { select, include, omit } = args;
    const found = await delegate(state, model).updateManyAndReturn({ where: args.where, data, limit: 1 });
    const row = (found as Row[])[0];
    if (!row)
      throw new AppError('NOT_FOUND', `${model} to update not found (where ${JSON.stringify(args.where)})`);
    await recordEvents(state, model, 'SAVE', [row], false, Object.keys(data));
    return withSelection(state, model, row, { select, include, omit });
  }
  const previous = await findOne(state, model, args.where, 'update');
  const row = await saveOne(state, model, 'update', normalizeData(model, args.data), previous);
  return withSelection(state, model, row, args);
}

async function upsert(state: TxState, model: PrismaModel, args: Args) {
  const previous = (await delegate(state, model).findFirst({ where: args.where })) as Row | null;
  const data = normalizeData(model, previous ? args.update : args.create);
  const row = await saveOne(state, model, 'upsert', data, previous);
  return withSelection(state, model, row, args);
}

async function remove(state: TxState, model: PrismaModel, args: Args) {
  const row = await findOne(state, model, args.where, 'delete');
  const selected = await withSelection(state, model, row, args);
  await deleteRows(state, model, [row]);
  return selected;
}

/** Runs one write of the Prisma API through the pipeline, inside the transaction `state`. */
export function runWrite(
  state: TxState,
  model: PrismaModel,
  operation: string,
  args: Args = {},
): Promise<unknown> {
  const inner = enter(state, model, operation);
  return currentTx.run(inner, () => {
    switch (operation) {
      case 'create':
        return create(inner, model, args);
      case 'update':
        return update(inner, model, args);
      case 'upsert':
        return upsert(inner, model, args);
      case 'createMany':
        return createMany(inner, model, args, false);
      case 'createManyAndReturn':
        return createMany(inner, model, args, true);
      case 'updateMany':
        return updateMany(inner, model, args, false);
      case 'updateManyAndReturn':
        return updateMany(inner, model, args, true);
      case 'delete':
        return remove(inner, model, args);
      case 'deleteMany':
        return removeMany(inner, model, args);
      default:
        throw new UnsupportedWriteError(`${model}.${operation} is not a write the pipeline knows`);
    }
  });
}
