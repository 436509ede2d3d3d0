/**
 * `Idempotency-Key` through the real yoga server on a real SQLite file: a repeat gets the first
 * response and runs nothing, a key reused for another request is refused, concurrent repeats run
 * once, keys are per user, bad keys are refused, an expired key runs again, and a response that
 * is not kept rolls its key back with its effect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterMutation } from '../../src/schema/plugins/unit-of-work/index.js';
import { IDEMPOTENCY_TTL_MS } from '../../src/server/idempotency.js';
import { createApp } from '../../src/server/yoga.js';
import { type GqlResult, type TestApp, testApp } from '../support/app.js';

let t: TestApp;
let staff: string;
let buyer: string;
beforeAll(async () => {
  t = await testApp();
  staff = (await t.staff()).token;
  buyer = (await t.customer('keyed-buyer')).token;
});
afterAll(() => t.close());

const PLACE =
  'mutation($i: ID!, $q: Int!) { placeOrder(input: { inventoryItemId: $i, quantity: $q }) { id ordNumber quantity inventoryItem { quantity } } }';

interface Answer {
  status: number;
  replayed: string | null;
  body: GqlResult<{ placeOrder: { id: string; ordNumber: string; inventoryItem: { quantity: number } } }>;
}

async function send(
  query: string,
  variables: Record<string, unknown>,
  token: string | null,
  key?: string,
): Promise<Answer> {
  const response = await t.app.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token && { authorization: `Bearer ${token}` }),
      ...(key !== undefined && { 'idempotency-key': key }),
    },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed'),
    body: (await response.json()) as Answer['body'],
  };
}

async function item(quantity: number): Promise<string> {
  const r = await t.gql<{ createInventoryItem: { id: string } }>(
    'mutation($q: Int!) { createInventoryItem(input: { item: "chair", itemCode: 1, itemCondition: "new", quantity: $q }) { id } }',
    { q: quantity },
    staff,
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.createInventoryItem.id;
}

const rowId = (globalId: string) =>
  Number(/:(\d+)$/.exec(Buffer.from(globalId, 'base64url').toString())?.[1]);
const orders = (itemId: string) => t.data.reader.order.count({ where: { inventoryItemId: rowId(itemId) } });
const stock = async (itemId: string) =>
  (await t.data.reader.inventoryItem.findUniqueOrThrow({ where: { id: rowId(itemId) } })).quantity;

describe('Idempotency-Key', () => {
  it('a repeat gets the first response, marked replayed, and runs nothing', async () => {
    const i = await item(10);
    const first = await send(PLACE, { i, q: 2 }, buyer, 'order-1');
    expect(first.body.errors).toBeUndefined();
    expect(first.replayed).toBeNull();
    const events = await t.data.reader.event.count();
    const again = await send(PLACE, { i, q: 2 }, buyer, 'order-1');
    expect(again.body).toEqual(first.body);
    expect(again.replayed).toBe('true');
    expect(await orders(i)).toBe(1);
    expect(await stock(i)).toBe(8);
    expect(await t.data.reader.event.count()).toBe(events);
  });

  it('the same key with another request is BAD_USER_INPUT, reason IDEMPOTENCY_KEY_REUSED, and changes nothing', async () => {
    const i = await item(10);
    await send(PLACE, { i, q: 1 }, buyer, 'order-2');
    const reused = await send(PLACE, { i, q: 3 }, buyer, 'order-2');
    expect(reused.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'IDEMPOTENCY_KEY_REUSED',
    });
    expect(reused.body.data).toBeUndefined();
    expect(await orders(i)).toBe(1);
    expect(await stock(i)).toBe(9);
  });

  it('20 concurrent repeats run the mutation once: one order, stock down once, 20 equal answers', async () => {
    const i = await item(100);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => send(PLACE, { i, q: 5 }, buyer, 'burst')),
    );
    const ordNumbers = new Set(answers.map((a) => a.body.data?.placeOrder.ordNumber));
    expect(ordNumbers.size).toBe(1);
    expect([...ordNumbers][0]).toMatch(/^ORD-/);
    expect(answers.filter((a) => a.replayed === 'true')).toHaveLength(19);
    expect(await orders(i)).toBe(1);
    expect(await stock(i)).toBe(95);
    expect(await t.data.reader.notification.count({ where: { order: { inventoryItemId: rowId(i) } } })).toBe(
      1,
    );
  });

  it('keys are per user: the same key from two users is two orders', async () => {
    const i = await item(10);
    const other = (await t.customer('keyed-other')).token;
    const a = await send(PLACE, { i, q: 1 }, buyer, 'shared-key');
    const b = await send(PLACE, { i, q: 1 }, other, 'shared-key');
    expect(a.body.data?.placeOrder.ordNumber).not.toBe(b.body.data?.placeOrder.ordNumber);
    expect(b.replayed).toBeNull();
    expect(await orders(i)).toBe(2);
  });

  it('refuses a key that is empty, too long or not printable ASCII, and a key without a signed-in user', async () => {
    const i = await item(10);
    for (const key of ['', 'k'.repeat(129), 'clé']) {
      const r = await send(PLACE, { i, q: 1 }, buyer, key);
      expect(r.body.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'Idempotency-Key',
      });
      expect(r.body.errors?.[0]?.message).toMatch(/^Idempotency-Key: must be 1 to 128 printable ASCII/);
    }
    const anonymous = await send(
      'mutation { logIn(input: { username: "keyed-buyer", password: "password-123" }) { token } }',
      {},
      null,
      'sign-in',
    );
    expect(anonymous.body.errors?.[0]?.message).toMatch(/^Idempotency-Key: keys are kept per user/);
    const signedInLogIn = await send(
      'mutation { ...again } fragment again on Mutation { logIn(input: { username: "keyed-buyer", password: "password-123" }) { token } }',
      {},
      buyer,
      'sign-in',
    );
    expect(signedInLogIn.body.errors?.[0]).toMatchObject({
      message: 'Idempotency-Key: logIn is not kept (its response holds a token); send it without a key',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(await t.data.reader.idempotencyKey.count({ where: { key: 'sign-in' } })).toBe(0);
    expect(await orders(i)).toBe(0);
    // 128 printable characters are a key
    expect((await send(PLACE, { i, q: 1 }, buyer, '~'.repeat(128))).body.errors).toBeUndefined();
  });

  it('is ignored on a query', async () => {
    const r = await send('{ me { username } }', {}, buyer, '');
    expect(r.body).toEqual({ data: { me: { username: 'keyed-buyer' } } });
  });

  it('an expected error is kept and replayed; an expired key runs again', async () => {
    const i = await item(1);
    const refused = await send(PLACE, { i, q: 2 }, buyer, 'too-many');
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('OUT_OF_STOCK');
    await t.gql(
      'mutation($i: ID!) { updateInventoryItem(input: { id: $i, quantity: 5 }) { id } }',
      { i },
      staff,
    );
    const replay = await send(PLACE, { i, q: 2 }, buyer, 'too-many');
    expect(replay.body).toEqual(refused.body);
    expect(replay.replayed).toBe('true');
    expect(await orders(i)).toBe(0);
    // WARNING: raw SQL, to age the key past its 24 hours as the clock would
    const aged = new Date(Date.now() - IDEMPOTENCY_TTL_MS - 60_000);
    await t.data.db.$executeRaw`UPDATE "IdempotencyKey" SET "createdAt" = ${aged} WHERE "key" = 'too-many'`;
    const fresh = await send(PLACE, { i, q: 2 }, buyer, 'too-many');
    expect(fresh.replayed).toBeNull();
    expect(fresh.body.data?.placeOrder.inventoryItem.quantity).toBe(3);
    expect(await orders(i)).toBe(1);
    expect(await t.data.reader.idempotencyKey.count({ where: { key: 'too-many' } })).toBe(1);
  });

  it('a response with an unexpected error is not kept: key and effect roll back together, and a retry runs', async () => {
    const i = await item(10);
    const off = afterMutation.connect(
      function breakOnce() {
        throw new Error('the disk is on fire');
      },
      { sender: 'placeOrder' },
    );
    const failed = await send(PLACE, { i, q: 1 }, buyer, 'retry-me');
    off();
    expect(failed.body.data).toBeNull();
    expect(failed.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(await t.data.reader.idempotencyKey.count({ where: { key: 'retry-me' } })).toBe(0);
    expect(await orders(i)).toBe(0);
    const retried = await send(PLACE, { i, q: 1 }, buyer, 'retry-me');
    expect(retried.replayed).toBeNull();
    expect(retried.body.data?.placeOrder.ordNumber).toMatch(/^ORD-/);
    expect(await orders(i)).toBe(1);
    expect(t.masked).toHaveLength(1);
    t.masked.length = 0;
  });

  it("prunes expired keys: a fresh server's first keyed request deletes every key past 24 hours", async () => {
    const i = await item(10);
    await send(PLACE, { i, q: 1 }, buyer, 'old-1');
    await send(PLACE, { i, q: 1 }, buyer, 'recent');
    const aged = new Date(Date.now() - IDEMPOTENCY_TTL_MS - 1_000);
    // WARNING: raw SQL, to age one key as the clock would
    await t.data.db.$executeRaw`UPDATE "IdempotencyKey" SET "createdAt" = ${aged} WHERE "key" = 'old-1'`;
    // another server process on the same file (its own plugin: its first keyed request prunes)
    const other = createApp({
      data: t.data,
      realtime: t.realtime,
      tokenTtlMs: 3_600_000,
      logError: () => {},
    });
    const response = await other.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${buyer}`,
        'idempotency-key': 'new',
      },
      body: JSON.stringify({ query: PLACE, variables: { i, q: 1 } }),
    });
    expect(((await response.json()) as Answer['body']).errors).toBeUndefined();
    const keys = await t.data.reader.idempotencyKey.findMany({
      where: { key: { in: ['old-1', 'recent', 'new'] } },
    });
    expect(keys.map((k) => k.key).sort()).toEqual(['new', 'recent']);
  });
});
