import type { PrismaClient } from '../generated/prisma/client.js';
import type { RawClients } from './client.js';
import {
  activeTx,
  currentTx,
  type RawTx,
  type SignalContext,
  type TxClient,
  type TxState,
} from './context.js';
import { UnsupportedWriteError } from './errors.js';
import { MODEL_BY_KEY } from './models.js';
import type { EventRow } from './outbox.js';
import { runWrite, WRITE_OPERATIONS } from './pipeline.js';
import { WriteQueue } from './queue.js';

/**
 * The project's database client: Prisma's API, with every write passing through the pipeline.
 * `$transaction` takes a callback only; the transaction client it hands over nests the same way.
 */
export type Db = Omit<PrismaClient, '$transaction'> & {
  $transaction<T>(fn: (tx: TxClient) => Promise<T>): Promise<T>;
};

export interface DataLayerOptions {
  /** Where failing onCommit callbacks are reported. */
  logError?: (message: string, error: unknown) => void;
  /** Longest a write transaction may run, in ms. */
  transactionTimeoutMs?: number;
}

type AnyFn = (...args: unknown[]) => unknown;

/**
 * Wraps the raw clients so that no write can bypass the signals:
 *
 * - `db.<model>.<write>(args)` joins the transaction in AsyncLocalStorage, or opens one (through
 *   the write queue) and runs the pipeline in it; `db.$transaction(fn)` does the same for a block.
 * - reads go to the transaction when there is one (receivers see their own writes), else to the
 *   read client.
 * - onCommit callbacks run after the outermost commit, outside the queue, in order.
 */
export class DataLayer {
  readonly queue = new WriteQueue();
  readonly db: Db;
  readonly #raw: RawClients;
  readonly #options: Required<DataLayerOptions>;
  readonly #eventListeners = new Set<(events: EventRow[]) => void>();

