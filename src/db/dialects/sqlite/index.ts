import { PrismaClient } from '../../../generated/prisma/client.js';
import type { Dialect, EventInsert, EventRow, LogQuery, UnitConnection, UnitOptions } from '../types.js';
import { SqliteAdapterFactory } from './adapter.js';
import { type Role, SqliteConnection } from './connection.js';
import { withFastPath } from './fast-client.js';
import { GroupCommitWriter } from './group-commit.js';

export interface SqliteOptions {
  /** Absolute path of the SQLite file. */
  file: string;
  onQuery?: (sql: string, role: Role) => void;
  /** How long BEGIN IMMEDIATE retries while another process holds the write lock (default 10 s). */
  busyTimeoutMs?: number;
  /**
   * A unit waiting behind one that has run this long, and may run longer, fails fast (default
   * 15 s, the default transaction timeout: ordinary transactions are waited for).
   */
  lockWaitMs?: number;
  /** Group commit bounds: most units per transaction, how long arrivals may join (defaults: 64 units, 2 ms). */
  batchUnits?: number;
  batchMs?: number;
  /** Prepared statements cached per connection (default 500). */
  statementCacheSize?: number;
  /** Simple model calls as one prepared statement beside Prisma (src/db/fast; default on). */
  fastPath?: boolean;
  logError: (message: string, error: unknown) => void;
}

/** The database clock, in the ISO 8601 form Prisma reads back as a DateTime. */
const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
/** Rows per outbox INSERT: 6 parameters each stays far below SQLite's bound-parameter limit. */
const EVENT_CHUNK = 100;

interface InsertedEvent {
  id: number;
  rowId: number;
  createdAt: string;
}

/**
 * SQLite: one writer connection (group commit, BEGIN IMMEDIATE) and one read connection
 * (`query_only`), each with its own Prisma client over our adapter and its own statement cache.
 * With WAL the reader sees only committed data and never waits for the writer.
 */
class SqliteDialect implements Dialect {
  readonly kind = 'sqlite' as const;
  readonly reader: PrismaClient;
  readonly #writer: SqliteConnection;
  readonly #read: SqliteConnection;
  readonly #writerPrisma: PrismaClient;
  readonly #units: GroupCommitWriter;

  constructor(options: SqliteOptions) {
    const common = {
      file: options.file,
      statementCacheSize: options.statementCacheSize ?? 500,
      busyTimeoutMs: options.busyTimeoutMs ?? 10_000,
      onQuery: options.onQuery,
    };
    this.#writer = new SqliteConnection({ ...common, role: 'writer' });
    this.#read = new SqliteConnection({ ...common, role: 'reader' });
    const client = (connection: SqliteConnection) => {
      const prisma = new PrismaClient({ adapter: new SqliteAdapterFactory(connection) });
      return options.fastPath === false ? prisma : withFastPath(prisma, connection);
    };
    this.#writerPrisma = client(this.#writer);
    this.reader = client(this.#read);
    this.#units = new GroupCommitWriter(this.#writer, this.#writerPrisma, {
      maxUnits: options.batchUnits ?? 64,
      maxBatchMs: options.batchMs ?? 2,
      lockWaitMs: options.lockWaitMs ?? 15_000,
      logError: options.logError,
    });
  }

  runUnit<T>(fn: (conn: UnitConnection) => Promise<T>, options: UnitOptions): Promise<T> {
    return this.#units.run(fn, options);
  }

  isReadOnly(sql: string): boolean {
    return this.#read.isReadOnly(sql);
  }

  async insertEvents(conn: UnitConnection, rows: readonly EventInsert[]): Promise<EventRow[]> {
    const out: EventRow[] = [];
    for (let i = 0; i < rows.length; i += EVENT_CHUNK) {
      const slice = rows.slice(i, i + EVENT_CHUNK);
      const params = slice.flatMap((r) => [
        r.model,
        r.kind,
        r.rowId,
        r.created ? 1 : 0,
        r.updateFields,
        r.audience,
      ]);
      // WARNING: raw SQL outside the pipeline, on purpose: the outbox is the pipeline's own table
      // (no signals). Its columns must follow prisma/schema.prisma's Event.
      const inserted = await conn.query<InsertedEvent>(
        `INSERT INTO "Event" ("model", "kind", "rowId", "created", "updateFields", "audience", "createdAt") VALUES ${slice
          .map(() => `(?, ?, ?, ?, ?, ?, ${NOW})`)
          .join(', ')} RETURNING "id", "rowId", "createdAt"`,
        params,
      );
      // RETURNING's order is not guaranteed; the ids are (one writer, AUTOINCREMENT).
      inserted.sort((a, b) => a.id - b.id);
      slice.forEach((row, n) => {
        const returned = inserted[n];
        if (!returned || returned.rowId !== row.rowId) throw new Error('outbox insert returned other rows');
        out.push({ ...row, id: returned.id, createdAt: new Date(returned.createdAt) });
      });
    }
    return out;
  }

  async nextSequenceValue(conn: UnitConnection, name: string): Promise<number> {
    // WARNING: raw SQL on the pipeline's own table. The write lock is held (BEGIN IMMEDIATE), so
    // the increment is atomic; a rolled-back savepoint takes its value back, a committed one never
    // comes again (deleting the newest row does not lower the counter).
    const [row] = await conn.query<{ value: number }>(
      `INSERT INTO "Sequence" ("name", "value") VALUES (?, 1)
       ON CONFLICT ("name") DO UPDATE SET "value" = "value" + 1 RETURNING "value"`,
      [name],
    );
    if (!row) throw new Error(`sequence ${name}: no value returned`);
    return row.value;
  }

  /**
   * On SQLite the id order is the commit order, across processes too: BEGIN IMMEDIATE lets one
   * writer in at a time, and AUTOINCREMENT assigns ids under that lock, so no lower id can commit
   * after a higher one is visible. (PostgreSQL will need a visibility horizon here.)
   */
  readLog({ after, limit, where }: LogQuery): Promise<EventRow[]> {
    return this.reader.event.findMany({
      where: where ? { AND: [where, { id: { gt: after } }] } : { id: { gt: after } },
      orderBy: { id: 'asc' },
      take: limit,
    });
  }

  async logBounds(): Promise<{ oldest: number; newest: number } | null> {
    const [row] = this.#read.all<{ oldest: number | null; newest: number | null }>(
      'SELECT MIN("id") AS "oldest", MAX("id") AS "newest" FROM "Event"',
    );
    return row?.oldest != null && row.newest != null ? { oldest: row.oldest, newest: row.newest } : null;
  }

  pruneLog(ageMs: number): Promise<number> {
    return this.runUnit(
      (conn) =>
        // WARNING: raw SQL on the pipeline's own table. Compared by the database clock, which
        // also set createdAt: server clocks play no part. The newest event anchors cursor checks.
        conn.exec(
          `DELETE FROM "Event" WHERE "createdAt" < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)
           AND "id" < (SELECT MAX("id") FROM "Event")`,
          [`-${(ageMs / 1000).toFixed(3)} seconds`],
        ),
      { timeoutMs: 60_000 },
    );
  }

  async close(): Promise<void> {
    await this.#units.idle();
    await Promise.all([this.#writerPrisma.$disconnect(), this.reader.$disconnect()]);
    this.#writer.close();
    this.#read.close();
  }
}

export function createSqliteDialect(options: SqliteOptions): Dialect {
  return new SqliteDialect(options);
}
