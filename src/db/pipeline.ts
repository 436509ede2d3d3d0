import { type ModelName, modelSignals, type SignalKind, type WriteOperation } from '../signals/index.js';
import { currentTx, signalObserver, type TxState } from './context.js';
import { AppError, SignalDepthError, UnsupportedWriteError } from './errors.js';
import { checkLimits, modelMeta, ON_DELETE, type ModelName as PrismaModel } from './models.js';
import { EVENT_MODELS, recordEvents } from './outbox.js';

/**
 * The write pipeline: every write of every model, in its transaction, in this order:
 * read the rows it touches → pre_save / pre_delete (may change data or reject) → check limits →
 * write → post_save / post_delete → return the row with the caller's selection.
 * A model with no receivers skips the signal phases.
 */

export const MAX_SIGNAL_DEPTH = 8;

type Row = Record<string, unknown> & { id: number };
type Data = Record<string, unknown>;
type Args = Record<string, unknown>;
/** A Prisma model delegate called by name: the pipeline is generic over models. */
type Method = (args?: unknown) => Promise<unknown>;
type Delegate = Record<
  | 'findFirst'
  | 'findMany'
  | 'findUniqueOrThrow'
  | 'count'
  | 'create'
  | 'createMany'
  | 'createManyAndReturn'
  | 'update'
  | 'updateMany'
  | 'updateManyAndReturn'
  | 'deleteMany',
  Method
>;

export const WRITE_OPERATIONS = new Set([
  'create',
  'createMany',
  'createManyAndReturn',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'upsert',
  'delete',
  'deleteMany',
]);

function delegate(state: TxState, model: PrismaModel): Delegate {
  // The raw transaction client indexed by model key; every model delegate has the same method names.
  return (state.raw as unknown as Record<string, Delegate>)[modelMeta(model).key] as Delegate;
}

/** Prisma refuses statements with too many bound parameters: long id lists go in slices. */
const ID_CHUNK = 500;
function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += ID_CHUNK) out.push(items.slice(i, i + ID_CHUNK));
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Turns `relation: { connect: { id } }` into the foreign key and rejects every other nested
 * write: Prisma would write the related rows without their signals.
 */
function normalizeData(model: PrismaModel, data: unknown): Data {
  if (!isObject(data)) throw new UnsupportedWriteError(`${model}: data must be an object`);
  const meta = modelMeta(model);
  const out: Data = {};
  for (const [field, value] of Object.entries(data)) {
    const relation = meta.relations.get(field);
    if (!relation) {
      out[field] = value;
      continue;
    }
    const fk = relation.fromFields.length === 1 ? relation.fromFields[0] : undefined;
    if (fk !== undefined && isObject(value)) {
      const ops = Object.keys(value);
      const connect = value.connect;
      if (ops.length === 1 && isObject(connect) && Object.keys(connect).join() === 'id') {
        out[fk] = connect.id;
        continue;
      }
      if (ops.length === 1 && value.disconnect === true) {
        out[fk] = null;
        continue;
      }
    }
    throw new UnsupportedWriteError(
      `Nested write to ${model}.${field} is not passed through signals: write the ${relation.type} rows ` +
        `directly (db.${modelMeta(relation.type).key}.create/update/delete), or connect by { id }`,
    );
  }
  return out;
}

function enter(state: TxState, model: string, operation: string): TxState {
  const depth = state.depth + 1;
  if (depth > MAX_SIGNAL_DEPTH) {
    throw new SignalDepthError(
      `${model}.${operation} nested ${depth} writes deep through receivers (limit ${MAX_SIGNAL_DEPTH}): ` +
        'a receiver is probably re-triggering itself',
    );
  }
  return { ...state, depth };
}

function hasReceivers(kind: SignalKind, model: PrismaModel): boolean {
  return modelSignals[kind].hasListeners(model as ModelName);
}

/** Sends one model signal inside the transaction, unless a test muted signals. */
async function send(kind: SignalKind, state: TxState, model: PrismaModel, fields: Args): Promise<void> {
  const observer = signalObserver.getStore();
  if (observer?.muted) return;
  observer?.record?.({
    signal: kind,
    sender: model,
    instance: fields.instance,
    created: fields.created as boolean | undefined,
    updateFields: fields.updateFields as string[] | null | undefined,
  });
  if (!hasReceivers(kind, model)) return;
  const args = {
    ...fields,
    sender: model,
    tx: state.client,
    context: state.context,
    onCommit: (fn: () => unknown) => {
      state.onCommit.push(fn);
    },
  };
  // Each signal's args are built from the model's own row and data; the union type is per sender.
  await currentTx.run(state, () => modelSignals[kind].send(model as ModelName, args as never));
}

function needs(kind: SignalKind, model: PrismaModel): boolean {
  return hasReceivers(kind, model) || signalObserver.getStore()?.record !== undefined;
}

async function withSelection(state: TxState, model: PrismaModel, row: Row, args: Args): Promise<unknown> {
  const { select, include, omit } = args;
  if (select === undefined && include === undefined && omit === undefined) return row;
  return delegate(state, model).findUniqueOrThrow({ where: { id: row.id }, select, include, omit });
}

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

async function findOne(state: TxState, model: PrismaModel, where: unknown, operation: string): Promise<Row> {
  const row = (await delegate(state, model).findFirst({ where })) as Row | null;
  if (!row) {
    throw new AppError('NOT_FOUND', `${model} to ${operation} not found (where ${JSON.stringify(where)})`);
  }
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

async function createMany(state: TxState, model: PrismaModel, args: Args, returnRows: boolean) {
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
async function updateMany(state: TxState, model: PrismaModel, args: Args, returnRows: boolean) {
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
async function deleteRows(state: TxState, model: PrismaModel, rows: Row[]): Promise<void> {
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

async function remove(state: TxState, model: PrismaModel, args: Args) {
  const row = await findOne(state, model, args.where, 'delete');
  const selected = await withSelection(state, model, row, args);
  await deleteRows(state, model, [row]);
  return selected;
}

async function removeMany(state: TxState, model: PrismaModel, args: Args) {
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
