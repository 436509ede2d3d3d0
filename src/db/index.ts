import type { Config } from '../server/config.js';
import { DataLayer } from './data-layer.js';
import { createSqliteDialect } from './dialects/sqlite/index.js';
import { MigrationLockedError, migrateDeploy, pendingMigrations } from './migrate.js';

export type { Crate, Notification, Prisma, PrismaClient, User } from '../generated/prisma/client.js';
export type { Db, ReadClient, TxClient } from './client-types.js';
export { DataLayer, type EventLog, nextSequenceValue, onCommit } from './data-layer.js';
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
export { MigrationLockedError, migrateDeploy, pendingMigrations };

export interface OpenOptions {
  /** Called with every SQL statement, and the connection it ran on (tests count them). */
  onQuery?: (sql: string, client: 'writer' | 'reader') => void;
  logError?: (message: string, error: unknown) => void;
  /** Longest a transaction may run (default 15 s). */
  transactionTimeoutMs?: number;
  /** A write waiting behind a transaction that has run this long fails fast (default 5 s). */
  lockWaitMs?: number;
  /** How long a write retries while another process holds the SQLite write lock (default 10 s). */
  busyTimeoutMs?: number;
  /** SQLite: simple model calls as one prepared statement beside Prisma (default on; benches compare). */
  fastPath?: boolean;
}

/** Opens the database of `config` (SQLite: one writer with group commit, one reader) behind the pipeline. */
export async function openDatabase(
  config: Pick<Config, 'databaseKind' | 'sqlitePath' | 'databaseUrl'>,
  options: OpenOptions = {},
): Promise<DataLayer> {
  if (config.databaseKind !== 'sqlite' || config.sqlitePath === null) {
    throw new Error('DATABASE_URL: PostgreSQL is not supported by this build yet; use a file: URL');
  }
  const logError = options.logError ?? ((message, error) => console.error(message, error));
  const dialect = createSqliteDialect({
    file: config.sqlitePath,
    onQuery: options.onQuery,
    lockWaitMs: options.lockWaitMs,
    busyTimeoutMs: options.busyTimeoutMs,
    fastPath: options.fastPath,
    logError,
  });
  return new DataLayer(dialect, { logError, transactionTimeoutMs: options.transactionTimeoutMs });
}
