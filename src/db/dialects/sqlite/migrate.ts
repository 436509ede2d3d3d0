import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import {
  type HistoryRow,
  MigrationError,
  type MigrationFile,
  migrationFailed,
  planMigrations,
  readMigrations,
} from '../../migrate.js';
import { isBusy } from './conversion.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SQLITE_MIGRATIONS_DIR = path.join(root, 'prisma', 'migrations');

/**
 * `_prisma_migrations` exactly as Prisma's schema engine creates it on SQLite (same text, so
 * `sqlite_master` reads the same whoever migrated first).
 */
const HISTORY = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

const HISTORY_ROWS =
  'SELECT "migration_name", "checksum", "finished_at", "rolled_back_at" FROM "_prisma_migrations" ORDER BY "started_at"';

/** better-sqlite3 waits for a lock by blocking the event loop: keep that short, retry asynchronously. */
const BLOCKING_BUSY_MS = 5;

/** Prisma's timestamps in `_prisma_migrations`: RFC 3339, milliseconds, `+00:00`. */
function prismaNow(): string {
  return new Date().toISOString().replace(/Z$/, '+00:00');
}

/**
 * Whether a script turns foreign keys off (Prisma's table redefinitions do: `PRAGMA
 * foreign_keys=OFF` around DROP TABLE + RENAME). Comments are not statements.
 */
export function turnsForeignKeysOff(sql: string): boolean {
  const code = sql.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/--[^\n]*/g, ' ');
  return /\bPRAGMA\s+(?:"?main"?\s*\.\s*)?"?foreign_keys"?\s*(?:=\s*|\(\s*)'?(?:OFF|0|FALSE|NO)\b/i.test(
    code,
  );
}

function readHistory(db: Database.Database): HistoryRow[] {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'")
    .get();
  return table ? (db.prepare(HISTORY_ROWS).all() as HistoryRow[]) : [];
}

/**
 * The migrations of `dir` not yet applied to the file, read without taking any lock (a server
 * may be writing to it). Throws when an applied one changed, or one is marked failed.
 */
export function pendingSqliteMigrations(file: string, dir = SQLITE_MIGRATIONS_DIR): MigrationFile[] {
  const local = readMigrations(dir);
  if (!fs.existsSync(file)) return local;
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: BLOCKING_BUSY_MS });
  try {
    return planMigrations(local, readHistory(db));
  } finally {
    db.close();
  }
}

/** What is pending, or why the file's history cannot be read, naming the file (busy: retried). */
function readPending(file: string, dir: string): MigrationFile[] {
  try {
    return pendingSqliteMigrations(file, dir);
  } catch (error) {
    if (isBusy(error) || !(error instanceof Database.SqliteError)) throw error;
    const reason = error.message;
    throw new MigrationError(
      `${file}: its migration history cannot be read (${reason}): is DATABASE_URL the signalyard database file?`,
      { cause: error },
    );
  }
}

export interface SqliteMigrateOptions {
  dir?: string;
  /** How long each migration waits for the write lock another process holds (default 30 s). */
  busyTimeoutMs?: number;
  /** Called once per wait, when another process holds the write lock the migrator needs. */
  onLockWait?: (what: string) => void;
}

export interface SqliteMigrateResult {
  applied: string[];
}

/** Runs `fn` until it does not fail with SQLITE_BUSY, without blocking the event loop, up to `bound` ms. */
async function whileBusy<T>(
  fn: () => T,
  bound: number,
  what: () => string,
  onWait?: (what: string) => void,
): Promise<T> {
  const started = Date.now();
  let delay = 2;
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (error) {
      if (!isBusy(error)) throw error;
      if (attempt === 0) onWait?.(what());
      const waited = Date.now() - started;
      if (waited >= bound) {
        throw new MigrationError(
          `${what()} not applied: another process kept the write lock for ${waited} ms (SQLITE_BUSY). ` +
            'A long transaction or a stuck process is writing to this file: start again once it is done.',
          { cause: error },
        );
      }
      await sleep(delay * (0.5 + Math.random()));
      delay = Math.min(delay * 2, 100);
    }
  }
}

