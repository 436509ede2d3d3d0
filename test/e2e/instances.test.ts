/**
 * Two server instances (compiled, real processes, two ports) on one database and one Redis:
 * events committed on either reach subscribers on both once, in cursor order, and the
 * concurrency invariants hold across processes. With TEST_DATABASE_URL the database is
 * PostgreSQL; every check here is relative to rows this file creates, so a used database is fine.
 */
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createWarehouse,
  gql,
  type Instance,
  idOf,
  live,
  ok,
  pool,
  type SaveEvent,
  type SharedDatabase,
  sharedDatabase,
  signIn,
  startInstance,
  subscribeSaves,
  until,
} from '../support/instances.js';
import { testRedis } from '../support/redis.js';

const redis = await testRedis();
let db: SharedDatabase;
let a: Instance;
let b: Instance;
let staff: string;

beforeAll(async () => {
  if (!redis) return;
  db = sharedDatabase();
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    ADMIN_PASSWORD: 'admin-pass-1',
  };
  a = await startInstance(env);
  b = await startInstance(env);
  staff = (await signIn(a.url, 'logIn', 'admin', 'admin-pass-1')).token;
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  db?.close();
  await redis?.close();
});

const CRATE =
  'mutation($n: String!, $w: ID!) { createCrate(input: { name: $n, warehouseId: $w }) { id warehouse { id } } }';
const rowIdOf = (globalId: string) => Number(decodeGlobalID(globalId).id);

/** Every cursor strictly above the one before: no duplicate, no reordering. */
function expectIncreasing(events: SaveEvent[]): void {
  const ids = events.map(idOf);
  expect(ids).toEqual([...new Set(ids)].sort((x, y) => x - y));
}

