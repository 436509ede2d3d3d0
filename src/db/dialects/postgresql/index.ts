import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import type { PrismaClient } from '../../../generated/prisma/client.js';
import { PrismaClient as PgPrismaClient } from '../../../generated/prisma-pg/client.js';
import type { Dialect, EventInsert, EventRow, LogQuery, UnitConnection, UnitOptions } from '../types.js';
import { guardedPrisma, UnitGuard } from '../unit-guard.js';
import { createPool, type PgRole } from './pool.js';
import { Sequencer } from './sequencer.js';
import { type PgUnitConnection, runPgUnit } from './unit.js';

export { migratePostgres, pendingPgMigrations } from './migrate.js';

export interface PostgresOptions {
  url: string;
  /** Connections for units of work (default 10). */
  poolSize?: number;
  /** Connections for reads outside units (default 5). */
  readerPoolSize?: number;
  /** Longest one statement may run (default: the transaction timeout). */
  statementTimeoutMs?: number;
  /**
   * Longest a unit waits for a pooled connection (default 60 s). Units queue here as they queue
   * for SQLite's writer; a hot row (one article's stock) makes them wait in turn for its lock.
   */
  poolWaitMs?: number;
  /** How often the sequencer looks for committed unnumbered events (default 250 ms). */
  sequencerPollMs?: number;
  onQuery?: (sql: string, role: PgRole) => void;
  logError: (message: string, error: unknown) => void;
}

/** Rows per outbox INSERT: 6 parameters each, far below PostgreSQL's 65535 bound parameters. */
const EVENT_CHUNK = 1_000;
/** Ids per row-lock statement (PostgreSQL binds at most 65535 parameters). */
const LOCK_CHUNK = 10_000;
/** The database clock as Prisma's `timestamp(3)` columns hold it (UTC). */
const NOW = "(clock_timestamp() AT TIME ZONE 'UTC')";
/** A statement that only reads: anything else runs as a unit (and the reader pool is read-only anyway). */
const READ_ONLY = /^\s*(select|with|values|show|explain|table)\b/i;
const WRITES =
  /\b(insert|update|delete|merge|truncate|create|drop|alter|grant|call|copy|for\s+(no\s+key\s+)?update|for\s+(key\s+)?share|into|nextval|setval|pg_advisory)\b/i;

interface InsertedPending {
  pid: string;
  rowId: number;
  createdAt: Date;
}

/** A Prisma model name as its table is spelled (the schema maps none). */
function table(model: string): string {
  if (!/^[A-Z][A-Za-z]*$/.test(model)) throw new Error(`not a model name: ${model}`);
  return `"${model}"`;
}

/**
 * PostgreSQL: a pool of connections for units of work (one READ COMMITTED interactive
 * transaction each, row locks where the pipeline reads what it writes, deadlocks retried), a
 * read-only pool for reads, PostgreSQL sequences for named counters, and the commit-ordered
 * event log of ./sequencer.ts.
 */
class PostgresDialect implements Dialect {
  readonly kind = 'postgresql' as const;
  readonly reader: PrismaClient;
  readonly #writerPool: pg.Pool;
  readonly #readerPool: pg.Pool;
  readonly #sequencerPool: pg.Pool;
  readonly #writer: PgPrismaClient;
  readonly #readerClient: PrismaClient;
  readonly #readerGuard = new UnitGuard();
  readonly #sequencer: Sequencer;
  readonly #options: PostgresOptions;
  readonly #sequences = new Map<string, Promise<boolean>>();
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(options: PostgresOptions) {
    this.#options = options;
    const statementTimeoutMs = options.statementTimeoutMs ?? 15_000;
    const common = {
      url: options.url,
      statementTimeoutMs,
      onQuery: options.onQuery,
      logError: options.logError,
    };
    this.#writerPool = createPool({ ...common, role: 'writer', max: options.poolSize ?? 10 });
    this.#readerPool = createPool({ ...common, role: 'reader', max: options.readerPoolSize ?? 5 });
    this.#writer = new PgPrismaClient({ adapter: new PrismaPg(this.#writerPool) });
    // The PostgreSQL client seen through the SQLite client's type (and its transactions, in
    // ./unit.ts): both are generated from the same models (scripts/pg-schema.ts).
    this.#readerClient = new PgPrismaClient({
      adapter: new PrismaPg(this.#readerPool),
    }) as unknown as PrismaClient;
    // Closed with the dialect: a read after close() fails at once (Prisma would wait on the ended pool).
    this.reader = guardedPrisma(this.#readerClient, this.#readerGuard);
    // The sequencer's own connection: never queued behind units, and its statements are the log's
    // housekeeping, not the application's (onQuery does not see them).
    this.#sequencerPool = createPool({ ...common, onQuery: undefined, role: 'sequencer', max: 1 });
    this.#sequencer = new Sequencer(this.#sequencerPool, options.logError);
    this.#sequencer.startPolling(options.sequencerPollMs ?? 250);
  }

