import type { PrismaClient } from '../../generated/prisma/client.js';

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
