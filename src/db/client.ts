import fs from 'node:fs';
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../generated/prisma/client.js';

export interface ClientOptions {
  /** Absolute path of the SQLite file. */
  sqlitePath: string;
  /** Called with each SQL statement (tests count them; LOG_QUERIES=1 prints them). */
  onQuery?: (sql: string, client: 'writer' | 'reader') => void;
}

/**
 * The two raw Prisma clients behind the data layer on SQLite.
 *
 * The better-sqlite3 adapter has one connection per client, and a statement sent while an
 * interactive transaction is open runs inside it. So the writer carries every write (the
 * write queue in ./queue.ts serialises them), and reads go through a second client on its own
 * connection: with WAL a reader never sees another request's uncommitted rows.
 */
export interface RawClients {
  writer: PrismaClient;
  reader: PrismaClient;
  close(): Promise<void>;
}

function sqliteClient(file: string, name: 'writer' | 'reader', onQuery: ClientOptions['onQuery']) {
  const adapter = new PrismaBetterSQLite3({ url: file, timeout: 10_000 });
  if (!onQuery) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  client.$on('query', (event) => onQuery(event.query, name));
  return client;
}

export async function createRawClients(options: ClientOptions): Promise<RawClients> {
  fs.mkdirSync(path.dirname(options.sqlitePath), { recursive: true });
  const writer = sqliteClient(options.sqlitePath, 'writer', options.onQuery);
  const reader = sqliteClient(options.sqlitePath, 'reader', options.onQuery);
  // The adapter sets no pragmas: without foreign_keys the schema's ON DELETE rules do nothing.
  await writer.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await writer.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  await reader.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  return {
    writer,
    reader,
    async close() {
      await Promise.all([writer.$disconnect(), reader.$disconnect()]);
    },
  };
}