describe.skipIf(!redis)('two instances, one database, one Redis', () => {
  it('a subscriber on B receives a crate created on A, once', async () => {
    const sub = subscribeSaves(b.url, staff);
    try {
      await live(a.url, staff, sub.events);
      const warehouse = await createWarehouse(a.url, staff, 'cross');
      const crate = (
        await ok<{ createCrate: { id: string } }>(a.url, CRATE, { n: 'from A', w: warehouse }, staff)
      ).createCrate.id;
      const marker = await createWarehouse(a.url, staff, 'after the crate');
      const seen = await until(sub.events, marker);
      expect(seen.filter((e) => e.node?.id === crate)).toHaveLength(1);
      expectIncreasing(seen);
    } finally {
      await sub.close();
    }
  });

  it('500 concurrent placeOrder across both against stock 100: 100 orders, stock 0, 100 notifications', async () => {
    const { createInventoryItem: item } = await ok<{ createInventoryItem: { id: string } }>(
      a.url,
      'mutation { createInventoryItem(input: { item: "scarce", itemCode: 42, itemCondition: "new", quantity: 100 }) { id } }',
      {},
      staff,
    );
    const suffix = Date.now().toString(36);
    const buyers = await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        signIn(i % 2 ? a.url : b.url, 'signUp', `buyer${i}-${suffix}`, 'buyer-pass-1'),
      ),
    );
    const ORDER =
      'mutation($i: ID!) { placeOrder(input: { inventoryItemId: $i, quantity: 1 }) { id ordNumber } }';
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        gql<{ placeOrder: { id: string; ordNumber: string } }>(
          i % 2 ? a.url : b.url,
          ORDER,
          { i: item.id },
          buyers[i % 5]?.token,
        ),
      ),
    );
    const placed = answers.filter((r) => r.data?.placeOrder);
    const refused = answers.filter((r) => r.errors);
    expect(placed).toHaveLength(100);
    expect(refused).toHaveLength(400);
    expect(new Set(refused.map((r) => r.errors?.[0]?.extensions?.code))).toEqual(new Set(['OUT_OF_STOCK']));
    expect(new Set(placed.map((r) => r.data?.placeOrder.ordNumber)).size).toBe(100);
    const stock = await ok<{ node: { quantity: number } }>(
      b.url,
      'query($id: ID!) { node(id: $id) { ... on InventoryItem { quantity } } }',
      { id: item.id },
      staff,
    );
    expect(stock.node.quantity).toBe(0);
    let notifications = 0;
    for (const buyer of buyers) {
      const me = await ok<{ me: { notifications: { edges: unknown[] } } }>(
        a.url,
        '{ me { notifications(first: 100) { edges { node { id } } } } }',
        {},
        buyer.token,
      );
      notifications += me.me.notifications.edges.length;
    }
    expect(notifications).toBe(100);
  }, 120_000);

  it('200 concurrent createCrate across both into 5 warehouses keep the newest-crate invariant', async () => {
    const warehouses = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => createWarehouse(a.url, staff, `invariant ${i}`)),
    );
    const created = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        ok<{ createCrate: { id: string } }>(
          i % 2 ? a.url : b.url,
          CRATE,
          { n: `c${i}`, w: warehouses[i % 5] },
          staff,
        ),
      ),
    );
    expect(created).toHaveLength(200);
    for (const warehouse of warehouses) {
      const { node } = await ok<{
        node: { newestCrate: { id: string } | null; crates: { edges: { node: { id: string } }[] } };
      }>(
        b.url,
        'query($id: ID!) { node(id: $id) { ... on Warehouse { newestCrate { id } crates(first: 100) { edges { node { id } } } } } }',
        { id: warehouse },
        staff,
      );
      const crates = node.crates.edges.map((e) => e.node.id);
      expect(crates).toHaveLength(40);
      const newest = crates.reduce((x, y) => (rowIdOf(y) > rowIdOf(x) ? y : x));
      expect(node.newestCrate?.id).toBe(newest);
    }
  }, 60_000);

  it('a 300-mutation burst across both reaches a subscriber once each, in cursor order; resuming mid-way gives exactly the rest', async () => {
    const sub = subscribeSaves(b.url, staff);
    try {
      const start = await live(a.url, staff, sub.events);
      const from = sub.events.items.length;
      const warehouse = await createWarehouse(b.url, staff, 'burst');
      const crates = await pool(
        Array.from(
          { length: 300 },
          (_, i) => () =>
            ok<{ createCrate: { id: string } }>(
              i % 2 ? a.url : b.url,
              CRATE,
              { n: `b${i}`, w: warehouse },
              staff,
            ),
        ),
        30,
      );
      const marker = await createWarehouse(a.url, staff, 'burst done');
      const got = (await until(sub.events, marker)).slice(from);
      expectIncreasing(got);
      for (const { createCrate } of crates) {
        expect(got.filter((e) => e.node?.id === createCrate.id && e.created)).toHaveLength(1);
      }
      // live delivery equals the log: a replay from the same start on the other instance
      const replay = subscribeSaves(a.url, staff, start);
      const logged = await until(replay.events, marker);
      await replay.close();
      expect(got.map((e) => e.cursor)).toEqual(logged.map((e) => e.cursor));
      // and it came through Redis: the stream holds each of these cursors once, in order (the
      // relay is the only publisher; without REDIS_URL at work there would be no stream at all)
      const stream = await redis
        ?.client()
        .xrange(
          `${redis.prefix}events`,
          `${idOf(got[0] as SaveEvent)}-0`,
          `${idOf(got.at(-1) as SaveEvent)}-0`,
        );
      expect(stream?.map(([id]) => Number(id.split('-')[0]))).toEqual(got.map(idOf));
      const middle = Math.floor(got.length / 2);
      const resumed = subscribeSaves(b.url, staff, got[middle]?.cursor);
      const rest = await until(resumed.events, marker);
      await resumed.close();
      expect(rest.map((e) => e.cursor)).toEqual(got.slice(middle + 1).map((e) => e.cursor));
    } finally {
      await sub.close();
    }
  }, 120_000);
});
