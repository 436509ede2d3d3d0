import { Prisma } from '../generated/prisma/client.js';
import type { Db, ReadClient, TxClient } from './client-types.js';
import {
  type Binding,
  bindingOf,
  type ClientTarget,
  createClient,
  createReadClient,
  type RawMethod,
} from './clients.js';
import { TransactionClosedError } from './dialects/errors.js';
import type { Dialect, EventRow } from './dialects/types.js';
import {
  addOnCommit,
  assertNotAbandoned,
  type CommitCallback,
  contextFrame,
  currentFrame,
  type Frame,
  inChild,
  resolveFrame,
  type SignalContext,
  Unit,
} from './frames.js';
import { MODEL_BY_KEY } from './models.js';
import { runWrite } from './pipeline.js';

export interface DataLayerOptions {
  /** Where failing onCommit callbacks and event listeners are reported. */
  logError?: (message: string, error: unknown) => void;
  /** Longest a transaction may run before it is rolled back and its caller fails (default 15 s). */
  transactionTimeoutMs?: number;
}

/**
 * The event log as the realtime side reads it (the dialect decides what "committed" means).
 * `sequence()` numbers committed events that have no cursor yet (PostgreSQL numbers them after
 * commit; on SQLite it does nothing): a relay may call it before reading to see the newest ones.
 */
export type EventLog = Pick<Dialect, 'readLog' | 'logBounds' | 'pruneLog'> & { sequence(): Promise<void> };

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

function methodOf(client: unknown, path: [string] | [string, string]): AnyMethod {
  // Prisma clients called by model key and method name: the data layer is generic over models.
  const [first, second] = path;
  const owner = (client as Record<string, unknown>)[first];
  if (second === undefined) return (owner as AnyMethod).bind(client);
  const method = (owner as Record<string, unknown>)[second] as AnyMethod;
  return method.bind(owner);
}

/** The SQL text of a raw call: `$queryRawUnsafe(sql, ...)`, or the tagged-template / Prisma.sql forms. */
function sqlOf(method: RawMethod, args: unknown[]): string {
  const [first, ...values] = args;
  if (method.endsWith('Unsafe')) return String(first);
  if (first instanceof Prisma.Sql) return first.sql;
  return Prisma.sql(first as TemplateStringsArray, ...values).sql;
}

/**
 * The data layer: Prisma's API with every write passing through the pipeline, on a dialect.
 *
 * - `db.<model>.<write>(args)` joins the unit of work in the current async context, each write
 *   in its own savepoint, or opens a unit of its own; `db.$transaction(fn)` opens a unit, or a
 *   savepoint when one is open (Django's nested atomic).
 * - reads go to the unit when one is open (a write sees its own rows), else to the read client.
 * - after the commit, the unit's events go to the event listeners in commit order, then its
 *   onCommit callbacks run, in order, before its caller resumes.
 */
export class DataLayer {
  readonly db: Db;
  readonly reader: ReadClient;
  readonly log: EventLog;
  readonly #dialect: Dialect;
  readonly #options: Required<DataLayerOptions>;
  readonly #target: ClientTarget;
  readonly #eventListeners = new Set<(events: EventRow[]) => void>();

