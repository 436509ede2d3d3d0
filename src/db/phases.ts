import { type ModelName, modelSignals, type SignalKind } from '../signals/index.js';
import { currentTx, signalObserver, type TxState } from './context.js';
import { AppError, SignalDepthError, UnsupportedWriteError } from './errors.js';
import { modelMeta, type ModelName as PrismaModel } from './models.js';

/** The pieces every write phase uses: model access by name, nested-write rules, sending signals. */

export const MAX_SIGNAL_DEPTH = 8;

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

export function delegate(state: TxState, model: PrismaModel): Delegate {
  // The raw transaction client indexed by model key; every model delegate has the same method names.
  return (state.raw as unknown as Record<string, Delegate>)[modelMeta(model).key] as Delegate;
}

/** Prisma refuses statements with too many bound parameters: long id lists go in slices. */
export const ID_CHUNK = 500;
export function chunks<T>(items: T[]): T[][] {
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
export function normalizeData(model: PrismaModel, data: unknown): Data {
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

export function enter(state: TxState, model: string, operation: string): TxState {
  const depth = state.depth + 1;
  if (depth > MAX_SIGNAL_DEPTH) {
    throw new SignalDepthError(
      `${model}.${operation} nested ${depth} writes deep through receivers (limit ${MAX_SIGNAL_DEPTH}): ` +
        'a receiver is probably re-triggering itself',
    );
  }
  return { ...state, depth };
}

export function hasReceivers(kind: SignalKind, model: PrismaModel): boolean {
  return modelSignals[kind].hasListeners(model as ModelName);
}

/** Sends one model signal inside the transaction, unless a test muted signals. */
export async function send(
  kind: SignalKind,
  state: TxState,
  model: PrismaModel,
  fields: Args,
): Promise<void> {
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

export function needs(kind: SignalKind, model: PrismaModel): boolean {
  return hasReceivers(kind, model) || signalObserver.getStore()?.record !== undefined;
}

export async function withSelection(
  state: TxState,
  model: PrismaModel,
  row: Row,
  args: Args,
): Promise<unknown> {
  const { select, include, omit } = args;
  if (select === undefined && include === undefined && omit === undefined) return row;
  return delegate(state, model).findUniqueOrThrow({ where: { id: row.id }, select, include, omit });
}

export async function findOne(
  state: TxState,
  model: PrismaModel,
  where: unknown,
  operation: string,
): Promise<Row> {
  const row = (await delegate(state, model).findFirst({ where })) as Row | null;
  if (!row) {
    throw new AppError('NOT_FOUND', `${model} to ${operation} not found (where ${JSON.stringify(where)})`);
  }
  return row;
}
