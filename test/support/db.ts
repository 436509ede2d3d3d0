import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { type DataLayer, type Db, muteSignals, type OpenOptions, openDatabase } from '../../src/db/index.js';
import type { Disconnect } from '../../src/signals/index.js';
import { createDatabase, databaseUrl, dropDatabase, pgAdminUrl, pgCommitted } from './pg.js';

/** What openDatabase takes, for a second data layer on the same database (another process). */
export interface TestDatabaseConfig {
  databaseKind: 'sqlite' | 'postgresql';
  sqlitePath: string | null;
  databaseUrl: string;
}

export interface TestDatabase {
  data: DataLayer;
  kind: 'sqlite' | 'postgresql';
  config: TestDatabaseConfig;
  /** The SQLite file; on PostgreSQL the database's URL (what `committed` takes either way). */
  file: string;
  /** Every SQL statement run since the last reset. */
  queries: string[];
  close(): Promise<void>;
}

/**
 * A new database, migrated (copied from the run's template), behind the real data layer: a SQLite
 * file, or with TEST_DATABASE_URL a PostgreSQL database of its own.
 */
export async function freshDatabase(options: Omit<OpenOptions, 'onQuery'> = {}): Promise<TestDatabase> {
  const template = inject('pgTemplate');
  if (pgAdminUrl && template) return freshPostgres(pgAdminUrl, template, options);
  return freshSqliteDatabase(options);
}

/** A new SQLite file, whatever TEST_DATABASE_URL says: for tests about SQLite itself. */
export async function freshSqliteDatabase(options: Omit<OpenOptions, 'onQuery'> = {}): Promise<TestDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-db-'));
  const file = path.join(dir, 'test.db');
  fs.copyFileSync(inject('templateDb'), file);
  const queries: string[] = [];
  const config = { databaseKind: 'sqlite' as const, sqlitePath: file, databaseUrl: `file:${file}` };
  const data = await openDatabase(config, {
    logError: () => {},
    ...options,
    onQuery: (sql) => queries.push(sql),
  });
  return {
    data,
    kind: 'sqlite',
    config,
    file,
    queries,
    async close() {
      await data.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function freshPostgres(
  adminUrl: string,
  template: string,
  options: Omit<OpenOptions, 'onQuery'>,
): Promise<TestDatabase> {
  const name = await createDatabase(adminUrl, template);
  const url = databaseUrl(adminUrl, name);
  const queries: string[] = [];
  const config = { databaseKind: 'postgresql' as const, sqlitePath: null, databaseUrl: url };
  // Small pools: a test file opens several databases, and the server's connections are shared.
  const data = await openDatabase(config, {
    logError: () => {},
    poolSize: 5,
    ...options,
    onQuery: (sql) => queries.push(sql),
  });
  return {
    data,
    kind: 'postgresql',
    config,
    file: url,
    queries,
    async close() {
      await data.close();
      await dropDatabase(adminUrl, name);
    },
  };
}

/**
 * One value read by a connection of its own: what another process would see (committed rows
 * only). `file` is a TestDatabase's `file`: a SQLite path, or a PostgreSQL URL (read with psql).
 */
export function committed(file: string, sql: string, ...params: unknown[]): unknown {
  if (/^postgres(ql)?:\/\//.test(file)) return pgCommitted(file, sql, params);
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare(sql)
      .pluck()
      .get(...params);
  } finally {
    db.close();
  }
}

export interface SignalSuite {
  t: TestDatabase;
  db: Db;
  /** Receivers a test connected: disconnected after it. */
  off: Disconnect[];
}

/**
 * One fresh database for a file of signal tests: after each test its receivers are disconnected
 * and the rows of `clear` deleted with signals muted (in this order: dependants first).
 */
export function signalSuite(
  clear: ReadonlyArray<'crate' | 'warehouse' | 'inventoryItem' | 'user'>,
): SignalSuite {
  const suite = { off: [] } as unknown as SignalSuite;
  beforeAll(async () => {
    suite.t = await freshDatabase();
    suite.db = suite.t.data.db;
  });
  afterAll(() => suite.t.close());
  afterEach(async () => {
    for (const d of suite.off.splice(0)) d();
    await muteSignals(async () => {
      // Each model's deleteMany has its own generic signature; `{}` suits them all.
      for (const model of clear) await (suite.db[model].deleteMany as (args: object) => Promise<unknown>)({});
    });
  });
  return suite;
}