  constructor(dialect: Dialect, options: DataLayerOptions = {}) {
    this.#dialect = dialect;
    this.#options = {
      logError: options.logError ?? ((message, error) => console.error(message, error)),
      transactionTimeoutMs: options.transactionTimeoutMs ?? 15_000,
    };
    this.#target = {
      write: (binding, model, operation, args) => this.#write(binding, model, operation, args),
      read: (binding, model, operation, args) => this.#read(binding, model, operation, args),
      transaction: (binding, fn, timeoutMs) => this.#transaction(binding, fn, timeoutMs),
      raw: (binding, method, args) => this.#raw(binding, method, args),
    };
    this.db = createClient(this.#target, { frame: undefined, context: null });
    this.reader = createReadClient(this.#target);
    this.log = {
      readLog: (query) => dialect.readLog(query),
      logBounds: () => dialect.logBounds(),
      pruneLog: (ageMs) => dialect.pruneLog(ageMs),
      sequence: () => dialect.sequence?.() ?? Promise.resolve(),
    };
  }

  /** The database engine behind this data layer. */
  get kind(): Dialect['kind'] {
    return this.#dialect.kind;
  }

  /** Waits for the queued units, then closes every connection. */
  close(): Promise<void> {
    return this.#dialect.close();
  }

  /** A client whose writes carry the request's context to receivers. */
  withContext(context: SignalContext): Db {
    return createClient(this.#target, { frame: undefined, context });
  }

  /** Runs `fn` in a transaction: a savepoint of the one open in this async context, or a new unit. */
  transaction<T>(fn: (tx: TxClient) => Promise<T>, context: SignalContext | null = null): Promise<T> {
    return this.#transaction({ frame: undefined, context }, fn) as Promise<T>;
  }

  /** Listens for committed outbox rows, in commit order; returns the function that stops listening. */
  onCommittedEvents(listener: (events: EventRow[]) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  #publish(events: EventRow[]): void {
    if (events.length === 0) return;
    const ordered = [...events].sort((a, b) => a.id - b.id);
    for (const listener of this.#eventListeners) {
      try {
        listener(ordered);
      } catch (error) {
        this.#options.logError('[signalyard] an event listener failed after commit:', error);
      }
    }
  }

  async #openUnit<T>(
    fn: (root: Frame) => Promise<T>,
    context: SignalContext | null,
    timeoutMs = this.#options.transactionTimeoutMs,
  ): Promise<T> {
    let unit: Unit | undefined;
    try {
      const value = await this.#dialect.runUnit(
        async (conn) => {
          // A dialect may run the unit again (PostgreSQL, after a deadlock): the attempt before
          // is rolled back, and whatever waits on it must learn so.
          if (unit && unit.status !== 'committed') {
            unit.end(
              'rolledBack',
              new TransactionClosedError('The transaction was rolled back and run again'),
            );
          }
          const opened = new Unit(this.#dialect, conn, context, (frame) =>
            createClient(this.#target, { frame, context: frame.context }),
          );
          unit = opened;
          const result = await currentFrame.run(opened.root, () => fn(opened.root));
          opened.status = 'finished';
          return result;
        },
        {
          timeoutMs,
          afterCommit: () => {
            if (!unit) return;
            unit.end('committed');
            this.#publish(unit.root.events);
          },
        },
      );
      const committed = unit as Unit | undefined;
      if (committed) await currentFrame.exit(() => this.#runOnCommit(committed));
      return value;
    } catch (error) {
      if (unit && unit.status !== 'committed') unit.end('rolledBack', error);
      throw error;
    }
  }

  async #runOnCommit(unit: Unit): Promise<void> {
    // In order, each awaited; one failing does not stop the rest (the commit stands either way).
    for (const callback of unit.root.onCommit) {
      try {
        await callback(unit.root.client);
      } catch (error) {
        this.#options.logError('[signalyard] an onCommit callback failed after commit:', error);
      }
    }
  }

  async #write(binding: Binding, model: string, operation: string, args: unknown): Promise<unknown> {
    const meta = MODEL_BY_KEY.get(model);
    if (!meta) throw new Error(`Unknown model ${model}`);
    const payload = (args ?? {}) as Record<string, unknown>;
    const label = `${meta.name}.${operation}`;
    const write = (frame: Frame) => runWrite(frame, meta.name, operation, payload);
    assertNotAbandoned();
    const target = await resolveFrame(binding.frame);
    if (target === 'root') {
      // A unit opened for one write: the unit's own savepoint is the write's.
      return this.#openUnit(
        (root) => inChild(root, write, { savepoint: false, depth: 1, label }),
        binding.context,
      );
    }
    return inChild(target, write, {
      savepoint: true,
      depth: target.depth + 1,
      label,
      context: binding.context,
    });
  }

  async #read(binding: Binding, model: string, operation: string, args: unknown[]): Promise<unknown> {
    const target = await resolveFrame(binding.frame);
    const client = target === 'root' ? this.#dialect.reader : target.conn.prisma;
    return methodOf(client, [model, operation])(...args);
  }

  async #transaction(
    binding: Binding,
    fn: (tx: TxClient) => Promise<unknown>,
    timeoutMs?: number,
  ): Promise<unknown> {
    assertNotAbandoned();
    const target = await resolveFrame(binding.frame);
    if (target === 'root') return this.#openUnit((root) => fn(root.client), binding.context, timeoutMs);
    return inChild(target, (frame) => fn(frame.client), {
      savepoint: true,
      depth: target.depth,
      label: '$transaction',
      context: binding.context,
    });
  }

  #onlyReads(method: RawMethod, args: unknown[]): boolean {
    if (method.startsWith('$execute')) return false;
    try {
      return this.#dialect.isReadOnly(sqlOf(method, args));
    } catch {
      return true; // not valid SQL: let Prisma report it, from the read path
    }
  }

  async #raw(binding: Binding, method: RawMethod, args: unknown[]): Promise<unknown> {
    const target = await resolveFrame(binding.frame);
    if (this.#onlyReads(method, args)) {
      const client = target === 'root' ? this.#dialect.reader : target.conn.prisma;
      return methodOf(client, [method])(...args);
    }
    if (binding.readOnly) {
      throw new TypeError(
        `data.reader.${method}: this statement writes, and the read client is read-only. ` +
          `Use data.db.${method} (raw SQL bypasses the signals) or write through the model API.`,
      );
    }
    assertNotAbandoned();
    // WARNING: raw SQL that writes bypasses the signals (the one documented bypass). It still
    // runs as a unit of work on the writer, or in a savepoint of the unit open here.
    const run = (frame: Frame) => methodOf(frame.conn.prisma, [method])(...args);
    if (target === 'root') return this.#openUnit(run, binding.context);
    return inChild(target, run, { savepoint: true, depth: target.depth, label: method });
  }
}

