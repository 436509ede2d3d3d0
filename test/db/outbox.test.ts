/** The outbox: Event rows written in the write's transaction, handed to listeners after commit only. */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { AppError, type Db, type EventRow } from '../../src/db/index.js';
import { registerReceivers } from '../../src/receivers/index.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

let t: TestDatabase;
let db: Db;
const published: EventRow[][] = [];
beforeAll(async () => {
  t = await freshDatabase();
  db = t.data.db;
  registerReceivers();
  t.data.onCommittedEvents((events) => published.push(events));
});
afterAll(() => t.close());
beforeEach(() => {
  published.length = 0;
});

const shape = (e: EventRow) =>
  `${e.kind} ${e.model}${e.created ? ' created' : ''}${e.updateFields ? ` ${e.updateFields}` : ''} → ${e.audience}`;

it('a crate create records the crate, then the warehouse update its receiver made, in one commit', async () => {
  const w = await db.warehouse.create({ data: { name: 'W' } });
  published.length = 0;
  await db.crate.create({ data: { name: 'c', warehouseId: w.id } });
  expect(published).toHaveLength(1);
  expect(published[0]?.map(shape)).toEqual([
    'SAVE Crate created → staff',
    'SAVE Warehouse ["newestCrateId"] → staff',
  ]);
  const rows = await t.data.reader.event.findMany({ orderBy: { id: 'asc' } });
  expect(rows.slice(-2).map((r) => r.id)).toEqual(published[0]?.map((e) => e.id));
});

it('a rolled-back write leaves no event and publishes nothing', async () => {
  const w = await db.warehouse.create({ data: { name: 'R' } });
  const before = await t.data.reader.event.count();
  published.length = 0;
  await expect(
    db.$transaction(async (tx) => {
      await tx.crate.create({ data: { name: 'doomed', warehouseId: w.id } });
      throw new AppError('BAD_USER_INPUT', 'changed my mind');
    }),
  ).rejects.toThrow('changed my mind');
  expect(await t.data.reader.event.count()).toBe(before);
  expect(published).toEqual([]);
});

it("an order's events are for its buyer; the stock change is STAFF's", async () => {
  const buyer = await db.user.create({ data: { username: 'buyer', passwordHash: 'x' } });
  const item = await db.inventoryItem.create({
    data: { item: 'pen', itemCode: 1, itemCondition: 'new', quantity: 3 },
  });
  published.length = 0;
  await db.order.create({
    data: { inventoryItemId: item.id, orderedById: buyer.id, quantity: 1, ordNumber: '' },
  });
  expect(published[0]?.map(shape)).toEqual([
    'SAVE InventoryItem ["quantity"] → staff',
    `SAVE Order created → user:${buyer.id}`,
    `SAVE Notification created → user:${buyer.id}`,
  ]);
});

it('a rejected order (out of stock) records nothing', async () => {
  const buyer = await db.user.create({ data: { username: 'buyer2', passwordHash: 'x' } });
  const item = await db.inventoryItem.create({
    data: { item: 'ink', itemCode: 2, itemCondition: 'new', quantity: 0 },
  });
  const before = await t.data.reader.event.count();
  published.length = 0;
  await expect(
    db.order.create({
      data: { inventoryItemId: item.id, orderedById: buyer.id, quantity: 1, ordNumber: '' },
    }),
  ).rejects.toMatchObject({ code: 'OUT_OF_STOCK' });
  expect(await t.data.reader.event.count()).toBe(before);
  expect(published).toEqual([]);
});

it('bulk writes record one event per row; deletes record DELETE events', async () => {
  const w = await db.warehouse.create({ data: { name: 'B' } });
  const other = await db.warehouse.create({ data: { name: 'B2' } });
  await db.crate.createMany({ data: [1, 2, 3].map((i) => ({ name: `b${i}`, warehouseId: w.id })) });
  published.length = 0;
  await db.crate.updateMany({ where: { warehouseId: w.id }, data: { warehouseId: other.id } });
  const moved = published.flat().filter((e) => e.model === 'Crate');
  expect(moved.map(shape)).toEqual(Array(3).fill('SAVE Crate ["warehouseId"] → staff'));
  published.length = 0;
  await db.crate.deleteMany({ where: { warehouseId: other.id } });
  expect(
    published
      .flat()
      .filter((e) => e.model === 'Crate')
      .map((e) => e.kind),
  ).toEqual(['DELETE', 'DELETE', 'DELETE']);
});

it('users and tokens are not API models: no events', async () => {
  published.length = 0;
  await db.user.create({ data: { username: 'quiet', passwordHash: 'x' } });
  expect(published).toEqual([]);
});
