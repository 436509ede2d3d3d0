import { AsyncResource } from 'node:async_hooks';
import type { PrismaClient } from '../../../generated/prisma/client.js';
import { LockWaitTimeoutError } from '../errors.js';
import type { Savepoint, UnitConnection, UnitOptions } from '../types.js';
import {
  guardedPrisma,
  runWithinDeadline,
  stragglingWriteError,
  UnitGuard,
  type UnitOutcome,
} from '../unit-guard.js';
import type { SqliteConnection } from './connection.js';

export interface GroupCommitOptions {
  /** Most units one transaction takes. */
  maxUnits: number;
  /** A batch keeps taking waiting units while it has run less than this. */
  maxBatchMs: number;
  /**
   * A unit waiting while the one holding the writer has run this long fails at once (deadlock),
   * when the holder may run longer than this (its timeout is above it); otherwise it waits.
   */
  lockWaitMs: number;
  logError: (message: string, error: unknown) => void;
}

interface Pending {
  run: (conn: UnitConnection) => Promise<unknown>;
  options: UnitOptions;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** One unit's view of the writer connection, closed for good when the unit ends. */
class SqliteUnitConnection implements UnitConnection {
  readonly prisma: PrismaClient;

  constructor(
    private readonly connection: SqliteConnection,
    prisma: PrismaClient,
    readonly guard: UnitGuard,
  ) {
    this.prisma = guardedPrisma(prisma, guard);
  }

  query<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.guard.track(() => this.connection.all<R>(sql, params));
  }

  exec(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.guard.track(() => this.connection.run(sql, params));
  }

  savepoint(): Promise<Savepoint> {
    return this.guard.track(() => ({ name: this.connection.savepoint() }));
  }

  release(savepoint: Savepoint): Promise<void> {
    return this.guard.track(() => this.connection.release(savepoint.name));
  }

  rollbackTo(savepoint: Savepoint): Promise<void> {
    return this.guard.track(() => this.connection.rollbackTo(savepoint.name));
  }
}

type Outcome = UnitOutcome<unknown>;

/**
 * The single writer of a SQLite file, with group commit. Units of work queue here; the writer
 * takes every one waiting when the batch opens (up to `maxUnits`), and those arriving while the
 * batch has run less than `maxBatchMs` (an empty queue gets a turn of the event loop to fill, see
 * #batch), opens one transaction (BEGIN IMMEDIATE), runs each unit in its own
 * savepoint one after the other, commits once, then hands each unit's `afterCommit` on in commit
 * order and resolves each caller with its own result. A unit that fails rolls back only its
 * savepoint and fails at once; a failed COMMIT fails every unit of the batch.
 */
export class GroupCommitWriter {
  readonly #queue: Pending[] = [];
  #draining: Promise<void> | null = null;
  /** The unit holding the writer, since when, whether the guard watches it, whether a refusal was logged. */
  #current: { startedAt: number; stalled: boolean; guarded: boolean; logged: boolean } | null = null;

  constructor(
    private readonly connection: SqliteConnection,
    private readonly prisma: PrismaClient,
    private readonly options: GroupCommitOptions,
  ) {}

