import type { Event, Prisma, PrismaClient } from '../../generated/prisma/client.js';

/**
 * What differs between database engines, behind one interface, so the write pipeline above it is
 * the same code everywhere. SQLite (./sqlite) runs every unit of work on one writer connection
 * with group commit; PostgreSQL (./postgresql) runs each unit in a pooled interactive transaction
 * and retries serialization failures and deadlocks. Neither the pipeline nor the frames contain engine SQL.
 */

export type EventRow = Event;

/** One outbox row to insert; the dialect assigns the id and sets `createdAt` by the database clock. */
export interface EventInsert {
  model: string;
  kind: 'SAVE' | 'DELETE';
  rowId: number;
  created: boolean;
  /** JSON array of the written fields, or null. */
  updateFields: string | null;
  audience: string;
}

export interface UnitOptions {
  /** Longest the unit may run before it is rolled back and its caller fails. */
  timeoutMs: number;
  /**
   * Called right after the commit that made the unit durable, before any later commit's
   * `afterCommit`: the place to hand committed events on in commit order. Must not throw or wait.
   */
  afterCommit?: () => void;
}

/** A savepoint handle, released or rolled back exactly once. */
export interface Savepoint {
  readonly name: string;
}

/**
 * The connection one unit of work runs on. Every call checks that the unit is still open: code
 * of a unit that timed out can never run a statement inside the next one.
 */
export interface UnitConnection {
  /** A Prisma client whose calls run inside this unit. */
  readonly prisma: PrismaClient;
  /** The pipeline's own fixed statements (parameters bound, never interpolated). */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  exec(sql: string, params?: readonly unknown[]): Promise<number>;
  savepoint(): Promise<Savepoint>;
  release(savepoint: Savepoint): Promise<void>;
  /** Undoes everything since the savepoint (savepoints opened after it included) and closes it. */
  rollbackTo(savepoint: Savepoint): Promise<void>;
}

export interface LogQuery {
  /** Events with an id above this cursor... */
  after: number;
  limit: number;
  /** ...that also match this filter. */
  where?: Prisma.EventWhereInput;
}

export interface Dialect {
  readonly kind: 'sqlite' | 'postgresql';
  /** The client for reads outside any unit (committed data only). */
  readonly reader: PrismaClient;
  /** Runs `fn` as one unit of work; resolves with its value once the unit is committed. */
  runUnit<T>(fn: (conn: UnitConnection) => Promise<T>, options: UnitOptions): Promise<T>;
  /** Whether a raw SQL statement only reads (a statement that writes must run as a unit). */
  isReadOnly(sql: string): boolean;

  /** Inserts outbox rows inside the unit; returns them with ids, in the order given. */
  insertEvents(conn: UnitConnection, rows: readonly EventInsert[]): Promise<EventRow[]>;
  /** The next value of a named sequence, inside the unit: never handed out twice, never re-issued. */
  nextSequenceValue(conn: UnitConnection, name: string): Promise<number>;
  /** Committed events after a cursor, in cursor order (which is commit order). */
  readLog(query: LogQuery): Promise<EventRow[]>;
  /** The lowest and highest event ids in the log, or null when it is empty. */
  logBounds(): Promise<{ oldest: number; newest: number } | null>;
  /** Deletes events older than `ageMs` by the database clock, always keeping the newest one. */
  pruneLog(ageMs: number): Promise<number>;

  /**
   * Locks rows of `model` by id until the unit ends, so what the pipeline read before a write is
   * still true when it writes (PostgreSQL: SELECT ... FOR UPDATE under READ COMMITTED). Absent
   * where a unit already excludes every other writer (SQLite's one writer).
   */
  lockRows?(conn: UnitConnection, model: string, ids: readonly number[]): Promise<void>;
  /**
   * Gives every committed, not yet numbered event its cursor now. Where events are numbered after
   * commit (PostgreSQL's sequencer) this also runs after each commit and on a poll; absent where
   * the id given at insert already is the commit order (SQLite).
   */
  sequence?(): Promise<void>;

  /** Waits for the units already queued, then closes every connection. */
  close(): Promise<void>;
}
