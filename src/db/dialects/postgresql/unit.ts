import { setTimeout as sleep } from 'node:timers/promises';
import type { PrismaClient } from '../../../generated/prisma/client.js';
import type { PrismaClient as PgPrismaClient } from '../../../generated/prisma-pg/client.js';
import { TransactionClosedError, TransactionTimeoutError } from '../errors.js';
import type { EventRow, Savepoint, UnitConnection, UnitOptions } from '../types.js';
import { guardedPrisma, UnitGuard } from '../unit-guard.js';
import { sqlState } from './pool.js';

/** Prisma's interactive-transaction client, as `$transaction(fn)` hands it over. */
type TxPrisma = Parameters<Extract<Parameters<PgPrismaClient['$transaction']>[0], (tx: never) => unknown>>[0];

/** One unit's view of its pooled transaction, closed for good when the unit ends. */
export class PgUnitConnection implements UnitConnection {
  readonly prisma: PrismaClient;
  /** Outbox rows this unit wrote, by pending id: they get their cursors after the commit. */
  readonly pending: Array<{ pid: string; row: EventRow }> = [];
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

  savepoint(): Promise<Savepoint> {
    const name = `sp${++this.#nextSavepoint}`;
    return this.guard.track(async () => {
      await this.tx.$executeRawUnsafe(`SAVEPOINT ${name}`);
      return { name };
    });
  }

  release(savepoint: Savepoint): Promise<void> {
    return this.guard.track(async () => {
      await this.tx.$executeRawUnsafe(`RELEASE SAVEPOINT ${savepoint.name}`);
    });
  }

  rollbackTo(savepoint: Savepoint): Promise<void> {
    return this.guard.track(async () => {
      // ROLLBACK TO keeps the savepoint open (and cancels the later ones); RELEASE closes it.
      await this.tx.$executeRawUnsafe(`ROLLBACK TO SAVEPOINT ${savepoint.name}`);
      await this.tx.$executeRawUnsafe(`RELEASE SAVEPOINT ${savepoint.name}`);
    });
  }
}

export interface PgUnitOptions {
  /** Longest a unit waits for a pooled connection. */
  maxWaitMs: number;
  /** Attempts for a unit failing with a serialization failure or a deadlock (40001, 40P01). */
  attempts: number;
  /** Numbers committed events (the sequencer) and gives each of this unit's rows its cursor. */
  afterCommitted: (conn: PgUnitConnection) => Promise<void>;
  logError: (message: string, error: unknown) => void;
}

const RETRYABLE = new Set(['40001', '40P01']);
const TIMED_OUT = Symbol('timed out');

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
          conn = new PgUnitConnection(tx, new UnitGuard());
          return runBounded(conn, fn, options.timeoutMs);
        },
        // Prisma's own bound is a backstop: ours fires first and says why.
        { isolationLevel: 'ReadCommitted', maxWait: unit.maxWaitMs, timeout: options.timeoutMs + 5_000 },
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
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  const work = Promise.resolve()
    .then(() => fn(conn))
    .then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  try {
    const first = await Promise.race([work, timeout]);
    if (first === TIMED_OUT) {
      const error = new TransactionTimeoutError(
        `The transaction ran longer than ${timeoutMs} ms and was rolled back. ` +
          'Keep slow work (HTTP calls, mail) out of transactions: run it in onCommit, or raise ' +
          'transactionTimeoutMs if the work really needs it.',
      );
      conn.guard.close(error);
      throw error;
    }
    const straggling = conn.guard.inFlight > 0;
    conn.guard.close(
      () =>
        new TransactionClosedError(
          'This transaction has already finished: its client can no longer write in it',
        ),
    );
    // A call the unit started but did not await still runs inside it: let it end first.
    await conn.guard.settled();
    if (!first.ok) throw first.error;
    if (straggling) {
      throw new TransactionClosedError(
        'A write was still running when its transaction function returned, and was rolled back ' +
          'with it: await every write made in a transaction',
      );
    }
    return first.value;
  } finally {
    clearTimeout(timer);
  }
}
