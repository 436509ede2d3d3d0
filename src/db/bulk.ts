import type { TxState } from './context.js';
import { currentTx } from './context.js';
import { AppError } from './errors.js';
import { checkLimits, ON_DELETE, type ModelName as PrismaModel } from './models.js';
import { EVENT_MODELS, recordEvents } from './outbox.js';
import {
  type Args,
  chunks,
  type Data,
  delegate,
  enter,
  needs,
  normalizeData,
  type Row,
  send,
} from './phases.js';

/** Bulk writes: a signal (and an outbox event) per row, as few statements as the rows allow. */

export async function createMany(state: TxState, model: PrismaModel, args: Args, returnRows: boolean) {
  const list = (Array.isArray(args.data) ? args.data : [args.data]).map((d) => normalizeData(model, d));
  for (const data of list) {
    await send('preSave', state, model, {
      instance: data,
      created: true,
      updateFields: null,
      previous: null,
      operation: 'createMany',
    });
    checkLimits(model, data);
  }
  const d = delegate(state, model);
  if (!returnRows && !needs('postSave', model) && !EVENT_MODELS.has(model))
    return d.createMany({ data: list });
  const rows = (await d.createManyAndReturn({ data: list })) as Row[];
  await recordEvents(state, model, 'SAVE', rows, true);
  for (const row of rows) {
    await send('postSave', state, model, {
      instance: row,
      created: true,
      updateFields: null,
      previous: null,
      operation: 'createMany',
    });
  }
  if (!returnRows) return { count: rows.length };
  if (args.select === undefined && args.omit === undefined) return rows;
  const selected: unknown[] = [];
  for (const slice of chunks(rows.map((r) => r.id))) {
    selected.push(
      ...((await d.findMany({
        where: { id: { in: slice } },
        select: args.select,
        omit: args.omit,
      })) as unknown[]),
    );
  }
  return selected;
}

/**
 * updateMany with a signal per row (Django's `update()` sends none). When every pre_save
 * receiver leaves the data as it was, the rows are written by one statement; a receiver that
 * changes one row's data makes that row a write of its own. The original `where` is kept in the
 * write, so a conditional update (`quantity: { gte: n }`) stays atomic.
 */
export async function updateMany(state: TxState, model: PrismaModel, args: Args, returnRows: boolean) {
  const d = delegate(state, model);
  const data = normalizeData(model, args.data);
  const signalled = needs('preSave', model) || needs('postSave', model);
  if (!signalled) {
    checkLimits(model, data);
    if (!returnRows && !EVENT_MODELS.has(model)) return d.updateMany({ where: args.where, data });
    const rows = (await d.updateManyAndReturn({ where: args.where, data })) as Row[];
    await recordEvents(state, model, 'SAVE', rows, false, Object.keys(data));
    return returnRows ? rows : { count: rows.length };
  }
  const previous = (await d.findMany({ where: args.where, orderBy: { id: 'asc' } })) as Row[];
  if (previous.length === 0) return returnRows ? [] : { count: 0 };
  const updateFields = Object.keys(data);
  const common: Row[] = [];
  const own: Array<{ row: Row; data: Data }> = [];
  const original = JSON.stringify(data);
  for (const row of previous) {
    const rowData = structuredClone(data);
    await send('preSave', state, model, {
      instance: rowData,
      created: false,
      updateFields,
      previous: row,
      operation: 'updateMany',
    });
    checkLimits(model, rowData);
    if (JSON.stringify(rowData) === original) common.push(row);
    else own.push({ row, data: rowData });
  }
  const written: Row[] = [];
  for (const slice of chunks(common)) {
    const where = { AND: [args.where ?? {}, { id: { in: slice.map((r) => r.id) } }] };
    written.push(...((await d.updateManyAndReturn({ where, data })) as Row[]));
  }
  for (const { row, data: rowData } of own) {
    const where = { AND: [args.where ?? {}, { id: row.id }] };
    written.push(...((await d.updateManyAndReturn({ where, data: rowData })) as Row[]));
  }
  const before = new Map(previous.map((r) => [r.id, r]));
  written.sort((a, b) => a.id - b.id);
  await recordEvents(state, model, 'SAVE', written, false, updateFields);
  for (const row of written) {
    await send('postSave', state, model, {
      instance: row,
      created: false,
      updateFields,
      previous: before.get(row.id) ?? null,
      operation: 'updateMany',
    });
  }
  return returnRows ? written : { count: written.length };
}

/**
 * Deletes rows with pre_delete / post_delete for each, and performs the schema's Cascade and
 * SetNull through the pipeline first, so the dependent rows' signals fire too.
 */
export async function deleteRows(state: TxState, model: PrismaModel, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  for (const row of rows) await send('preDelete', state, model, { instance: row });
  const ids = rows.map((r) => r.id);
  for (const slice of chunks(ids)) await deleteDependants(state, model, slice);
  for (const slice of chunks(ids)) await delegate(state, model).deleteMany({ where: { id: { in: slice } } });
  await recordEvents(state, model, 'DELETE', rows);
  for (const row of rows) await send('postDelete', state, model, { instance: row });
}

/** The schema's onDelete rules for the rows `ids` of `model`, performed through the pipeline. */
async function deleteDependants(state: TxState, model: PrismaModel, ids: number[]): Promise<void> {
  for (const dependant of ON_DELETE[model]) {
    const where = { [dependant.field]: { in: ids } };
    if (dependant.action === 'Cascade') {
      const child = enter(state, dependant.model, 'delete');
      const children = (await delegate(child, dependant.model).findMany({ where })) as Row[];
      await currentTx.run(child, () => deleteRows(child, dependant.model, children));
    } else if (dependant.action === 'Restrict') {
      const count = (await delegate(state, dependant.model).count({ where })) as number;
      if (count > 0) {
        throw new AppError(
          'BAD_USER_INPUT',
          `${model} ${ids.join(', ')} cannot be deleted: ${count} ${dependant.model} row(s) still refer to it`,
        );
      }
    } else {
      const child = enter(state, dependant.model, 'update');
      await currentTx.run(child, () =>
        updateMany(child, dependant.model, { where, data: { [dependant.field]: null } }, false),
      );
    }
  }
}

export async function removeMany(state: TxState, model: PrismaModel, args: Args) {
  const quiet = !needs('preDelete', model) && !needs('postDelete', model);
  if (quiet && ON_DELETE[model].length === 0 && !EVENT_MODELS.has(model)) {
    return delegate(state, model).deleteMany({ where: args.where }); // nobody to tell
  }
  const rows = (await delegate(state, model).findMany({
    where: args.where,
    orderBy: { id: 'asc' },
  })) as Row[];
  await deleteRows(state, model, rows);
  return { count: rows.length };
}
