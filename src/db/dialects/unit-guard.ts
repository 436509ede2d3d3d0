import type { PrismaClient } from '../../generated/prisma/client.js';
import { TransactionClosedError, TransactionTimeoutError } from './errors.js';

/**
 * The open/closed state of one unit of work and its calls in flight. Every call through the
 * unit checks it first: once the unit has ended (committed, rolled back, timed out) its code can
 * no longer reach the connection, which by then serves the next unit.
 */
export class UnitGuard {
  /** Why calls are refused: the error, or what makes it when a call comes (most never do). */
  #closed: Error | (() => Error) | null = null;
  #inFlight = 0;
  #idle: Array<() => void> = [];

  check(): void {
    if (this.#closed === null) return;
    if (typeof this.#closed === 'function') this.#closed = this.#closed();
    throw this.#closed;
  }

  get open(): boolean {
    return this.#closed === null;
  }

  /** Calls started and not yet finished. */
  get inFlight(): number {
    return this.#inFlight;
  }

  async track<T>(call: () => PromiseLike<T> | T): Promise<T> {
    this.check();
    this.#inFlight += 1;
    try {
      return await call();
    } finally {
      this.#inFlight -= 1;
      if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /**
   * Refuses every later call with `reason`. A function is called once, by the first refused call:
   * a unit that ends normally closes its guard and nobody calls it again, so its error is never
   * built (capturing a stack costs more than the unit's own SQL).
   */
  close(reason: Error | (() => Error)): void {
    this.#closed ??= reason;
  }

  /** Resolves once no call is in flight (a Prisma call runs several statements: let it finish). */
  settled(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}

type AnyFunction = (...args: unknown[]) => unknown;

/** A view of `prisma` whose every model method and raw call goes through `guard`. */
export function guardedPrisma(prisma: PrismaClient, guard: UnitGuard): PrismaClient {
  const target = prisma as unknown as Record<string | symbol, unknown>;
  const delegates = new Map<string | symbol, unknown>();
  const wrap =
    (owner: object, fn: AnyFunction) =>
    (...args: unknown[]) =>
      guard.track(() => fn.apply(owner, args) as PromiseLike<unknown>);
  // PrismaClient's shape is generated; the proxy keeps it and only intercepts calls.
  return new Proxy(target, {
    get(raw, prop) {
      const value = raw[prop];
      if (typeof prop === 'string' && prop.startsWith('$')) {
        return typeof value === 'function' ? wrap(raw, value as AnyFunction) : value;
      }
      if (typeof value !== 'object' || value === null) return value;
      let delegate = delegates.get(prop);
      if (!delegate) {
        const methods = value as Record<string, unknown>;
        delegate = new Proxy(methods, {
          get: (d, method) => {
            const fn = d[method as string];
            return typeof fn === 'function' ? wrap(d, fn as AnyFunction) : fn;
          },
        });
        delegates.set(prop, delegate);
      }
      return delegate;
    },
  }) as unknown as PrismaClient;
}

const TIMED_OUT = Symbol('timed out');

export type UnitOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface BoundedOutcome<T> {
  outcome: UnitOutcome<T>;
  /** The deadline passed first: `outcome.error` is the TransactionTimeoutError, the guard is closed. */
  timedOut: boolean;
  /** Calls the work started and did not await were still running when it returned. */
  straggling: boolean;
}

/**
 * Runs one unit's work against its deadline, on either dialect. Past `timeoutMs` the guard closes
 * with a TransactionTimeoutError, so the unit's later calls fail, and that error is the outcome
 * (calls in flight may still be running: the caller decides whether to wait before rolling back).
 * Otherwise the guard closes once the work has settled and this waits for the calls the work
 * started without awaiting: they still run inside the transaction.
 */
export async function runWithinDeadline<T>(
  guard: UnitGuard,
  work: () => Promise<T>,
  timeoutMs: number,
  /** Appended to the timeout's message: what else may have held this dialect's unit up. */
  timeoutHint?: string,
): Promise<BoundedOutcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  const settled: Promise<UnitOutcome<T>> = Promise.resolve()
    .then(work)
    .then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  try {
    const first = await Promise.race([settled, timeout]);
    if (first === TIMED_OUT) {
      const error = new TransactionTimeoutError(
        `The transaction ran longer than ${timeoutMs} ms and was rolled back. ` +
          'Keep slow work (HTTP calls, mail) out of transactions: run it in onCommit, or raise ' +
          'transactionTimeoutMs if the work really needs it.' +
          (timeoutHint ? ` ${timeoutHint}` : ''),
      );
      guard.close(error);
      return { outcome: { ok: false, error }, timedOut: true, straggling: guard.inFlight > 0 };
    }
    const straggling = guard.inFlight > 0;
    // Built only if a late call comes: most units end and are never called again.
    guard.close(
      () =>
        new TransactionClosedError(
          'This transaction has already finished: its client can no longer write in it',
        ),
    );
    await guard.settled();
    return { outcome: first, timedOut: false, straggling };
  } finally {
    clearTimeout(timer);
  }
}

/** What a unit that returned with a write still running is told (its savepoint or transaction is rolled back). */
export const stragglingWriteError = () =>
  new TransactionClosedError(
    'A write was still running when its transaction function returned, and was rolled back ' +
      'with it: await every write made in a transaction',
  );
