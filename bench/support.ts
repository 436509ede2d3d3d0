import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { type DataLayer, migrateSqlite, openDatabase } from '../src/db/index.js';
import { PrismaClient } from '../src/generated/prisma/client.js';

/** A migrated SQLite file in a temp folder; removed by `cleanup`. */
export async function benchFile(name: string): Promise<{ file: string; cleanup: () => void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `signalyard-bench-${name}-`));
  const file = path.join(dir, 'bench.db');
  await migrateSqlite(file);
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

/** The bare stack to compare with: a plain Prisma client on the official better-sqlite3 adapter. */
export interface RawClients {
  writer: PrismaClient;
}

export async function benchRaw(name: string): Promise<{ raw: RawClients; close: () => Promise<void> }> {
  const { file, cleanup } = await benchFile(name);
  const writer = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: file, timeout: 10_000 }) });
  await writer.$executeRawUnsafe('PRAGMA journal_mode = WAL');
  await writer.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  const close = async () => {
    await writer.$disconnect();
    cleanup();
  };
  return { raw: { writer }, close };
}

export async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export function table(rows: Record<string, string | number>[]): void {
  console.table(rows);
}
