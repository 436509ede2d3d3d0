import type { Config } from '../server/config.js';
import { createRawClients } from './client.js';
import { DataLayer } from './data-layer.js';
import { migrateDeploy } from './migrate.js';

export type { Crate, Notification, Prisma, User } from '../generated/prisma/client.js';
export { DataLayer, type Db, type SignalContext, type TxClient } from './data-layer.js';
export { AppError, type ErrorCode, SignalDepthError, UnsupportedWriteError } from './errors.js';
export { MODELS, type ModelName } from './models.js';
export { audienceOf, EVENT_MODELS, type EventKind, type EventRow } from './outbox.js';
export { MAX_SIGNAL_DEPTH } from './pipeline.js';
export type {} from './signal-types.js';
export { captureSignals, muteSignals } from './testing.js';
export { migrateDeploy };

export interface OpenOptions {
  onQuery?: (sql: string, client: 'writer' | 'reader') => void;
  logError?: (message: string, error: unknown) => void;
}

/** Opens the database of `config` (SQLite: writer + reader clients) behind the write pipeline. */
export async function openDatabase(
  config: Pick<Config, 'databaseKind' | 'sqlitePath' | 'databaseUrl'>,
  options: OpenOptions = {},
): Promise<DataLayer> {
  if (config.databaseKind !== 'sqlite' || config.sqlitePath === null) {
    throw new Error('DATABASE_URL: PostgreSQL is not supported by this build yet; use a file: URL');
  }
  const raw = await createRawClients({ sqlitePath: config.sqlitePath, onQuery: options.onQuery });
  return new DataLayer(raw, { logError: options.logError });
}
