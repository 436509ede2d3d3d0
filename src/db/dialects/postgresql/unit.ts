import { setTimeout as sleep } from 'node:timers/promises';
import type { PrismaClient } from '../../../generated/prisma/client.js';
import type { PrismaClient as PgPrismaClient } from '../../../generated/prisma-pg/client.js';
import type { EventRow, Savepoint, UnitConnection, UnitOptions } from '../types.js';
import { guardedPrisma, runWithinDeadline, stragglingWriteError, UnitGuard } from '../unit-guard.js';
import { sqlState } from './pool.js';

/** Prisma's interactive-transaction client, as `$transaction(fn)` hands it over. */
type TxPrisma = Parameters<Extract<Parameters<PgPrismaClient['$transaction']>[0], (tx: never) => unknown>>[0];

/** One unit's view of its pooled transaction, closed for good when the unit ends. */
export class PgUnitConnection implements UnitConnection {
  readonly prisma: PrismaClient;
  /** Outbox rows this unit wrote, by pending id: they get their cursors after the commit. */
  readonly pending: Array<{ pid: string; row: EventRow }> = [];
  /**
   * Outbox rows recorded and not inserted yet, in write order: all of them go in one INSERT
   * right before COMMIT (takeOutbox). A ROLLBACK TO drops those recorded since its savepoint,
   * as PostgreSQL drops the rows written since: what is inserted is what an INSERT per write
   * would have left.
   */
  #outbox: EventRow[] = [];
  #nextSavepoint = 0;

  constructor(
    private readonly tx: TxPrisma,
    readonly guard: UnitGuard,
  ) {
    // Generated from the same models as the SQLite client (scripts/pg-schema.ts): the model
    // delegates and raw calls the pipeline uses have the same shape.
    this.prisma = guardedPrisma(tx as unknown as PrismaClient, guard);
  }

  query<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.guard.track(() => this.tx.$queryRawUnsafe<R[]>(sql, ...params));
  }

  exec(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.guard.track(() => this.tx.$executeRawUnsafe(sql, ...params));
  }

  /** Keeps outbox rows for the INSERT before COMMIT; refused like a statement once the unit ended. */
  recordOutbox(rows: readonly EventRow[]): void {
    this.guard.check();
    this.#outbox.push(...rows);
  }

  /** The recorded outbox rows, once: for the INSERT the unit sends right before its COMMIT. */
  takeOutbox(): EventRow[] {
    const rows = this.#outbox;
    this.#outbox = [];
    return rows;
  }

  /** For the statements a unit sends after its work, before COMMIT (its guard is closed then). */
  queryBeforeCommit<R>(sql: string, params: readonly unknown[]): Promise<R[]> {
    return this.tx.$queryRawUnsafe<R[]>(sql, ...params);
  }

  /**
   * Savepoints PostgreSQL still holds, oldest first, and whether the pipeline is done with them.
   * A release is not sent at once: COMMIT ends every savepoint anyway, and one RELEASE of the
   * lowest done savepoint with only done ones above it ends them all. Until then a done
   * savepoint is only a level of nesting (its rows stay, as after RELEASE), so releases wait
   * until the stack is deep (FLUSH_DEPTH) or the unit commits: a write and the receiver's write
   * inside it cost no RELEASE round trips while they hold their row locks.
   */
  readonly #stack: Array<{ name: string; done: boolean; outbox: number }> = [];

  savepoint(): Promise<Savepoint> {
    const name = `sp${++this.#nextSavepoint}`;
    return this.guard.track(async () => {
      if (this.#stack.length >= FLUSH_DEPTH) await this.#releaseDone();
      await this.tx.$executeRawUnsafe(`SAVEPOINT ${name}`);
      this.#stack.push({ name, done: false, outbox: this.#outbox.length });
      return { name };
    });
  }

  release(savepoint: Savepoint): Promise<void> {
    return this.guard.track(() => {
      this.#entry(savepoint).done = true;
    });
  }

  rollbackTo(savepoint: Savepoint): Promise<void> {
    return this.guard.track(async () => {
      const entry = this.#entry(savepoint);
      // ROLLBACK TO cancels the later savepoints and keeps this one open: done, released later.
      await this.tx.$executeRawUnsafe(`ROLLBACK TO SAVEPOINT ${savepoint.name}`);
      this.#stack.length = this.#stack.indexOf(entry) + 1;
      this.#outbox.length = entry.outbox;
      entry.done = true;
    });
  }

  #entry(savepoint: Savepoint): { name: string; done: boolean; outbox: number } {
    const entry = this.#stack.find((e) => e.name === savepoint.name);
    if (!entry || entry.done) throw new Error(`savepoint ${savepoint.name} is not open`);
    return entry;
  }

  /** Sends one RELEASE for the done savepoints on top of the stack (it ends those above it too). */
  async #releaseDone(): Promise<void> {
    let lowest = this.#stack.length;
    while (lowest > 0 && this.#stack[lowest - 1]?.done) lowest--;
    const entry = this.#stack[lowest];
    if (!entry) return;
    await this.tx.$executeRawUnsafe(`RELEASE SAVEPOINT ${entry.name}`);
    this.#stack.length = lowest;
  }
}

