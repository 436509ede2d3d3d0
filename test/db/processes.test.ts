/**
 * SQLite only (about its file and write lock; PostgreSQL's concurrency has test/db/postgresql):
 * several processes on one SQLite file: two data layers (two writer connections, as two
 * processes have) writing at once, and the migrator beside a process holding the file or the
 * write lock, and two migrators racing.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type DataLayer,
  migrateSqlite,
  openDatabase,
  pendingSqliteMigrations,
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

/** Our migrator in a process of its own (the compiled one `npm start` runs), on `file`. */
function migrateInChild(
  file: string,
  onWaiting: () => void,
): Promise<{ code: number | null; applied: string[]; output: string }> {
  const migrator = path.resolve(import.meta.dirname, '../../dist/db/dialects/sqlite/migrate.js');
  const script = `const { migrateSqlite } = await import(${JSON.stringify(migrator)});
    const { applied } = await migrateSqlite(${JSON.stringify(file)}, { onLockWait: () => console.log('waiting') });
    console.log(JSON.stringify(applied));`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
    let output = '';
    let waited = false;
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      if (!waited && output.startsWith('waiting\n')) {
        waited = true;
        onWaiting();
      }
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.on('close', (code) => {
      const last = output.trim().split('\n').at(-1) ?? '';
      resolve({ code, output, applied: code === 0 ? (JSON.parse(last) as string[]) : [] });
    });
  });
}

describe('migrate at start-up beside a running process', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-migrate-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('nothing pending: succeeds without waiting while another process holds the write lock', async () => {
    const file = path.join(dir, 'busy.db');
    fs.copyFileSync(inject('templateDb'), file);
    const holder = new Database(file);
    holder.pragma('journal_mode = WAL');
    holder.exec('BEGIN IMMEDIATE');
    holder.prepare('INSERT INTO "Warehouse" ("name") VALUES (?)').run('held');
    try {
      // a bound of 0 would fail at once if the lock were asked for
      expect(await migrateSqlite(file, { busyTimeoutMs: 0 })).toEqual({ applied: [] });
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('with migrations pending beside a process that has the file open and has written, migrates; that process reads on', async () => {
    // What `prisma migrate deploy` could not do: its schema engine takes locking_mode=EXCLUSIVE,
    // which on a WAL file needs every other connection closed.
    const file = path.join(dir, 'pending.db');
    const server = new Database(file);
    server.pragma('journal_mode = WAL');
    server.exec('CREATE TABLE "scratch" (id INTEGER); DROP TABLE "scratch";');
    try {
      const pending = pendingSqliteMigrations(file).map((m) => m.name);
      expect(pending.length).toBeGreaterThan(0);
      expect((await migrateSqlite(file)).applied).toEqual(pending);
      expect(pendingSqliteMigrations(file)).toEqual([]);
      expect(server.prepare('SELECT COUNT(*) FROM "_prisma_migrations"').pluck().get()).toBe(pending.length);
      expect(server.prepare('SELECT COUNT(*) FROM "Warehouse"').pluck().get()).toBe(0);
    } finally {
      server.close();
    }
  });

  it('two processes migrating one new file at once apply each migration once', async () => {
    const file = path.join(dir, 'race.db');
    const names = pendingSqliteMigrations(file).map((m) => m.name);
    // Both read what is pending while a third connection holds the write lock, so both set out
    // to apply everything; the holder lets go once both wait for the lock.
    const holder = new Database(file);
    holder.pragma('journal_mode = WAL');
    holder.exec('BEGIN IMMEDIATE');
    let waiting = 0;
    const release = () => {
      if (++waiting === 2) holder.exec('COMMIT');
    };
    const [a, b] = await Promise.all([migrateInChild(file, release), migrateInChild(file, release)]).finally(
      () => {
        if (holder.inTransaction) holder.exec('ROLLBACK');
        holder.close();
      },
    );
    expect([a.code, b.code], a.output + b.output).toEqual([0, 0]);
    // the lock decides who applies what (often one does all); together, each exactly once
    expect([...a.applied, ...b.applied].sort()).toEqual(names);
    const history = new Database(file, { readonly: true });
    try {
      expect(
        history
          .prepare('SELECT "migration_name" FROM "_prisma_migrations" ORDER BY "migration_name"')
          .pluck()
          .all(),
      ).toEqual(names);
    } finally {
      history.close();
    }
  });
});