  run<T>(fn: (conn: UnitConnection) => Promise<T>, options: UnitOptions): Promise<T> {
    const stalled = this.#stalledError();
    if (stalled) {
      this.#logRefusal(1, stalled);
      return Promise.reject(stalled);
    }
    // The unit's code runs in its caller's async context (AsyncLocalStorage), not the writer's.
    // (AsyncResource.bind does the same, and defines two deprecated accessors on every call.)
    const caller = new AsyncResource('signalyard.unit');
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        run: (conn) => caller.runInAsyncScope(fn, null, conn),
        options,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.#draining ??= this.#drain();
    });
  }

  /** Resolves once every queued unit has been committed or failed. */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  #stalledError(): LockWaitTimeoutError | null {
    const current = this.#current;
    if (!current?.guarded) return null;
    const ran = Date.now() - current.startedAt;
    if (!current.stalled && ran < this.options.lockWaitMs) return null;
    return new LockWaitTimeoutError(
      `A write waited for the database writer while the transaction holding it had run for ${ran} ms ` +
        `(more than ${this.options.lockWaitMs} ms). If that transaction is waiting for this write, it ` +
        'would never finish: a receiver or transaction that awaits work writing outside it (a job ' +
        'started at boot, an HTTP call back into this server) deadlocks. Write through the `tx` it ' +
        'was given instead, or keep slow work out of transactions (onCommit).',
      ran,
    );
  }

  /** Once per stalled unit: the callers get a retryable refusal, the log the possible deadlock. */
  #logRefusal(count: number, error: LockWaitTimeoutError): void {
    const current = this.#current;
    if (!current || current.logged) return;
    current.logged = true;
    this.options.logError(`[signalyard] ${count} write(s) refused: ${error.message}`, error);
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) await this.#batch();
    } finally {
      this.#draining = null;
    }
    if (this.#queue.length > 0) this.#draining = this.#drain();
  }

  async #batch(): Promise<void> {
    try {
      await this.connection.begin();
    } catch (error) {
      const refused = this.#queue.splice(0);
      // once per batch: the callers get a retryable refusal (WriteLockTimeoutError), the log why
      this.options.logError(`[signalyard] ${refused.length} write(s) refused:`, error);
      for (const pending of refused) pending.reject(error);
      return;
    }
    const started = performance.now();
    // Every unit waiting now joins this transaction (up to maxUnits), however long they run:
    // bounding them by time too would commit a busy queue 2-3 units at a time. Units arriving
    // later join while the batch is younger than maxBatchMs.
    const waiting = this.#queue.length;
    const committed: Array<{ pending: Pending; value: unknown }> = [];
    let taken = 0;
    const young = () => performance.now() - started < this.options.maxBatchMs;
    for (;;) {
      while (this.#queue.length > 0 && taken < this.options.maxUnits && (taken < waiting || young())) {
        const pending = this.#queue.shift() as Pending;
        taken += 1;
        let outcome: Outcome;
        try {
          outcome = await this.#unit(pending);
        } catch (error) {
          // The savepoints no longer match what the units opened: nothing in this batch is safe.
          this.connection.rollback();
          for (const failed of [pending, ...committed.map((c) => c.pending)]) failed.reject(error);
          return;
        }
        if (outcome.ok) committed.push({ pending, value: outcome.value });
        else pending.reject(outcome.error);
      }
      // A unit runs on microtasks (better-sqlite3 is synchronous), so while it runs no other
      // request is read from its socket: the queue stays empty however many are in flight, and
      // every unit would commit alone. One turn of the event loop lets the requests already
      // received reach the writer; the batch goes on while turns bring units and it is young.
      if (this.#queue.length > 0 || taken >= this.options.maxUnits || !young()) break;
      await new Promise((resolve) => setImmediate(resolve));
      if (this.#queue.length === 0) break;
    }
    try {
      this.connection.commit();
    } catch (error) {
      this.connection.rollback();
      for (const { pending } of committed) pending.reject(error);
      return;
    }
    for (const { pending } of committed) {
      try {
        pending.options.afterCommit?.();
      } catch (error) {
        this.options.logError('[signalyard] an after-commit hook failed:', error);
      }
    }
    for (const { pending, value } of committed) pending.resolve(value);
  }

  /** One unit in its own savepoint, bounded by its timeout. */
  async #unit(pending: Pending): Promise<Outcome> {
    const savepoint = this.connection.savepoint();
    const guard = new UnitGuard();
    const conn = new SqliteUnitConnection(this.connection, this.prisma, guard);
    // A unit that cannot outlast lockWaitMs is simply waited for: its own timeout frees the
    // writer, and the writes behind it then run (by default lockWaitMs is the transaction timeout).
    const guarded = this.options.lockWaitMs < pending.options.timeoutMs;
    const current = { startedAt: Date.now(), stalled: false, guarded, logged: false };
    this.#current = current;
    // Past lockWaitMs, everything queued behind this unit fails fast (it may be waiting for them).
    const lockWait = guarded
      ? setTimeout(() => {
          current.stalled = true;
          const error = this.#stalledError();
          if (!error || this.#queue.length === 0) return;
          const refused = this.#queue.splice(0);
          this.#logRefusal(refused.length, error);
          for (const queued of refused) queued.reject(error);
        }, this.options.lockWaitMs)
      : undefined;
    try {
      const { outcome, timedOut } = await runWithinDeadline(
        guard,
        () => pending.run(conn),
        pending.options.timeoutMs,
        'If it awaited a write made outside it (a job started at boot, an HTTP call back into this ' +
          'server), that write was waiting behind it for the one writer: write through the `tx` it was given.',
      );
      if (timedOut) {
        // Calls in flight still run on this connection: let them end before rolling back.
        await guard.settled();
        this.connection.rollbackTo(savepoint);
        return outcome;
      }
      if (this.connection.topSavepoint !== savepoint) {
        this.connection.rollbackTo(savepoint);
        return { ok: false, error: stragglingWriteError() };
      }
      if (outcome.ok) this.connection.release(savepoint);
      else this.connection.rollbackTo(savepoint);
      return outcome;
    } finally {
      clearTimeout(lockWait);
      this.#current = null;
    }
  }
}