  constructor(raw: RawClients, options: DataLayerOptions = {}) {
    this.#raw = raw;
    this.#options = {
      logError: options.logError ?? ((message, error) => console.error(message, error)),
      transactionTimeoutMs: options.transactionTimeoutMs ?? 60_000,
    };
    this.db = this.#client(null, undefined) as Db;
  }

  /** The raw read client: plugin-prisma's relation loading and plain reads go here. */
  get reader(): PrismaClient {
    return this.#raw.reader;
  }

  /** Waits for queued writes, then closes both connections. */
  async close(): Promise<void> {
    await this.queue.run(async () => {});
    await this.#raw.close();
  }

  /** A client whose writes carry the request's context to receivers. */
  withContext(context: SignalContext): Db {
    return this.#client(context, undefined) as Db;
  }

  /**
   * Runs `fn` in a write transaction: joins the current one, or queues for the writer and opens
   * a new one. After the outermost commit, the onCommit callbacks run; after a rollback, none.
   */
  async transaction<T>(fn: (tx: TxClient) => Promise<T>, context: SignalContext | null = null): Promise<T> {
    const open = currentTx.getStore();
    if (open) return fn(open.client);
    const onCommit: Array<() => unknown> = [];
    const events: EventRow[] = [];
    const result = await this.queue.run(async () => {
      const value = await this.#raw.writer.$transaction(
        (raw) => {
          const state: TxState = {
            raw,
            client: undefined as unknown as TxClient,
            onCommit,
            depth: 0,
            context,
            events,
          };
          state.client = this.#client(context, state) as TxClient;
          return currentTx.run(state, () => fn(state.client));
        },
        { timeout: this.#options.transactionTimeoutMs, maxWait: this.#options.transactionTimeoutMs },
      );
      // Still holding the writer: events reach the bus in commit order.
      if (events.length > 0) this.#publish(events);
      return value;
    });
    await currentTx.exit(() => this.#runOnCommit(onCommit));
    return result;
  }

  /** Listens for committed outbox rows (the event bus); returns the function that stops listening. */
  onCommittedEvents(listener: (events: EventRow[]) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  #publish(events: EventRow[]): void {
    for (const listener of this.#eventListeners) {
      try {
        listener(events);
      } catch (error) {
        this.#options.logError('[signalyard] an event listener failed after commit:', error);
      }
    }
  }

  async #runOnCommit(callbacks: Array<() => unknown>): Promise<void> {
    // In order, each awaited; one failing does not stop the rest (the commit stands either way).
    for (const callback of callbacks) {
      try {
        await callback();
      } catch (error) {
        this.#options.logError('[signalyard] an onCommit callback failed after commit:', error);
      }
    }
  }

  /** Runs a write: inside the open transaction, or in a new one. */
  #write(model: string, operation: string, args: unknown, context: SignalContext | null, bound?: TxState) {
    const meta = MODEL_BY_KEY.get(model);
    if (!meta) throw new Error(`Unknown model ${model}`);
    const state = activeTx(bound);
    const payload = (args ?? {}) as Record<string, unknown>;
    if (state) return runWrite(state, meta.name, operation, payload);
    return this.transaction(() => {
      const opened = currentTx.getStore() as TxState;
      return runWrite(opened, meta.name, operation, payload);
    }, context);
  }

  #client(context: SignalContext | null, bound: TxState | undefined): unknown {
    const delegates = new Map<string, unknown>();
    const target = (bound?.raw ?? this.#raw.writer) as unknown as Record<string | symbol, unknown>;
    const readClient = (): Record<string, unknown> =>
      (activeTx(bound)?.raw ?? this.#raw.reader) as unknown as Record<string, unknown>;

    const delegateFor = (key: string) => {
      let proxy = delegates.get(key);
      if (proxy) return proxy;
      proxy = new Proxy(
        {},
        {
          get: (_, operation) => {
            if (typeof operation !== 'string') return undefined;
            if (WRITE_OPERATIONS.has(operation)) {
              return (args: unknown) => this.#write(key, operation, args, context, bound);
            }
            return (...args: unknown[]) => {
              const reads = readClient()[key] as Record<string, AnyFn>;
              return reads[operation]?.(...args);
            };
          },
        },
      );
      delegates.set(key, proxy);
      return proxy;
    };

    const rawCall = (name: string, write: boolean) => {
      return (...args: unknown[]) => {
        const state = activeTx(bound);
        if (state) return (state.raw as unknown as Record<string, AnyFn>)[name]?.(...args);
        if (!write) return (this.#raw.reader as unknown as Record<string, AnyFn>)[name]?.(...args);
        // WARNING: raw SQL bypasses the signals. It still takes the write queue on SQLite.
        return this.queue.run(
          async () => (this.#raw.writer as unknown as Record<string, AnyFn>)[name]?.(...args) as unknown,
        );
      };
    };

    return new Proxy(target, {
      get: (raw, prop) => {
        if (typeof prop === 'string') {
          if (MODEL_BY_KEY.has(prop)) return delegateFor(prop);
          if (prop === '$transaction') {
            return (fn: unknown) => {
              if (typeof fn !== 'function') {
                throw new UnsupportedWriteError(
                  '$transaction([...]) with an array is not supported: its writes would start before the ' +
                    'transaction. Use $transaction(async (tx) => { ... })',
                );
              }
              const state = activeTx(bound);
              if (state) return currentTx.run(state, () => (fn as (tx: TxClient) => unknown)(state.client));
              return this.transaction(fn as (tx: TxClient) => Promise<unknown>, context);
            };
          }
          if (prop === '$executeRaw' || prop === '$executeRawUnsafe') return rawCall(prop, true);
          if (prop === '$queryRaw' || prop === '$queryRawUnsafe') return rawCall(prop, false);
        }
        const value = raw[prop];
        return typeof value === 'function' ? (value as AnyFn).bind(raw) : value;
      },
    });
  }
}

export type { RawTx, SignalContext, TxClient };
