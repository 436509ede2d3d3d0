import { type ModelName, modelSignals, type SignalKind } from '../signals/index.js';
import { AppError, UnsupportedWriteError } from './errors.js';
import { addOnCommit, currentFrame, type Frame } from './frames.js';
import { modelMeta, type ModelName as PrismaModel } from './models.js';
import { signalObserver } from './observer.js';
import { EVENT_MODELS } from './outbox.js';

/** The pieces every write phase uses: model access by name, nested-write rules, sending signals. */

export type Row = Record<string, unknown> & { id: number };
export type Data = Record<string, unknown>;
export type Args = Record<string, unknown>;
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

export const WRITE_OPERATIONS: ReadonlySet<string> = new Set([
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

/** The model's delegate on the frame's unit (its calls run inside the unit). */
export function delegate(frame: Frame, model: PrismaModel): Delegate {
  // The unit's Prisma client indexed by model key; every model delegate has the same method names.
  return (frame.conn.prisma as unknown as Record<string, Delegate>)[modelMeta(model).key] as Delegate;
}

/** Prisma refuses statements with too many bound parameters: long id lists go in slices. */
export const ID_CHUNK = 500;
export function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += ID_CHUNK) out.push(items.slice(i, i + ID_CHUNK));
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Turns `relation: { connect: { id } }` into the foreign key and rejects every other nested
 * write: Prisma would write the related rows without their signals. A key whose value is
 * `undefined` means "leave as is" in Prisma: it is dropped, so it is neither written nor listed.
 */
export function normalizeData(model: PrismaModel, data: unknown): Data {
  if (!isObject(data)) throw new UnsupportedWriteError(`${model}: data must be an object`);
  const meta = modelMeta(model);
  const out: Data = {};
  for (const [field, value] of Object.entries(data)) {
    if (value === undefined) continue;
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

/** The fields a write sets: computed after pre_save, for post_save and the Event row alike. */
export function writtenFields(data: Data): string[] {
  return Object.keys(data).filter((field) => data[field] !== undefined);
}

/** Prisma's `limit` on bulk writes: a whole number >= 0, or none. */
export function limitOf(args: Args): number | undefined {
  const { limit } = args;
  if (limit === undefined || limit === null) return undefined;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    throw new UnsupportedWriteError(`limit must be a whole number >= 0, got ${String(limit)}`);
  }
  return limit;
}

export function hasReceivers(kind: SignalKind, model: PrismaModel): boolean {
  return modelSignals[kind].hasListeners(model as ModelName);
}

/** Sends one model signal inside the frame's transaction, unless a test muted signals. */
export async function send(kind: SignalKind, frame: Frame, model: PrismaModel, fields: Args): Promise<void> {
  const observer = signalObserver.getStore();
  if (observer?.muted) return;
  observer?.record?.({
    signal: kind,
    sender: model,
    instance: fields.instance,
    created: fields.created as boolean | undefined,
    updateFields: fields.updateFields as string[] | null | undefined,
    origin: fields.origin,
  });
  if (!hasReceivers(kind, model)) return;
  const args = {
    ...fields,
    sender: model,
    tx: frame.client,
    context: frame.context,
    onCommit: (fn: unknown) => addOnCommit(frame, fn),
  };
  // Each signal's args are built from the model's own row and data; the union type is per sender.
  await currentFrame.run(frame, () => modelSignals[kind].send(model as ModelName, args as never));
}

export function needs(kind: SignalKind, model: PrismaModel): boolean {
  return hasReceivers(kind, model) || signalObserver.getStore()?.record !== undefined;
}

const onlyFlags = (value: unknown): value is Record<string, boolean> =>
  isObject(value) && Object.values(value).every((v) => typeof v === 'boolean');

/**
 * The caller's scalar select / omit cut from rows the write itself returned, or null when only a
 * re-read gives the stored rows: a relation or include is asked for, the model keeps no outbox,
 * or a receiver wrote one of the rows again after the write (each save through the pipeline
 * records an Event row in the write's frame: exactly one per row means none did). WARNING: a
 * receiver's raw SQL update of the same row is the one write this does not see (raw SQL bypasses
 * the signals and the outbox alike).
 */
function projected(frame: Frame, model: PrismaModel, rows: readonly Row[], args: Args): unknown[] | null {
  const { select, include, omit } = args;
  if (include !== undefined || !EVENT_MODELS.has(model)) return null;
  if (select !== undefined && !onlyFlags(select)) return null;
  if (omit !== undefined && (!onlyFlags(omit) || select !== undefined)) return null;
  const relations = modelMeta(model).relations;
  if (select && Object.keys(select).some((field) => relations.has(field))) return null;
  const saves = new Map<number, number>();
  for (const event of frame.events) {
    if (event.model === model && event.kind === 'SAVE')
      saves.set(event.rowId, (saves.get(event.rowId) ?? 0) + 1);
  }
  if (rows.some((row) => saves.get(row.id) !== 1)) return null;
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(row)) {
      if (select ? select[field] === true : omit?.[field] !== true) out[field] = value;
    }
    return out;
  });
}

