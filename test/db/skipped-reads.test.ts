// SQLite only: counts SQLite's statements (the fast path is SQLite's).
/**
 * Reads a unit can skip (issue 9 item 4): a write's selection is cut from the row the write
 * returned unless a receiver wrote the row again; placeOrder reads its item once.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.js';
import { registerReceivers } from '../../src/receivers/index.js';
import { type Disconnect, postSave } from '../../src/signals/index.js';
import { freshSqliteDatabase, type TestDatabase } from '../support/db.js';

let t: TestDatabase;
let db: Db;
const off: Disconnect[] = [];
beforeAll(async () => {
  t = await freshSqliteDatabase();
  db = t.data.db;
  registerReceivers();
});
afterAll(() => t.close());
afterEach(() => {
  for (const d of off.splice(0)) d();
});

/** Statements on a table, in Prisma's SQL (`main`.`T`) or the fast path's ("T"). */
const on = (verb: string, table: string) =>
  t.queries.filter((q) => new RegExp(`^${verb} .*(\`main\`\\.\`${table}\`|"${table}")`).test(q));

it("a create's scalar selection is the row the write returned: no re-read", async () => {
  const w = await db.warehouse.create({ data: { name: 'w' } });
  t.queries.length = 0;
  const crate = await db.crate.create({
    data: { name: 'c', warehouseId: w.id },
    select: { id: true, name: true },
  });
  expect(crate).toEqual({ id: expect.any(Number), name: 'c' });
  expect(on('SELECT', 'Crate')).toEqual([]);
});

it('a receiver that writes the row again makes the selection a re-read of the stored row', async () => {
  off.push(
    postSave.connect(
      async ({ instance, created, tx }) => {
        if (created)
          await tx.crate.update({ where: { id: instance.id }, data: { description: 'set after' } });
      },
      { sender: 'Crate', dispatchUid: 'test.describeAfter' },
    ),
  );
  const w = await db.warehouse.create({ data: { name: 'w2' } });
  const crate = await db.crate.create({
    data: { name: 'c2', warehouseId: w.id },
    select: { description: true },
  });
  expect(crate).toEqual({ description: 'set after' });
});

it('placeOrder reads its inventory item once (the stock reservation returns its name)', async () => {
  const buyer = await db.user.create({ data: { username: 'buyer-once', passwordHash: 'x' } });
  const item = await db.inventoryItem.create({
    data: { item: 'lamp', itemCode: 1, itemCondition: 'new', quantity: 5 },
  });
  t.queries.length = 0;
  const order = await db.order.create({
    data: { inventoryItemId: item.id, quantity: 2, orderedById: buyer.id, ordNumber: '' },
  });
  expect(on('SELECT', 'InventoryItem')).toHaveLength(1);
  expect(on('UPDATE', 'InventoryItem')).toHaveLength(1);
  const note = await db.notification.findFirstOrThrow({ where: { orderId: order.id } });
  expect(note.message).toBe(`Order ${order.ordNumber} received: 2 × lamp`);
});
