import type { WriteOperation } from '../signals/index.js';
import { createMany, isUniqueViolation, updateMany } from './bulk.js';
import { deleteOne, removeMany } from './delete.js';
import { AppError, UnsupportedWriteError } from './errors.js';
import { type Frame, inChild } from './frames.js';
import { checkLimits, type ModelName as PrismaModel } from './models.js';
import { recordEvents } from './outbox.js';
import {
  type Args,
  type Data,
  delegate,
  findOne,
  lockForWrite,
  needs,
  normalizeData,
  type Row,
  send,
  withSelection,
  writtenFields,
} from './phases.js';

export { WRITE_OPERATIONS } from './phases.js';

/**
 * The write pipeline: every write of every model, in its own frame (a savepoint) of its
 * transaction, in this order: read the rows it touches → pre_save / pre_delete (may change data
 * or reject) → check limits → write → record the event → post_save / post_delete → return the
 * row with the caller's selection. A model with no receivers skips the signal phases.
 */

async function saveOne(
  frame: Frame,
  model: PrismaModel,
  operation: WriteOperation,
  data: Data,
  previous: Row | null,
): Promise<Row> {
  const created = previous === null;
  await send('preSave', frame, model, {
    instance: data,
    created,
    updateFields: created ? null : writtenFields(data),
    previous,
    operation,
  });
  checkLimits(model, data);
  // One list for post_save and the Event row, as the data stands after pre_save.
  const updateFields = created ? null : writtenFields(data);
  const d = delegate(frame, model);
  const row = (
    previous === null ? await d.create({ data }) : await d.update({ where: { id: previous.id }, data })
  ) as Row;
  await recordEvents(frame, model, 'SAVE', [{ row, created, updateFields }]);
  await send('postSave', frame, model, { instance: row, created, updateFields, previous, operation });
  return row;
}

async function create(frame: Frame, model: PrismaModel, args: Args) {
  const row = await saveOne(frame, model, 'create', normalizeData(model, args.data), null);
  return withSelection(frame, model, row, args);
}

async function update(frame: Frame, model: PrismaModel, args: Args) {
  const data = normalizeData(model, args.data);
  if (!needs('preSave', model) && !needs('postSave', model)) {
    // Nobody listens: one statement, as Prisma would do it.
    checkLimits(model, data);
    const found = await delegate(frame, model).updateManyAndReturn({ where: args.where, data, limit: 1 });
    const row = (found as Row[])[0];
    if (!row)
      throw new AppError('NOT_FOUND', `${model} to update not found (where ${JSON.stringify(args.where)})`);
    await recordEvents(frame, model, 'SAVE', [{ row, created: false, updateFields: writtenFields(data) }]);
    return withSelection(frame, model, row, args);
  }
  const previous = await findOne(frame, model, args.where, 'update');
  const row = await saveOne(frame, model, 'update', data, previous);
  return withSelection(frame, model, row, args);
}

async function upsert(frame: Frame, model: PrismaModel, args: Args) {
  const found = (await delegate(frame, model).findFirst({ where: args.where })) as Row | null;
  const [previous = null] = found ? await lockForWrite(frame, model, [found], args.where) : [];
  if (previous || !frame.unit.dialect.lockRows) {
    // An update, or a create no other unit can race (one writer).
    const data = normalizeData(model, previous ? args.update : args.create);
    const row = await saveOne(frame, model, 'upsert', data, previous);
    return withSelection(frame, model, row, args);
  }
  // Concurrent units (PostgreSQL) may both find nothing and both insert: the later insert waits
  // for the earlier one's commit and hits the unique key. Its savepoint (pre_save's writes with
  // it) is rolled back and the upsert becomes the update it would have been a moment later.
  try {
    const row = await inChild(
      frame,
      (child) => saveOne(child, model, 'upsert', normalizeData(model, args.create), null),
      { savepoint: true, depth: frame.depth, label: `${model}.upsert` },
    );
    return withSelection(frame, model, row, args);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const existing = await findOne(frame, model, args.where, 'upsert').catch(() => null);
    if (!existing) throw error; // another unique key than the one in `where`
    const row = await saveOne(frame, model, 'upsert', normalizeData(model, args.update), existing);
    return withSelection(frame, model, row, args);
  }
}

/** Runs one write of the Prisma API through the pipeline, in the frame `frame`. */
export function runWrite(
  frame: Frame,
  model: PrismaModel,
  operation: string,
  args: Args = {},
): Promise<unknown> {
  switch (operation) {
    case 'create':
      return create(frame, model, args);
    case 'update':
      return update(frame, model, args);
    case 'upsert':
      return upsert(frame, model, args);
    case 'createMany':
      return createMany(frame, model, args, false);
    case 'createManyAndReturn':
      return createMany(frame, model, args, true);
    case 'updateMany':
      return updateMany(frame, model, args, false);
    case 'updateManyAndReturn':
      return updateMany(frame, model, args, true);
    case 'delete':
      return deleteOne(frame, model, args);
    case 'deleteMany':
      return removeMany(frame, model, args);
    default:
      return Promise.reject(
        new UnsupportedWriteError(`${model}.${operation} is not a write the pipeline knows`),
      );
  }
}