/**
 * Django's `transaction.on_commit`: runs `fn` after the outermost commit of the transaction open
 * in this async context (never after a rollback, a rolled-back savepoint's included), or at once
 * when none is open. The callback gets a client that keeps working after the commit (absent when
 * no transaction was open).
 */
export function onCommit(fn: (db: TxClient | undefined) => unknown): unknown {
  if (typeof fn !== 'function') {
    throw new TypeError(`onCommit: expected a function, got ${fn === null ? 'null' : typeof fn}`);
  }
  const frame = contextFrame();
  if (frame) {
    addOnCommit(frame, fn as CommitCallback);
    return undefined;
  }
  return fn(undefined);
}

/**
 * The next value of a named sequence, inside the transaction of `tx` (a receiver's `tx`, or the
 * client `$transaction` hands over). Values are never handed out twice and never re-issued.
 */
export async function nextSequenceValue(tx: TxClient, name: string): Promise<number> {
  const binding = bindingOf(tx);
  const target = binding ? await resolveFrame(binding.frame) : 'root';
  if (target === 'root') {
    throw new TypeError('nextSequenceValue: pass the tx of an open transaction (a receiver gets one)');
  }
  return target.unit.dialect.nextSequenceValue(target.conn, name);
}

/**
 * Locks rows of `model` inside the transaction of `tx` until it ends, for a receiver that reads
 * what it then writes (the newest crate of a warehouse): on PostgreSQL a concurrent unit wanting
 * the same rows waits; on SQLite the one writer already excludes every other, and nothing runs.
 */
export async function lockRows(tx: TxClient, model: Prisma.ModelName, ids: readonly number[]): Promise<void> {
  const binding = bindingOf(tx);
  const target = binding ? await resolveFrame(binding.frame) : 'root';
  if (target === 'root') {
    throw new TypeError('lockRows: pass the tx of an open transaction (a receiver gets one)');
  }
  await target.unit.dialect.lockRows?.(target.conn, model, ids);
}
