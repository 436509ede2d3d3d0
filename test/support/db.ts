import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { type DataLayer, type Db, muteSignals, type OpenOptions, openDatabase } from '../../src/db/index.js';
import type { Disconnect } from '../../src/signals/index.js';

export interface TestDatabase {
  data: DataLayer;
  file: string;
  /** Every SQL statement run since the last reset. */
  queries: string[];
  close(): Promise<void>;
}

/** A new SQLite file, migrated (copied from the run's template), behind the real data layer. */
export async function freshDatabase(options: Omit<OpenOptions, 'onQuery'> = {}): Promise<TestDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-db-'));
  const file = path.join(dir, 'test.db');
  fs.copyFileSync(inject('templateDb'), file);
  const queries: string[] = [];
  const data = await openDatabase(
    { databaseKind: 'sqlite', sqlitePath: file, databaseUrl: `file:${file}` },
    { logError: () => {}, ...options, onQuery: (sql) => queries.push(sql) },
  );
  return {
    data,
    file,
    queries,
    async close() {
      await data.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One value read by a connection of its own: what another process would see (committed rows only). */
export function committed(file: string, sql: string, ...params: unknown[]): unknown {
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