  runUnit<T>(fn: (conn: UnitConnection) => Promise<T>, options: UnitOptions): Promise<T> {
    // After close() Prisma would wait on the ended pool for a connection: fail at once instead.
    if (!this.#readerGuard.open) return Promise.reject(new Error('The database connection is closed'));
    const running = runPgUnit(this.#writer, fn, options, {
      maxWaitMs: this.#options.poolWaitMs ?? 60_000,
      attempts: 5,
      beforeCommit: (conn) => this.#insertOutbox(conn),
      afterCommitted: (conn) => this.#number(conn),
      logError: this.#options.logError,
    });
    this.#inFlight.add(running);
    const forget = () => this.#inFlight.delete(running);
    running.then(forget, forget);
    return running;
  }

  /** After a commit: number the events, and tell this unit's rows their cursors. */
  async #number(conn: PgUnitConnection): Promise<void> {
    if (conn.pending.length === 0) return;
    await this.#sequencer.run();
    for (const { pid, row } of conn.pending) {
      // A row another instance's sequencer numbered keeps 0: the log tailer then reads the log.
      row.id = this.#sequencer.cursorOf(pid) ?? 0;
    }
  }

  isReadOnly(sql: string): boolean {
    return READ_ONLY.test(sql) && !WRITES.test(sql);
  }

  /**
   * Records the unit's outbox rows: they are inserted together right before its COMMIT
   * (#insertOutbox), so a write and its receivers' writes send no outbox INSERT of their own
   * while they hold their row locks. createdAt is set by the database clock at that INSERT.
   */
  async insertEvents(conn: UnitConnection, rows: readonly EventInsert[]): Promise<EventRow[]> {
    // The cursor is given after the commit (the sequencer); 0 until then.
    const events: EventRow[] = rows.map((row) => ({ ...row, id: 0, createdAt: new Date(0) }));
    (conn as PgUnitConnection).recordOutbox(events);
    return events;
  }

  /** One INSERT (per EVENT_CHUNK rows) of every outbox row the unit kept, before its COMMIT. */
  async #insertOutbox(conn: PgUnitConnection): Promise<void> {
    const rows = conn.takeOutbox();
    for (let i = 0; i < rows.length; i += EVENT_CHUNK) {
      const slice = rows.slice(i, i + EVENT_CHUNK);
      const params = slice.flatMap((r) => [r.model, r.kind, r.rowId, r.created, r.updateFields, r.audience]);
      const values = slice.map((_, n) => {
        const p = n * 6;
        return `($${p + 1}, $${p + 2}, $${p + 3}::int, $${p + 4}::boolean, $${p + 5}, $${p + 6}, ${NOW})`;
      });
      // WARNING: raw SQL outside the pipeline, on purpose: the outbox is the pipeline's own table
      // (no signals). Its columns must follow prisma/schema.prisma's Event.
      const inserted = await conn.queryBeforeCommit<InsertedPending>(
        `INSERT INTO "EventPending" ("model", "kind", "rowId", "created", "updateFields", "audience", "createdAt")
         VALUES ${values.join(', ')} RETURNING "pid"::text AS "pid", "rowId", "createdAt"`,
        params,
      );
      // RETURNING follows the VALUES order for one INSERT in practice, but sort by pid to be sure.
      inserted.sort((a, b) => (BigInt(a.pid) < BigInt(b.pid) ? -1 : 1));
      slice.forEach((row, n) => {
        const returned = inserted[n];
        if (!returned || returned.rowId !== row.rowId) throw new Error('outbox insert returned other rows');
        row.createdAt = new Date(returned.createdAt);
        conn.pending.push({ pid: returned.pid, row });
      });
    }
  }

  async nextSequenceValue(conn: UnitConnection, name: string): Promise<number> {
    const sequence = `Sequence_${name}`;
    let known = this.#sequences.get(name);
    if (!known) {
      known = this.reader
        .$queryRawUnsafe<{ found: boolean }[]>(
          `SELECT to_regclass($1) IS NOT NULL AS "found"`,
          `"${sequence}"`,
        )
        .then((rows) => rows[0]?.found === true);
      this.#sequences.set(name, known);
      known.catch(() => this.#sequences.delete(name));
    }
    if (await known) {
      // WARNING: raw SQL. A PostgreSQL sequence: no row lock, so concurrent orders do not queue.
      const [row] = await conn.query<{ value: number }>(`SELECT nextval('"${sequence}"')::int AS "value"`);
      if (!row) throw new Error(`sequence ${name}: no value returned`);
      return row.value;
    }
    // A name with no sequence of its own: the Sequence table, its row locked by the upsert.
    const [row] = await conn.query<{ value: number }>(
      `INSERT INTO "Sequence" ("name", "value") VALUES ($1, 1)
       ON CONFLICT ("name") DO UPDATE SET "value" = "Sequence"."value" + 1 RETURNING "value"`,
      [name],
    );
    if (!row) throw new Error(`sequence ${name}: no value returned`);
    return row.value;
  }

  async lockRows(conn: UnitConnection, model: string, ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    const unique = [...new Set(ids)].sort((a, b) => a - b);
    for (let i = 0; i < unique.length; i += LOCK_CHUNK) {
      const slice = unique.slice(i, i + LOCK_CHUNK);
      // WARNING: raw SQL. Locks in id order, so two units locking the same rows cannot deadlock.
      await conn.query(
        `SELECT 1 FROM ${table(model)} WHERE "id" IN (${slice.map((_, n) => `$${n + 1}::int`).join(', ')}) ORDER BY "id" FOR UPDATE`,
        slice,
      );
    }
  }

  /** Committed, numbered events after a cursor, in cursor order (the order they became visible). */
  readLog({ after, limit, where }: LogQuery): Promise<EventRow[]> {
    return this.reader.event.findMany({
      where: where ? { AND: [where, { id: { gt: after } }] } : { id: { gt: after } },
      orderBy: { id: 'asc' },
      take: limit,
    });
  }

  async logBounds(): Promise<{ oldest: number; newest: number } | null> {
    this.#readerGuard.check();
    const { rows } = await this.#readerPool.query<{ oldest: number | null; newest: number | null }>(
      'SELECT MIN("id") AS "oldest", MAX("id") AS "newest" FROM "Event"',
    );
    const [row] = rows;
    return row?.oldest != null && row.newest != null ? { oldest: row.oldest, newest: row.newest } : null;
  }

  async pruneLog(ageMs: number): Promise<number> {
    this.#readerGuard.check();
    // WARNING: raw SQL on the pipeline's own table, by the database clock (which set createdAt).
    // The newest event stays: it anchors the cursor checks.
    const result = await this.#writerPool.query(
      `DELETE FROM "Event" WHERE "createdAt" < ${NOW} - make_interval(secs => $1::float8 / 1000)
       AND "id" < (SELECT MAX("id") FROM "Event")`,
      [ageMs],
    );
    return result.rowCount ?? 0;
  }

  /** Numbers every committed event now (the sequencer also runs after each commit and on a poll). */
  sequence(): Promise<void> {
    if (!this.#readerGuard.open) return Promise.reject(new Error('The database connection is closed'));
    return this.#sequencer.run();
  }

  async close(): Promise<void> {
    this.#readerGuard.close(new Error('The database connection is closed'));
    await Promise.allSettled([...this.#inFlight]);
    await this.#readerGuard.settled();
    await this.#sequencer.stop();
    await Promise.all([this.#writer.$disconnect(), this.#readerClient.$disconnect()]);
    await Promise.all([this.#writerPool.end(), this.#readerPool.end(), this.#sequencerPool.end()]);
  }
}

export function createPostgresDialect(options: PostgresOptions): Dialect {
  return new PostgresDialect(options);
}
