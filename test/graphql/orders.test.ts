/** The shop through the real yoga server: stock check, reservation, ordNumber, notification, cancel. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';

let t: TestApp;
let staff: string;
let customer: { token: string; id: string };
beforeAll(async () => {
  t = await testApp();
  staff = (await t.staff()).token;
  customer = await t.customer('buyer');
});
afterAll(() => t.close());

async function item(name: string, quantity: number): Promise<string> {
  const r = await t.gql<{ createInventoryItem: { id: string } }>(
    'mutation($n: String!, $q: Int!) { createInventoryItem(input: { item: $n, itemCode: 1, itemCondition: "new", quantity: $q }) { id } }',
    { n: name, q: quantity },
    staff,
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.createInventoryItem.id;
}

const PLACE =
  'mutation($i: ID!, $q: Int!) { placeOrder(input: { inventoryItemId: $i, quantity: $q }) { id ordNumber quantity status orderedBy { username } inventoryItem { item quantity } } }';

async function stock(id: string): Promise<number> {
  const r = await t.gql<{ node: { quantity: number } }>(
    'query($id: ID!) { node(id: $id) { ... on InventoryItem { quantity } } }',
    { id },
    staff,
  );
  return r.data?.node.quantity ?? Number.NaN;
}

describe('placeOrder', () => {
  it('reserves stock, assigns a readable ordNumber and notifies the buyer, in one go', async () => {
    const i = await item('lamp', 5);
    const r = await t.gql<{ placeOrder: { ordNumber: string } }>(PLACE, { i, q: 5 }, customer.token);
    expect(r.errors).toBeUndefined();
    // ordering exactly the stock succeeds (the seed article's comparison was inverted)
    expect(r.data?.placeOrder).toMatchObject({
      quantity: 5,
      status: 'PLACED',
      orderedBy: { username: 'buyer' },
      inventoryItem: { item: 'lamp', quantity: 0 },
    });
    expect(r.data?.placeOrder.ordNumber).toMatch(/^ORD-\d{6}$/);
    const me = await t.gql<{
      me: { notifications: { edges: { node: { message: string; order: { ordNumber: string } } }[] } };
    }>(
      '{ me { notifications(first: 1) { edges { node { message order { ordNumber } } } } } }',
      {},
      customer.token,
    );
    expect(me.data?.me.notifications.edges[0]?.node.order.ordNumber).toBe(r.data?.placeOrder.ordNumber);
  });

  it('short stock is OUT_OF_STOCK naming the item and what is available; nothing changes', async () => {
    const i = await item('chair', 3);
    const ordersBefore = await t.data.db.order.count();
    const notesBefore = await t.data.db.notification.count();
    const r = await t.gql(PLACE, { i, q: 4 }, customer.token);
    expect(r.errors?.[0]).toMatchObject({
      message: "Not enough 'chair' in stock: 3 available, 4 requested",
      extensions: { code: 'OUT_OF_STOCK', item: 'chair', available: 3, requested: 4 },
    });
    expect(await stock(i)).toBe(3);
    expect(await t.data.db.order.count()).toBe(ordersBefore);
    expect(await t.data.db.notification.count()).toBe(notesBefore);
  });

  it.each([0, -2])('a quantity of %i is BAD_USER_INPUT', async (q) => {
    const i = await item(`thing${q}`, 3);
    const r = await t.gql(PLACE, { i, q }, customer.token);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(/quantity/);
    expect(await stock(i)).toBe(3);
  });

  it('an unknown item is NOT_FOUND', async () => {
    const i = await item('ghost', 1);
    await t.data.db.inventoryItem.delete({
      where: { id: Number(Buffer.from(i, 'base64').toString().split(':')[1]) },
    });
    const r = await t.gql(PLACE, { i, q: 1 }, customer.token);
    expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('cancelOrder returns the stock once; a second cancel is refused', async () => {
    const i = await item('desk', 4);
    const placed = await t.gql<{ placeOrder: { id: string } }>(PLACE, { i, q: 3 }, customer.token);
    const id = placed.data?.placeOrder.id;
    expect(await stock(i)).toBe(1);
    const cancel = 'mutation($id: ID!) { cancelOrder(id: $id) { status inventoryItem { quantity } } }';
    expect((await t.gql(cancel, { id }, customer.token)).data).toEqual({
      cancelOrder: { status: 'CANCELLED', inventoryItem: { quantity: 4 } },
    });
    const again = await t.gql(cancel, { id }, customer.token);
    expect(again.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await stock(i)).toBe(4);
  });
});

describe('concurrency', () => {
  it('200 placeOrder requests at once against stock 50: exactly 50 orders, 150 OUT_OF_STOCK, stock 0, 50 notifications', async () => {
    const i = await item('hot item', 50);
    const buyers = await Promise.all([0, 1, 2, 3].map((n) => t.customer(`rush${n}`)));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        t.gql<{ placeOrder: { ordNumber: string } }>(PLACE, { i, q: 1 }, buyers[n % 4]?.token),
      ),
    );
    const placed = results.filter((r) => r.data?.placeOrder);
    const refused = results.filter((r) => r.errors?.[0]?.extensions?.code === 'OUT_OF_STOCK');
    expect(placed).toHaveLength(50);
    expect(refused).toHaveLength(150);
    expect(await stock(i)).toBe(0);
    const itemId = Number(Buffer.from(i, 'base64').toString().split(':')[1]);
    const orders = await t.data.db.order.findMany({
      where: { inventoryItemId: itemId },
      select: { id: true, ordNumber: true },
    });
    expect(orders).toHaveLength(50);
    expect(new Set(orders.map((o) => o.ordNumber)).size).toBe(50);
    expect(await t.data.db.notification.count({ where: { orderId: { in: orders.map((o) => o.id) } } })).toBe(
      50,
    );
  });

  it('two cancelOrder of one order at once: one succeeds, the other is told it is already cancelled; one CANCELLED event', async () => {
    const i = await item('twice', 4);
    const placed = await t.gql<{ placeOrder: { id: string } }>(PLACE, { i, q: 3 }, customer.token);
    const id = placed.data?.placeOrder.id;
    const orderId = Number(Buffer.from(String(id), 'base64').toString().split(':')[1]);
    const cancel = 'mutation($id: ID!) { cancelOrder(id: $id) { status } }';
    const results = await Promise.all([
      t.gql(cancel, { id }, customer.token),
      t.gql(cancel, { id }, customer.token),
    ]);
    expect(results.filter((r) => r.data?.cancelOrder)).toHaveLength(1);
    const refused = results.filter((r) => r.errors);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused[0]?.errors?.[0]?.message).toMatch(/already cancelled/);
    expect(await stock(i)).toBe(4);
    const events = await t.data.reader.event.findMany({
      where: { model: 'Order', rowId: orderId, created: false },
    });
    expect(events.map((e) => e.updateFields)).toEqual(['["status"]']);
  });

  it('no unexpected (masked) error happened', () => {
    expect(t.masked).toEqual([]);
  });
});
