import type { Config } from '../server/config.js';
import { DataLayer } from './data-layer.js';
import { createPostgresDialect, migratePostgres } from './dialects/postgresql/index.js';
import { createSqliteDialect } from './dialects/sqlite/index.js';
import { migrateSqlite, pendingSqliteMigrations } from './dialects/sqlite/migrate.js';
import { MigrationError } from './migrate.js';

export type { Crate, Notification, PrismaClient, User } from '../generated/prisma/client.js';
export { Prisma } from '../generated/prisma/client.js';
export type { Db, ReadClient, TxClient } from './client-types.js';
export { DataLayer, type EventLog, lockRows, nextSequenceValue, onCommit } from './data-layer.js';
export type { Dialect } from './dialects/types.js';
export {
  AppError,
  type ErrorCode,
  LockWaitTimeoutError,
  SignalDepthError,
  TransactionClosedError,
  TransactionTimeoutError,
  UnsupportedWriteError,
  WriteLockTimeoutError,
} from './errors.js';
export { type CommitCallback, MAX_SIGNAL_DEPTH, type SignalContext } from './frames.js';
export { MODELS, type ModelName } from './models.js';
export { audienceOf, EVENT_MODELS, type EventKind, type EventRow } from './outbox.js';
export type {} from './signal-types.js';
export { captureSignals, muteSignals } from './testing.js';
export { MigrationError, migratePostgres, migrateSqlite, pendingSqliteMigrations };

function appliedLine(applied: string[]): string {
  return applied.length === 0
    ? 'No pending migrations to apply.'
    : `Applied migrations: ${applied.join(', ')}`;
}

export interface OpenOptions {
  /** Called with every SQL statement, and the connection it ran on (tests count them). */
  onQuery?: (sql: string, client: 'writer' | 'reader') => void;
  logError?: (message: string, error: unknown) => void;
  /** Longest a transaction may run (default 15 s). */
  transactionTimeoutMs?: number;
  /**
   * SQLite: a write waiting behind a transaction that has run this long fails fast with
   * `LockWaitTimeoutError` (SERVICE_UNAVAILABLE, retryable), when that transaction may run longer
   * still (default: the transaction timeout, so only units allowed longer, like the event-log
   * prune, are not waited for; a smaller value finds deadlocks sooner).
   */
  lockWaitMs?: number;
  /** How long a write retries while another process holds the SQLite write lock (default 10 s). */
  busyTimeoutMs?: number;
  /** PostgreSQL: connections for units of work (default 10). */
  poolSize?: number;
  /** SQLite: simple model calls as one prepared statement beside Prisma (default on; benches compare). */
  fastPath?: boolean;
  /** SQLite: how long a group-commit batch keeps taking arriving units (default 2 ms). */
  batchMs?: number;
}

type DatabaseConfig = Pick<Config, 'databaseKind' | 'sqlitePath' | 'databaseUrl'>;

/** `postgresql://user:***@host:port/db`: for messages (never the password). */
function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the PostgreSQL URL';
  }
}

/** A PostgreSQL server that cannot be reached at start-up, said plainly. */
function unreachable(url: string, error: unknown): Error {
  const code = (error as { code?: string } | null)?.code;
  const reason = error instanceof Error ? error.message : String(error);
  return new Error(
    `DATABASE_URL: cannot reach PostgreSQL at ${shownUrl(url)} (${code ?? reason}). Is the server running and the URL right?`,
    { cause: error },
  );
}

/**
 * Applies pending migrations with our own migrators, which keep `_prisma_migrations` as Prisma
 * does: SQLite (prisma/migrations) under `BEGIN IMMEDIATE`, beside any server that has the file
 * open; PostgreSQL (prisma/postgresql/migrations) under an advisory lock. Either way several
 * processes starting at once migrate once. `onLockWait` hears when a SQLite migration waits for
 * the write lock another process holds. Resolves with a line for the log.
 */
export async function migrateDatabase(
  config: DatabaseConfig,
  options: { onLockWait?: (what: string) => void } = {},
): Promise<string> {
  if (config.databaseKind === 'sqlite') {
    if (config.sqlitePath === null) throw new Error('DATABASE_URL: a file: URL needs a path');
    return appliedLine((await migrateSqlite(config.sqlitePath, options)).applied);
  }
  let applied: string[];
  try {
    ({ applied } = await migratePostgres(config.databaseUrl));
  } catch (error) {
    if (error instanceof MigrationError) throw error;
    throw unreachable(config.databaseUrl, error);
  }
  return appliedLine(applied);
}

/**
 * Opens the database of `config` behind the pipeline: SQLite (one writer with group commit, one
 * reader) or PostgreSQL (a pool of transactions, a read-only pool, the event sequencer).
 */
export async function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): Promise<DataLayer> {
  const logError = options.logError ?? ((message, error) => console.error(message, error));
  const transactionTimeoutMs = options.transactionTimeoutMs;
  if (config.databaseKind === 'postgresql') {
    const dialect = createPostgresDialect({
      url: config.databaseUrl,
      poolSize: options.poolSize,
      statementTimeoutMs: transactionTimeoutMs,
      onQuery: options.onQuery,
      logError,
    });
    try {
      await dialect.reader.$queryRawUnsafe('SELECT 1');
    } catch (error) {
      await dialect.close().catch(() => {});
      throw unreachable(config.databaseUrl, error);
    }
    return new DataLayer(dialect, { logError, transactionTimeoutMs });
  }
  if (config.sqlitePath === null) throw new Error('DATABASE_URL: a file: URL needs a path');
  const dialect = createSqliteDialect({
    file: config.sqlitePath,
    onQuery: options.onQuery,
    lockWaitMs: options.lockWaitMs ?? transactionTimeoutMs,
    busyTimeoutMs: options.busyTimeoutMs,
    fastPath: options.fastPath,
    batchMs: options.batchMs,
    logError,
  });
  return new DataLayer(dialect, { logError, transactionTimeoutMs });
}
