import { type Db, READ_METHODS, type ReadClient, type TxClient } from './client-types.js';
import { UnsupportedWriteError } from './errors.js';
import type { Frame, SignalContext } from './frames.js';
import { MODEL_BY_KEY } from './models.js';
import { WRITE_OPERATIONS } from './phases.js';

/** What a client stands for: the root (no frame) or a transaction's frame, and the request context. */
export interface Binding {
  frame: Frame | undefined;
  context: SignalContext | null;
  /** The read-only client: raw SQL that writes is refused. */
  readOnly?: boolean;
}

export type RawMethod = '$queryRaw' | '$queryRawUnsafe' | '$executeRaw' | '$executeRawUnsafe';

/** Where the client proxies send their calls (the data layer). */
export interface ClientTarget {
  write(binding: Binding, model: string, operation: string, args: unknown): Promise<unknown>;
  read(binding: Binding, model: string, operation: string, args: unknown[]): Promise<unknown>;
  transaction(binding: Binding, fn: (tx: TxClient) => Promise<unknown>, timeoutMs?: number): Promise<unknown>;
  raw(binding: Binding, method: RawMethod, args: unknown[]): Promise<unknown>;
}

const READS: ReadonlySet<string> = new Set(READ_METHODS);
const RAW: ReadonlySet<string> = new Set([
  '$queryRaw',
  '$queryRawUnsafe',
  '$executeRaw',
  '$executeRawUnsafe',
]);
const REFUSED: Record<string, string> = {
  $extends:
    'db.$extends is refused: an extended client could write around the signal pipeline. Put shared ' +
    'write logic in receivers (src/receivers) or in plain functions that take the client',
  $connect: 'db.$connect is refused: the data layer opens its connections itself (openDatabase)',
  $disconnect: 'db.$disconnect is refused: close the data layer instead (data.close())',
  $on: 'db.$on is refused: pass onQuery to openDatabase to see every statement',
  $use: 'db.$use is refused (and gone from Prisma 6): connect a receiver instead',
};

const bindings = new WeakMap<object, Binding>();

/** The binding behind a client this module made (receivers' `tx`, `data.db`), if it is one. */
export function bindingOf(client: unknown): Binding | undefined {
  return typeof client === 'object' && client !== null ? bindings.get(client) : undefined;
}

function refuse(name: string): never {
  throw new TypeError(REFUSED[name] ?? `db.${name} is not available through the data layer`);
}

/** Model delegates made on first use: `method(model, operation)` gives each operation's function. */
function delegates(method: (model: string, operation: string) => unknown): (model: string) => object {
  const made = new Map<string, object>();
  return (model) => {
    let delegate = made.get(model);
    if (!delegate) {
      delegate = new Proxy({}, { get: (_, op) => (typeof op === 'string' ? method(model, op) : undefined) });
      made.set(model, delegate);
    }
    return delegate;
  };
}

/** One model's delegate of a client: each operation's function, made when it is read. */
class DelegateHandler implements ProxyHandler<object> {
  constructor(
    private readonly target: ClientTarget,
    private readonly binding: Binding,
    private readonly model: string,
  ) {}

  get(_: object, operation: string | symbol): unknown {
    if (typeof operation !== 'string') return undefined;
    const { target, binding, model } = this;
    if (WRITE_OPERATIONS.has(operation)) {
      return (args: unknown) => target.write(binding, model, operation, args);
    }
    if (READS.has(operation)) {
      return (...args: unknown[]) => target.read(binding, model, operation, args);
    }
    return undefined;
  }
}

/**
 * The traps of one client. A class, not closures: every HTTP request and live subscription has
 * a client (its context's `db`), most never touch it, and an idle one costs this object, its
 * proxy and its binding only (its delegates and `$transaction` are made when first read).
 */
class ClientHandler implements ProxyHandler<object> {
  #delegates: Map<string, object> | undefined;
  #transaction: ((fn: unknown, options?: { timeout?: number }) => Promise<unknown>) | undefined;

  constructor(
    private readonly target: ClientTarget,
    private readonly binding: Binding,
  ) {}

  get(_: object, prop: string | symbol): unknown {
    if (typeof prop !== 'string') return undefined;
    if (MODEL_BY_KEY.has(prop)) return this.#delegate(prop);
    if (prop === '$transaction') {
      this.#transaction ??= (fn, options) => this.#runTransaction(fn, options);
      return this.#transaction;
    }
    if (RAW.has(prop)) {
      const { target, binding } = this;
      return (...args: unknown[]) => target.raw(binding, prop as RawMethod, args);
    }
    if (prop.startsWith('$')) return refuse(prop);
    return undefined;
  }

  // `'crate' in client` (plugin-prisma looks delegates up so)
  has(_: object, prop: string | symbol): boolean {
    return typeof prop === 'string' && (MODEL_BY_KEY.has(prop) || prop === '$transaction' || RAW.has(prop));
  }

  #delegate(model: string): object {
    this.#delegates ??= new Map();
    let delegate = this.#delegates.get(model);
    if (!delegate) {
      delegate = new Proxy({}, new DelegateHandler(this.target, this.binding, model));
      this.#delegates.set(model, delegate);
    }
    return delegate;
  }

  #runTransaction(fn: unknown, options?: { timeout?: number }): Promise<unknown> {
    if (typeof fn !== 'function') {
      throw new UnsupportedWriteError(
        '$transaction([...]) with an array is not supported: its writes would start before the ' +
          'transaction. Use $transaction(async (tx) => { ... })',
      );
    }
    return this.target.transaction(this.binding, fn as (tx: TxClient) => Promise<unknown>, options?.timeout);
  }
}

/** A Prisma-shaped client whose writes go through the pipeline and whose reads join the current unit. */
export function createClient(target: ClientTarget, binding: Binding): Db {
  const client = new Proxy({}, new ClientHandler(target, binding));
  bindings.set(client, binding);
  // The proxy implements Prisma's generated client shape by forwarding to the pipeline.
  return client as Db;
}

/**
 * The read-only client: model reads and read-only raw queries; anything else throws a TypeError
 * naming the write path to use instead.
 */
export function createReadClient(target: ClientTarget): ReadClient {
  const binding: Binding = { frame: undefined, context: null, readOnly: true };
  const delegateFor = delegates((model, operation) => {
    if (READS.has(operation)) {
      return (...args: unknown[]) => target.read(binding, model, operation, args);
    }
    throw new TypeError(
      `data.reader.${model}.${operation}: the read client is read-only. ` +
        (WRITE_OPERATIONS.has(operation)
          ? `Write through data.db.${model}.${operation} (its signals fire), in a transaction when several writes belong together.`
          : `It offers ${READ_METHODS.join(', ')}.`),
    );
  });
  return new Proxy(
    {},
    {
      get: (_, prop) => {
        if (typeof prop !== 'string') return undefined;
        if (MODEL_BY_KEY.has(prop)) return delegateFor(prop);
        if (prop === '$queryRaw' || prop === '$queryRawUnsafe') {
          return (...args: unknown[]) => target.raw(binding, prop, args);
        }
        if (prop.startsWith('$')) {
          throw new TypeError(
            `data.reader.${prop}: the read client is read-only; use data.db.${prop} (raw SQL that writes bypasses the signals)`,
          );
        }
        return undefined;
      },
      has: (_, prop) =>
        typeof prop === 'string' &&
        (MODEL_BY_KEY.has(prop) || prop === '$queryRaw' || prop === '$queryRawUnsafe'),
    },
  ) as ReadClient;
}