/** The stored row with the caller's select / include / omit (re-read unless the write's own row is it). */
export async function withSelection(
  frame: Frame,
  model: PrismaModel,
  row: Row,
  args: Args,
): Promise<unknown> {
  const { select, include, omit } = args;
  if (select === undefined && include === undefined && omit === undefined) return row;
  const [own] = projected(frame, model, [row], args) ?? [];
  if (own) return own;
  return delegate(frame, model).findUniqueOrThrow({ where: { id: row.id }, select, include, omit });
}

/** Rows with the caller's selection, in the order given (createManyAndReturn). */
export async function withSelections(
  frame: Frame,
  model: PrismaModel,
  rows: readonly Row[],
  args: Args,
): Promise<unknown[]> {
  const { include, omit } = args;
  const select = args.select as Record<string, unknown> | undefined;
  if (select === undefined && include === undefined && omit === undefined) return [...rows];
  const own = projected(frame, model, rows, args);
  if (own) return own;
  // The id matches each re-read row to its place; it is dropped again when the caller did not select it.
  const dropId = select !== undefined && !select.id;
  const byId = new Map<number, Record<string, unknown>>();
  for (const slice of chunks(rows.map((r) => r.id))) {
    const found = (await delegate(frame, model).findMany({
      where: { id: { in: slice } },
      select: select && { ...select, id: true },
      include,
      omit,
    })) as Array<Record<string, unknown>>;
    for (const row of found) byId.set(row.id as number, row);
  }
  return rows.map((row) => {
    const found = byId.get(row.id) ?? {};
    if (dropId) delete found.id;
    return found;
  });
}

/**
 * The rows a write is about to change, as they stand once no other unit can change them: where
 * the dialect takes row locks (PostgreSQL under READ COMMITTED) the rows read are locked, then
 * read again, so `previous` is what this write replaces, not what a concurrent one replaced.
 * Rows that stopped matching `where` meanwhile drop out. Where one writer excludes every other
 * (SQLite), the first read already is that, and nothing more runs.
 */
export async function lockForWrite(
  frame: Frame,
  model: PrismaModel,
  rows: Row[],
  where: unknown,
): Promise<Row[]> {
  const { dialect } = frame.unit;
  if (!dialect.lockRows || rows.length === 0) return rows;
  const ids = rows.map((r) => r.id);
  await dialect.lockRows(frame.conn, model, ids);
  const again: Row[] = [];
  for (const slice of chunks(ids)) {
    const found = (await delegate(frame, model).findMany({
      where: { AND: [where ?? {}, { id: { in: slice } }] },
      orderBy: { id: 'asc' },
    })) as Row[];
    again.push(...found);
  }
  return again;
}

export async function findOne(
  frame: Frame,
  model: PrismaModel,
  where: unknown,
  operation: string,
): Promise<Row> {
  const first = (await delegate(frame, model).findFirst({ where })) as Row | null;
  const [row] = first ? await lockForWrite(frame, model, [first], where) : [];
  if (!row) {
    throw new AppError('NOT_FOUND', `${model} to ${operation} not found (where ${JSON.stringify(where)})`);
  }
  return row;
}
