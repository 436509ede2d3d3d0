/**
 * PostgreSQL with concurrent units: the commit-ordered event log (a lower insert order committing
 * after a higher one is still delivered, in commit order), deadlocks retried, and placeOrder from
 * two data layers (two instances) on one database never overselling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, type DataLayer, lockRows, openDatabase } from '../../../src/db/index.js';
import { registerReceivers } from '../../../src/receivers/index.js';
import { freshDatabase, type TestDatabase } from '../../support/db.js';
import { needsPostgres } from '../../support/pg.js';

describe.runIf(needsPostgres('PostgreSQL concurrency'))('PostgreSQL concurrency', () => {
  let t: TestDatabase;
  let other: DataLayer;
  beforeAll(async () => {
    t = await freshDatabase();
    registerReceivers();
    // A second instance: its own pools and sequencer on the same database.
    other = await openDatabase(t.config, { logError: () => {} });
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  it('an event inserted first but committed last gets the higher cursor; resuming after the other misses nothing', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let written!: () => void;
    const inserted = new Promise<void>((resolve) => {
      written = resolve;
    });
    // The slow unit writes its event first (the lower insert id), then waits before committing.
    const slow = t.data.db.$transaction(async (tx) => {
      await tx.warehouse.create({ data: { name: 'inserted first' } });
      written();
      await gate;
    });
    await inserted;
    await other.db.warehouse.create({ data: { name: 'committed first' } });
    const seen = await t.data.log.readLog({ after: 0, limit: 100 });
    const firstCommitted = seen.at(-1);
    expect(firstCommitted?.rowId).toBeDefined();
    const cursor = firstCommitted?.id ?? 0;
    release();
    await slow;
    // The second commit is visible after the first one, with a higher cursor: a reader that
    // stopped at the first commit's cursor gets it on resume.
    const rest = await t.data.log.readLog({ after: cursor, limit: 100 });
    const names = async (events: { rowId: number }[]) =>
      Promise.all(
        events.map(async (e) => (await t.data.reader.warehouse.findUnique({ where: { id: e.rowId } }))?.name),
      );
    expect(await names(rest)).toEqual(['inserted first']);
    const all = await t.data.log.readLog({ after: 0, limit: 100 });
    expect(await names(all)).toEqual(['committed first', 'inserted first']);
    // Cursors are consecutive: no gap a reader could mistake for a missing event.
    expect(all.map((e) => e.id)).toEqual(all.map((_, i) => (all[0]?.id ?? 0) + i));
  });

  it('two units locking two rows in opposite orders deadlock; the one PostgreSQL aborts runs again and both commit', async () => {
    const [a, b] = await Promise.all([
      t.data.db.warehouse.create({ data: { name: 'A' } }),
      t.data.db.warehouse.create({ data: { name: 'B' } }),
    ]);
    let arrived = 0;
    let bothHold!: () => void;
    const holding = new Promise<void>((resolve) => {
      bothHold = resolve;
    });
    let runs = 0;
    const crossing = (first: number, second: number, data: DataLayer) =>
      data.db.$transaction(async (tx) => {
        runs += 1;
        await lockRows(tx, 'Warehouse', [first]);
        if (++arrived === 2) bothHold();
        await holding;
        await lockRows(tx, 'Warehouse', [second]);
        await tx.warehouse.update({ where: { id: second }, data: { address: `via ${first}` } });
      });
    const results = await Promise.allSettled([crossing(a.id, b.id, t.data), crossing(b.id, a.id, other)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(runs).toBe(3); // one of them ran twice
    const rows = await t.data.reader.warehouse.findMany({
      where: { id: { in: [a.id, b.id] } },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => r.address)).toEqual([`via ${b.id}`, `via ${a.id}`]);
  });

  it('300 placeOrder from two instances against stock 100: exactly 100 orders, stock 0, 100 notifications, events once each in order', async () => {
    const buyer = await t.data.db.user.create({ data: { username: 'many-orders', passwordHash: 'x' } });
    const item = await t.data.db.inventoryItem.create({
      data: { item: 'lamp', itemCode: 7, itemCondition: 'new', quantity: 100 },
    });
    const before = (await t.data.log.logBounds())?.newest ?? 0;
    const results = await Promise.allSettled(
      Array.from({ length: 300 }, (_, i) =>
        (i % 2 === 0 ? t.data : other).db.order.create({
          // ordNumber is assigned by the reserveStock receiver
          data: { inventoryItemId: item.id, orderedById: buyer.id, quantity: 1 } as never,
        }),
      ),
    );
    const failed = results
      .filter((r) => r.status === 'rejected')
      .map((r) => (r as PromiseRejectedResult).reason);
    expect(failed).toHaveLength(200);
    expect(failed.every((e) => e instanceof AppError && e.code === 'OUT_OF_STOCK')).toBe(true);
    const stock = await t.data.reader.inventoryItem.findUniqueOrThrow({ where: { id: item.id } });
    expect(stock.quantity).toBe(0);
    const orders = await t.data.reader.order.findMany({ where: { inventoryItemId: item.id } });
    expect(orders).toHaveLength(100);
    expect(new Set(orders.map((o) => o.ordNumber)).size).toBe(100);
    expect(await t.data.reader.notification.count({ where: { userId: buyer.id } })).toBe(100);
    await t.data.log.sequence();
    const events = await t.data.log.readLog({ after: before, limit: 10_000, where: { model: 'Order' } });
    expect(events).toHaveLength(100);
    expect(new Set(events.map((e) => e.rowId)).size).toBe(100);
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((x, y) => x - y));
  });

  it('20 concurrent upserts of one missing key: one create, 19 updates, no unique-key error', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? t.data : other).db.rateLimit.upsert({
          where: { key: 'racing-upsert' },
          create: { key: 'racing-upsert', points: 1 },
          update: { points: { increment: 1 } },
        }),
      ),
    );
    expect(
      results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
    ).toEqual([]);
    const row = await t.data.reader.rateLimit.findUniqueOrThrow({ where: { key: 'racing-upsert' } });
    expect(row.points).toBe(20);
  });

  it('120 concurrent crate creations from two instances into 5 warehouses: each newest crate is the highest createdSeq there', async () => {
    const warehouses = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => t.data.db.warehouse.create({ data: { name: `busy ${i}` } })),
    );
    await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        (i % 2 === 0 ? t.data : other).db.crate.create({
          data: { name: `crate ${i}`, warehouseId: warehouses[i % 5]?.id as number },
        }),
      ),
    );
    for (const w of warehouses) {
      const stored = await t.data.reader.warehouse.findUniqueOrThrow({ where: { id: w.id } });
      const newest = await t.data.reader.crate.findFirst({
        where: { warehouseId: w.id },
        orderBy: [{ createdSeq: 'desc' }, { id: 'desc' }],
      });
      expect(stored.newestCrateId).toBe(newest?.id);
    }
  });
});