/**
 * Applies the pending migrations of `dir` to a SQLite file beside any process that has it open
 * (a running server keeps reading and writing: WAL). Each migration runs in its own `BEGIN
 * IMMEDIATE` transaction together with its `_prisma_migrations` row, so a failure leaves nothing
 * of it; what is pending is read again once the write lock is held, so two processes starting
 * at once apply each migration once.
 *
 * Foreign keys cannot be switched inside a transaction (the pragma is a no-op there), and a
 * `DROP TABLE` with them on deletes the rows that reference the table (ON DELETE CASCADE fires).
 * So a script that turns them off (Prisma's table redefinitions) runs as SQLite's documented
 * schema change does: foreign keys off on this connection before BEGIN, the script (its own
 * PRAGMA foreign_keys lines are then no-ops), `PRAGMA foreign_key_check` before COMMIT (a
 * violation fails the migration), foreign keys back on after.
 */
export async function migrateSqlite(
  file: string,
  options: SqliteMigrateOptions = {},
): Promise<SqliteMigrateResult> {
  const dir = options.dir ?? SQLITE_MIGRATIONS_DIR;
  const bound = options.busyTimeoutMs ?? 30_000;
  // Nothing pending: no write lock is taken, so a second process starts beside a busy server.
  // Reading can be refused too (a file not in WAL yet, under another connection's exclusive lock).
  let pending = await whileBusy(
    () => readPending(file, dir),
    bound,
    () => `migrations on ${file}`,
    options.onLockWait,
  );
  const applied: string[] = [];
  if (pending.length === 0) return { applied };
  // SQLite creates the file, not its folder.
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { timeout: BLOCKING_BUSY_MS });
  try {
    // what the server's writer sets; beside a running server the file is in WAL already
    await whileBusy(
      () => db.pragma('journal_mode = WAL'),
      bound,
      () => `migrations ${pending.map((m) => m.name).join(', ')} on ${file}`,
      options.onLockWait,
    );
    const local = readMigrations(dir);
    while (pending.length > 0) {
      const expected = pending[0] as MigrationFile;
      const foreignKeysOff = turnsForeignKeysOff(expected.sql);
      db.pragma(`foreign_keys = ${foreignKeysOff ? 'OFF' : 'ON'}`);
      await whileBusy(
        () => db.exec('BEGIN IMMEDIATE'),
        bound,
        () => `migration ${expected.name} on ${file}`,
        options.onLockWait,
      );
      let migration: MigrationFile | undefined;
      try {
        db.exec(HISTORY);
        pending = planMigrations(local, readHistory(db));
        migration = pending[0];
        if (migration === undefined || turnsForeignKeysOff(migration.sql) !== foreignKeysOff) {
          // done by another process meanwhile, or the next one needs the other foreign key setting
          db.exec(migration === undefined ? 'COMMIT' : 'ROLLBACK');
          continue;
        }
        const startedAt = prismaNow();
        db.exec(migration.sql);
        if (foreignKeysOff) {
          const broken = db.prepare('PRAGMA foreign_key_check').all() as {
            table: string;
            rowid: number;
            parent: string;
          }[];
          if (broken.length > 0) {
            const first = broken[0] as { table: string; rowid: number; parent: string };
            throw new Error(
              `it leaves ${broken.length} row(s) referring to missing rows (foreign_key_check: ` +
                `"${first.table}" rowid ${first.rowid} -> "${first.parent}")`,
            );
          }
        }
        db.prepare(
          `INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "logs", "rolled_back_at", "started_at", "applied_steps_count")
           VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)`,
        ).run(randomUUID(), migration.checksum, prismaNow(), migration.name, startedAt);
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        if (error instanceof MigrationError || migration === undefined) throw error;
        throw migrationFailed(migration.name, error);
      }
      applied.push(migration.name);
      pending = pending.slice(1);
    }
  } finally {
    db.close();
  }
  return { applied };
}
