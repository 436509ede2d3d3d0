/**
 * The order receivers through the data layer (the path seed scripts take): order numbers from a
 * named sequence, status transitions, stock returned on cancel within Int, CANCELLED creates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.js';
import { registerReceivers } from '../../src/receivers/index.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

let t: TestDatabase;
let db: Db;
let buyer: number;
beforeAll(async () => {
  t = await freshDatabase();
  db = t.data.db;
  registerReceivers();
  buyer = (await db.user.create({ data: { username: 'buyer', passwordHash: 'x' } })).id;
});
afterAll(() => t.close());

const item = (quantity: number, name = 'lamp') =>
  db.inventoryItem.create({ data: { item: name, itemCode: 1, itemCondition: 'new', quantity } });
const order = (inventoryItemId: number, quantity = 1, extra: { status?: 'CANCELLED' } = {}) => ({
  inventoryItemId,
  orderedById: buyer,
  quantity,
  ordNumber: '',
  ...extra,
});
const stockOf = async (id: number) => (await db.inventoryItem.findUniqueOrThrow({ where: { id } })).quantity;

describe('order numbers', () => {
  it('order.createMany of several rows gives each its own number', async () => {
    const lamp = await item(10);
    const rows = await db.order.createManyAndReturn({
      data: [order(lamp.id), order(lamp.id), order(lamp.id)],
    });
    expect(new Set(rows.map((r) => r.ordNumber)).size).toBe(3);
    expect(rows.every((r) => /^ORD-\d{6}$/.test(r.ordNumber))).toBe(true);
    expect(await stockOf(lamp.id)).toBe(7);
  });

  it('a number is never handed out again, even after the newest order is deleted', async () => {
    const lamp = await item(10);
    const first = await db.order.create({ data: order(lamp.id) });
    await db.order.delete({ where: { id: first.id } });
    const second = await db.order.create({ data: order(lamp.id) });
    expect(second.ordNumber).not.toBe(first.ordNumber);
    expect(second.ordNumber > first.ordNumber).toBe(true);
  });
});

describe('status transitions', () => {
  it('CANCELLED → PLACED is refused, and so is a second cancel', async () => {
    const lamp = await item(5);
    const placed = await db.order.create({ data: order(lamp.id, 2) });
    await db.order.update({ where: { id: placed.id }, data: { status: 'CANCELLED' } });
    expect(await stockOf(lamp.id)).toBe(5);
    await expect(
      db.order.update({ where: { id: placed.id }, data: { status: 'PLACED' } }),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/cannot be placed again/),
    });
    await expect(
      db.order.update({ where: { id: placed.id }, data: { status: 'CANCELLED' } }),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/already cancelled/),
    });
    expect(await stockOf(lamp.id)).toBe(5);
  });

  it('an order created directly as CANCELLED reserves nothing', async () => {
    const lamp = await item(3);
    const cancelled = await db.order.create({ data: order(lamp.id, 2, { status: 'CANCELLED' }) });
    expect(cancelled.status).toBe('CANCELLED');
    expect(await stockOf(lamp.id)).toBe(3);
  });

  it('returning the stock on cancel never overflows a 32-bit Int: refused with the item named', async () => {
    const lamp = await item(10, 'crane');
    const placed = await db.order.create({ data: order(lamp.id, 5) });
    await db.inventoryItem.update({ where: { id: lamp.id }, data: { quantity: 2_147_483_645 } });
    await expect(
      db.order.update({ where: { id: placed.id }, data: { status: 'CANCELLED' } }),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/'crane'.*2147483647/),
    });
    expect(await stockOf(lamp.id)).toBe(2_147_483_645);
    expect((await db.order.findUniqueOrThrow({ where: { id: placed.id } })).status).toBe('PLACED');
  });
});