/** Savepoints held before the done ones on top are released (bounds the nesting of a long unit). */
const FLUSH_DEPTH = 16;

export interface PgUnitOptions {
  /** Longest a unit waits for a pooled connection. */
  maxWaitMs: number;
  /** Attempts for a unit failing with a serialization failure or a deadlock (40001, 40P01). */
  attempts: number;
  /** Sends what the unit's work left for its end (the outbox INSERT), after it, before COMMIT. */
  beforeCommit: (conn: PgUnitConnection) => Promise<void>;
  /** Numbers committed events (the sequencer) and gives each of this unit's rows its cursor. */
  afterCommitted: (conn: PgUnitConnection) => Promise<void>;
  logError: (message: string, error: unknown) => void;
}

const RETRYABLE = new Set(['40001', '40P01']);

/** The failure PostgreSQL reports when a unit lost a race it may simply run again. */
export function isRetryable(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && RETRYABLE.has(code);
}

/**
 * One unit of work = one interactive transaction on a pooled connection, READ COMMITTED. The
 * pipeline takes row locks where it reads what it then writes (Dialect.lockRows) and keeps its
 * conditional updates atomic, so concurrent units wait for each other instead of failing; a
 * deadlock between them (or a serialization failure of code asking for more) is retried from
 * the start, a bounded number of times, before the caller sees it.
 */
export async function runPgUnit<T>(
  prisma: PgPrismaClient,
  fn: (conn: UnitConnection) => Promise<T>,
  options: UnitOptions,
  unit: PgUnitOptions,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let conn: PgUnitConnection | undefined;
    try {
      const value = await prisma.$transaction(
        async (tx) => {
          const opened = new PgUnitConnection(tx, new UnitGuard());
          conn = opened;
          const value = await runBounded(opened, fn, options.timeoutMs);
          await unit.beforeCommit(opened);
          return value;
        },
        // READ COMMITTED is the writer pool's session default (./pool.ts): Prisma's isolationLevel
        // would cost a SET TRANSACTION round trip per unit. Prisma's own bound is a backstop: ours
        // fires first and says why.
        { maxWait: unit.maxWaitMs, timeout: options.timeoutMs + 5_000 },
      );
      const committed = conn as PgUnitConnection | undefined;
      if (committed) {
        try {
          await unit.afterCommitted(committed);
        } catch (error) {
          // The commit stands; the sequencer's poll numbers the rows later.
          unit.logError('[signalyard] numbering committed events failed (the poll retries):', error);
        }
      }
      try {
        options.afterCommit?.();
      } catch (error) {
        unit.logError('[signalyard] an after-commit hook failed:', error);
      }
      return value;
    } catch (error) {
      if (attempt >= unit.attempts || !isRetryable(error)) throw error;
      await sleep(Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random()));
    }
  }
}

async function runBounded<T>(
  conn: PgUnitConnection,
  fn: (conn: UnitConnection) => Promise<T>,
  timeoutMs: number,
): Promise<T> {
  const { outcome, timedOut, straggling } = await runWithinDeadline(conn.guard, () => fn(conn), timeoutMs);
  if (!outcome.ok) throw outcome.error; // the rollback of $transaction follows
  if (straggling && !timedOut) throw stragglingWriteError();
  return outcome.value;
}
