import { type Frame, inChild } from './frames.js';
import { checkLimits, type ModelName as PrismaModel } from './models.js';
import { EVENT_MODELS, type EventEntry, recordEvents } from './outbox.js';
import {
  type Args,
  chunks,
  type Data,
  delegate,
  limitOf,
  lockForWrite,
  needs,
  normalizeData,
  type Row,
  send,
  withSelections,
  writtenFields,
} from './phases.js';

/** Bulk writes: a signal (and an outbox event) per row, as few statements as the rows allow. */

/** pre_save of one row of a bulk create, then the text limits of what the receivers left. */
async function preCreate(frame: Frame, model: PrismaModel, data: Data): Promise<void> {
  await send('preSave', frame, model, {
    instance: data,
    created: true,
    updateFields: null,
    previous: null,
    operation: 'createMany',
  });
  checkLimits(model, data);
}

/** A skipped duplicate: its savepoint is rolled back (pre_save side effects included). */
class Duplicate extends Error {}

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'P2002';
}

/**
 * `skipDuplicates` (which Prisma 6.19 refuses on SQLite): each row in its own savepoint, with
 * INSERT ... ON CONFLICT DO NOTHING semantics: a row whose insert hits a unique constraint is
 * skipped, and whatever its pre_save receivers wrote is rolled back with it.
 */
async function insertSkippingDuplicates(frame: Frame, model: PrismaModel, list: Data[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const data of list) {
    try {
      const row = await inChild(
        frame,
        async (rowFrame) => {
          await preCreate(rowFrame, model, data);
          try {
            return (await delegate(rowFrame, model).create({ data })) as Row;
          } catch (error) {
            throw isUniqueViolation(error) ? new Duplicate() : error;
          }
        },
        { savepoint: true, depth: frame.depth, label: `${model}.createMany` },
      );
      rows.push(row);
    } catch (error) {
      if (!(error instanceof Duplicate)) throw error;
    }
  }
  return rows;
}

export async function createMany(frame: Frame, model: PrismaModel, args: Args, returnRows: boolean) {
  const list = (Array.isArray(args.data) ? args.data : [args.data]).map((d) => normalizeData(model, d));
  const d = delegate(frame, model);
  let rows: Row[];
  if (args.skipDuplicates === true) {
    rows = await insertSkippingDuplicates(frame, model, list);
  } else {
    for (const data of list) await preCreate(frame, model, data);
    if (!returnRows && !needs('postSave', model) && !EVENT_MODELS.has(model)) {
      return d.createMany({ data: list });
    }
    rows = (await d.createManyAndReturn({ data: list })) as Row[];
  }
  await recordEvents(
    frame,
    model,
    'SAVE',
    rows.map((row) => ({ row, created: true, updateFields: null })),
  );
  for (const row of rows) {
    await send('postSave', frame, model, {
      instance: row,
      created: true,
      updateFields: null,
      previous: null,
      operation: 'createMany',
    });
  }
  if (!returnRows) return { count: rows.length };
  return withSelections(frame, model, rows, args);
}

/**
 * updateMany with a signal per row (Django's `update()` sends none). When every pre_save
 * receiver leaves the data as it was, the rows are written by one statement; a receiver that
 * changes one row's data makes that row a write of its own. The original `where` is kept in the
 * write, so a conditional update (`quantity: { gte: n }`) stays atomic; `limit` picks the rows
 * (lowest ids first) before any signal is sent.
 */
export async function updateMany(frame: Frame, model: PrismaModel, args: Args, returnRows: boolean) {
  const d = delegate(frame, model);
  const data = normalizeData(model, args.data);
  const limit = limitOf(args);
  const signalled = needs('preSave', model) || needs('postSave', model);
  if (!signalled) {
    checkLimits(model, data);
    if (!returnRows && !EVENT_MODELS.has(model)) return d.updateMany({ where: args.where, data, limit });
    const rows = (await d.updateManyAndReturn({ where: args.where, data, limit })) as Row[];
    const updateFields = writtenFields(data);
    await recordEvents(
      frame,
      model,
      'SAVE',
      rows.map((row) => ({ row, created: false, updateFields })),
    );
    return returnRows ? withSelections(frame, model, rows, args) : { count: rows.length };
  }
  const matched = (await d.findMany({ where: args.where, orderBy: { id: 'asc' }, take: limit })) as Row[];
  const previous = await lockForWrite(frame, model, matched, args.where);
  if (previous.length === 0) return returnRows ? [] : { count: 0 };
  const fieldsBefore = writtenFields(data);
  const original = JSON.stringify(data);
  // Rows whose data no receiver changed are written together; the others one by one.
  const common: Row[] = [];
  const own: Array<{ row: Row; data: Data }> = [];
  for (const row of previous) {
    const rowData = structuredClone(data);
    await send('preSave', frame, model, {
      instance: rowData,
      created: false,
      updateFields: fieldsBefore,
      previous: row,
      operation: 'updateMany',
    });
    checkLimits(model, rowData);
    if (JSON.stringify(rowData) === original) common.push(row);
    else own.push({ row, data: rowData });
  }
  const written: EventEntry[] = [];
  for (const slice of chunks(common)) {
    const where = { AND: [args.where ?? {}, { id: { in: slice.map((r) => r.id) } }] };
    const updateFields = writtenFields(data);
    for (const row of (await d.updateManyAndReturn({ where, data })) as Row[]) {
      written.push({ row, created: false, updateFields });
    }
  }
  for (const { row, data: rowData } of own) {
    const where = { AND: [args.where ?? {}, { id: row.id }] };
    const updateFields = writtenFields(rowData);
    for (const stored of (await d.updateManyAndReturn({ where, data: rowData })) as Row[]) {
      written.push({ row: stored, created: false, updateFields });
    }
  }
  const before = new Map(previous.map((r) => [r.id, r]));
  written.sort((a, b) => a.row.id - b.row.id);
  await recordEvents(frame, model, 'SAVE', written);
  for (const { row, updateFields } of written) {
    await send('postSave', frame, model, {
      instance: row,
      created: false,
      updateFields,
      previous: before.get(row.id) ?? null,
      operation: 'updateMany',
    });
  }
  const rows = written.map((w) => w.row);
  return returnRows ? withSelections(frame, model, rows, args) : { count: rows.length };
}
