import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { WriteLockTimeoutError } from '../errors.js';
import { isBusy } from './conversion.js';

export type Role = 'writer' | 'reader';

export interface ConnectionOptions {
  /** Absolute path of the SQLite file. */
  file: string;
  role: Role;
  /** Prepared statements kept per connection (least recently used ones are dropped). */
  statementCacheSize: number;
  /** How long BEGIN IMMEDIATE keeps retrying while another process holds the write lock. */
  busyTimeoutMs: number;
  /** Called with every statement run (tests count them). */
  onQuery?: (sql: string, role: Role) => void;
}

/** A prepared statement and what is known about it without running it. */
export interface Prepared {
  statement: Database.Statement;
  /** Returns rows (a SELECT, or a write with RETURNING). */
  reader: boolean;
  /** Declared column types, read once per statement. */
  declared: (string | null)[] | null;
}

/**
 * better-sqlite3 waits for a lock by blocking the event loop, so its own busy timeout stays tiny;
 * BEGIN IMMEDIATE retries asynchronously instead (see begin()).
 */
const BLOCKING_BUSY_MS = { writer: 5, reader: 200 } as const;

/**
 * One SQLite connection we own: pragmas, an LRU cache of prepared statements (preparing costs
 * more than running a small statement), and the transaction state, including a stack of open
 * savepoints so that a release out of order fails loudly instead of corrupting the nesting.
 */
export class SqliteConnection {
  readonly db: Database.Database;
  readonly role: Role;
  readonly #options: ConnectionOptions;
  readonly #statements = new Map<string, Prepared>();
  readonly #plain = new Map<string, Database.Statement>();
  readonly #savepoints: string[] = [];
  #nextSavepoint = 0;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.role = options.role;
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    this.db = new Database(options.file, { timeout: BLOCKING_BUSY_MS[options.role] });
    this.db.defaultSafeIntegers(true);
    if (options.role === 'writer') {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
    } else {
      this.db.pragma('query_only = ON');
    }
  }

  get file(): string {
    return this.#options.file;
  }

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  get topSavepoint(): string | undefined {
    return this.#savepoints.at(-1);
  }

  #log(sql: string): void {
    this.#options.onQuery?.(sql, this.role);
  }

  /** The cached statement for Prisma's queries (safe integers, raw rows). */
  prepare(sql: string): Prepared {
    let prepared = this.#statements.get(sql);
    if (prepared) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.#statements.delete(sql);
    } else {
      const statement = this.db.prepare(sql);
      if (statement.reader) statement.raw(true);
      prepared = { statement, reader: statement.reader, declared: null };
      this.#evict(this.#statements);
    }
    this.#statements.set(sql, prepared);
    this.#log(sql);
    return prepared;
  }

  /** The cached statement for the pipeline's own statements (plain numbers, rows as objects). */
  #preparePlain(sql: string, log = true): Database.Statement {
    let statement = this.#plain.get(sql);
    if (statement) {
      this.#plain.delete(sql);
    } else {
      statement = this.db.prepare(sql).safeIntegers(false);
      this.#evict(this.#plain);
    }
    this.#plain.set(sql, statement);
    if (log) this.#log(sql);
    return statement;
  }

  #evict<T>(cache: Map<string, T>): void {
    if (cache.size < this.#options.statementCacheSize) return;
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }

  /** Whether a statement only reads (compiled, not run). */
  isReadOnly(sql: string): boolean {
    return this.#preparePlain(sql, false).readonly;
  }

  all<R>(sql: string, params: readonly unknown[] = []): R[] {
    const statement = this.#preparePlain(sql);
    if (!statement.reader) {
      statement.run(...params);
      return [];
    }
    return statement.all(...params) as R[];
  }

  run(sql: string, params: readonly unknown[] = []): number {
    return this.#preparePlain(sql).run(...params).changes;
  }

  #exec(sql: string): void {
    this.#preparePlain(sql).run();
  }

  /**
   * Opens a write transaction holding the write lock from its first statement (a deferred BEGIN
   * would fail with SQLITE_BUSY_SNAPSHOT when another process commits between a read and a
   * write, whatever the busy timeout). While another process holds the lock, retries with
   * jittered backoff, without blocking the event loop, up to the configured bound.
   */
  async begin(): Promise<void> {
    const sql = this.role === 'writer' ? 'BEGIN IMMEDIATE' : 'BEGIN';
    const started = Date.now();
    let delay = 2;
    for (;;) {
      try {
        this.#exec(sql);
        return;
      } catch (error) {
        if (!isBusy(error)) throw error;
        const waited = Date.now() - started;
        if (waited >= this.#options.busyTimeoutMs) {
          throw new WriteLockTimeoutError(
            `Another process holds the write lock on ${this.#options.file}: gave up after ${waited} ms ` +
              '(SQLITE_BUSY). Is a long-running script or a second server writing to this file?',
            { cause: error },
          );
        }
        await sleep(delay * (0.5 + Math.random()));
        delay = Math.min(delay * 2, 100);
      }
    }
  }

  commit(): void {
    if (this.#savepoints.length > 0) {
      throw new Error(`COMMIT with savepoint(s) still open: ${this.#savepoints.join(', ')}`);
    }
    this.#exec('COMMIT');
  }

  rollback(): void {
    this.#savepoints.length = 0;
    if (this.db.inTransaction) this.#exec('ROLLBACK');
  }

  /**
   * Opens a savepoint; returns its handle, never given twice. In SQL a savepoint is named by its
   * depth (sy_1, sy_2, …: distinct on the stack, so each names its own), so a few cached
   * statements serve every unit: a unique name in the SQL was a new statement to prepare each time.
   */
  savepoint(): string {
    const name = `sp${++this.#nextSavepoint}`;
    this.#exec(`SAVEPOINT sy_${this.#savepoints.length + 1}`);
    this.#savepoints.push(name);
    return name;
  }

  release(name: string): void {
    const top = this.#savepoints.at(-1);
    if (top !== name) {
      throw new Error(
        `RELEASE ${name} out of order: the innermost open savepoint is ${top ?? 'none'} ` +
          '(two writes ran interleaved on one transaction: await each write before the next)',
      );
    }
    this.#exec(`RELEASE sy_${this.#savepoints.length}`);
    this.#savepoints.pop();
  }

  rollbackTo(name: string): void {
    const at = this.#savepoints.lastIndexOf(name);
    if (at === -1) throw new Error(`ROLLBACK TO ${name}: no such open savepoint`);
    // ROLLBACK TO cancels the savepoints opened after it; RELEASE then closes this one.
    this.#exec(`ROLLBACK TO sy_${at + 1}`);
    this.#exec(`RELEASE sy_${at + 1}`);
    this.#savepoints.length = at;
  }

  close(): void {
    this.#statements.clear();
    this.#plain.clear();
    if (this.db.open) this.db.close();
  }
}
