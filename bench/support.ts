import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRawClients, type RawClients } from '../src/db/client.js';
import { type DataLayer, migrateDeploy, openDatabase } from '../src/db/index.js';

/** A migrated SQLite file in a temp folder; removed by `cleanup`. */
export async function benchFile(name: string): Promise<{ file: string; cleanup: () => void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `signalyard-bench-${name}-`));
  const file = path.join(dir, 'bench.db');
  await migrateDeploy({ ...process.env, DATABASE_URL: `file:${file}` }, file);
  return { file, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export async function benchDataLayer(name: string): Promise<{ data: DataLayer; close: () => Promise<void> }> {
  const { file, cleanup } = await benchFile(name);
  const data = await openDatabase({ databaseKind: 'sqlite', sqlitePath: file, databaseUrl: `file:${file}` });
  const close = async () => {
    await data.close();
    cleanup();
  };
  return { data, close };
}

export async function benchRaw(name: string): Promise<{ raw: RawClients; close: () => Promise<void> }> {
  const { file, cleanup } = await benchFile(name);
  const raw = await createRawClients({ sqlitePath: file });
  const close = async () => {
    await raw.close();
    cleanup();
  };
  return { raw, close };
}

export async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export function table(rows: Record<string, string | number>[]): void {
  console.table(rows);
}
