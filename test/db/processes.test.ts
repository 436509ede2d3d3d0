/**
 * SQLite only (about its file and write lock; PostgreSQL's concurrency has test/db/postgresql):
 * several processes on one SQLite file: two data layers (two writer connections, as two
 * processes have) writing at once, and the migrate step beside a process holding the lock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type DataLayer,
  MigrationLockedError,
  migrateDeploy,
  openDatabase,
  pendingMigrations,
  WriteLockTimeoutError,
} from '../../src/db/index.js';
import { registerReceivers } from '../../src/receivers/index.js';
import { freshSqliteDatabase, type TestDatabase } from '../support/db.js';

let t: TestDatabase;
let other: DataLayer;
beforeAll(async () => {
  t = await freshSqliteDatabase();
  registerReceivers();
  other = await openDatabase(
    { databaseKind: 'sqlite', sqlitePath: t.file, databaseUrl: `file:${t.file}` },
    { logError: () => {} },
  );
});
afterAll(async () => {
  await other.close();
  await t.close();
});

describe('SQLite: two processes writing to one file', () => {
  it('read-then-write updates from both sides all succeed (the write lock is taken at BEGIN)', async () => {
    const w = await t.data.db.warehouse.create({ data: { name: 'shared' } });
    const crates = await t.data.db.crate.createManyAndReturn({
      data: Array.from({ length: 4 }, (_, i) => ({ name: `c${i}`, warehouseId: w.id })),
    });
    // update() reads the row, runs receivers, then writes: a deferred BEGIN would fail with
    // SQLITE_BUSY_SNAPSHOT whenever the other side committed in between.
    const rounds = 40;
    const results = await Promise.allSettled(
      Array.from({ length: rounds }, (_, i) => {
        const side = i % 2 === 0 ? t.data : other;
        const crate = crates[i % crates.length];
        return side.db.crate.update({ where: { id: crate?.id }, data: { description: `round ${i}` } });
      }),
    );
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect(
      await t.data.db.crate.count({ where: { warehouseId: w.id, description: { startsWith: 'round' } } }),
    ).toBe(4);
  });

  it('both sides take order numbers from one sequence: no duplicates', async () => {
    const buyer = await t.data.db.user.create({ data: { username: 'two-sided', passwordHash: 'x' } });
    const item = await t.data.db.inventoryItem.create({
      data: { item: 'pen', itemCode: 1, itemCondition: 'new', quantity: 100 },
    });
    const orders = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? t.data : other).db.order.create({
          data: { inventoryItemId: item.id, orderedById: buyer.id, quantity: 1, ordNumber: '' },
        }),
      ),
    );
    expect(new Set(orders.map((o) => o.ordNumber)).size).toBe(20);
    expect((await t.data.db.inventoryItem.findUniqueOrThrow({ where: { id: item.id } })).quantity).toBe(80);
  });
});

describe('SQLite: another process holding the write lock', () => {
  it('a write waits (retrying without blocking) while the lock is held briefly, and fails naming the cause past the bound', async () => {
    const layer = await openDatabase(
      { databaseKind: 'sqlite', sqlitePath: t.file, databaseUrl: `file:${t.file}` },
      { logError: () => {}, busyTimeoutMs: 1_500 },
    );
    const holder = new Database(t.file);
    try {
      holder.exec('BEGIN IMMEDIATE');
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      setTimeout(() => holder.exec('COMMIT'), 300);
      const w = await layer.db.warehouse.create({ data: { name: 'waited for the lock' } });
      clearInterval(ticker);
      expect(w.id).toBeGreaterThan(0);
      expect(ticks).toBeGreaterThan(0); // the event loop kept running while the write waited
      holder.exec('BEGIN IMMEDIATE');
      const error = await layer.db.warehouse.create({ data: { name: 'never' } }).catch((e) => e);
      expect(error).toBeInstanceOf(WriteLockTimeoutError);
      expect(String(error.message)).toMatch(/Another process holds the write lock/);
      holder.exec('ROLLBACK');
      expect(await layer.db.warehouse.count({ where: { name: 'never' } })).toBe(0);
      await layer.db.warehouse.create({ data: { name: 'free again' } });
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
      await layer.close();
    }
  });
});

describe('migrate at start-up beside a running process', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-migrate-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('succeeds while another process holds the write lock, when nothing is pending', async () => {
    const file = path.join(dir, 'busy.db');
    fs.copyFileSync(inject('templateDb'), file);
    const holder = new Database(file);
    holder.pragma('journal_mode = WAL');
    holder.exec('BEGIN IMMEDIATE');
    holder.prepare('INSERT INTO "Warehouse" ("name") VALUES (?)').run('held');
    try {
      const output = await migrateDeploy({ ...process.env, DATABASE_URL: `file:${file}` }, file, 1);
      expect(output).toMatch(/No pending migrations/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('with migrations pending beside a process that has the file open, fails saying what to do; alone, it migrates', async () => {
    // Prisma's schema engine takes locking_mode=EXCLUSIVE: on a WAL file another open connection
    // that has written (a running server) makes every CLI run fail, however long it retries.
    const file = path.join(dir, 'pending.db');
    const server = new Database(file);
    server.pragma('journal_mode = WAL');
    // it has written (a table, gone again: P3005 refuses a schema that is not Prisma's), and stays open, idle
    server.exec('CREATE TABLE "scratch" (id INTEGER); DROP TABLE "scratch";');
    const env = { ...process.env, DATABASE_URL: `file:${file}` };
    const pending = pendingMigrations(file);
    expect(pending.length).toBeGreaterThan(0);
    try {
      const error = await migrateDeploy(env, file, 1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationLockedError);
      expect(String((error as Error).message)).toContain(pending[0]);
      expect(String((error as Error).message)).toMatch(/stop the other process/);
      expect(String((error as Error).message)).not.toMatch(/WASM_ERROR|\n/); // one line, no engine trace
    } finally {
      server.close();
    }
    expect(await migrateDeploy(env, file, 1)).toMatch(/successfully applied/);
    expect(pendingMigrations(file)).toEqual([]);
  }, 60_000);
});
