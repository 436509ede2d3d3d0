import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { type DataLayer, openDatabase } from '../../src/db/index.js';

export interface TestDatabase {
  data: DataLayer;
  file: string;
  /** Every SQL statement run since the last reset. */
  queries: string[];
  close(): Promise<void>;
}

/** A new SQLite file, migrated (copied from the run's template), behind the real data layer. */
export async function freshDatabase(): Promise<TestDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-db-'));
  const file = path.join(dir, 'test.db');
  fs.copyFileSync(inject('templateDb'), file);
  const queries: string[] = [];
  const data = await openDatabase(
    { databaseKind: 'sqlite', sqlitePath: file, databaseUrl: `file:${file}` },
    { onQuery: (sql) => queries.push(sql), logError: () => {} },
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
