/**
 * Resume by cursor and per-subscriber access, with the graphql-ws client on a real port.
 */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Collector, type LiveServer, liveServer } from '../support/live.js';

let s: LiveServer;
let staff: string;
let warehouseId: string;

async function post<T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const response = await fetch(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

function ws(token: string) {
  return createClient({
    url: s.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
  });
}

function subscribe<T>(client: ReturnType<typeof ws>, query: string, variables: Record<string, unknown> = {}) {
  const items = new Collector<T>();
  const stop = client.subscribe<T>(
    { query, variables },
    items.sink((d: T) => d),
  );
  return { items, stop };
}

const renameCrate = (name: string) =>
  post<{ createCrate: { id: string } }>(
    'mutation($w: ID!, $n: String!) { createCrate(input: { name: $n, warehouseId: $w }) { id } }',
    { w: warehouseId, n: name },
    staff,
  );

beforeAll(async () => {
  s = await liveServer();
  staff = (await s.staff()).token;
  const w = await post<{ createWarehouse: { id: string } }>(
    'mutation { createWarehouse(input: { name: "Resume Dock" }) { id } }',
    {},
    staff,
  );
  warehouseId = w.createWarehouse.id;
});
afterAll(() => s.close());

const CRATES = `subscription($after: String) {
  postSave(model: CRATE, after: $after) { cursor created node { ... on Crate { name } } }
}`;
type CrateEvent = { postSave: { cursor: string; created: boolean; node: { name: string } | null } };

describe('resume by cursor', () => {
  it('a subscriber that reconnects with its last cursor gets exactly the writes it missed, in order, then live ones', async () => {
    const first = ws(staff);
    const before = s.realtime.bus.subscriberCount;
    const a = subscribe<CrateEvent>(first, CRATES);
    await s.subscribers(1, before);
    await renameCrate('seen-live');
    const [seen] = await a.items.count(1);
    a.stop();
    await first.dispose();

    // while it is away
    await renameCrate('missed-1');
    await renameCrate('missed-2');
    await renameCrate('missed-3');

    const second = ws(staff);
    const beforeSecond = s.realtime.bus.subscriberCount;
    const b = subscribe<CrateEvent>(second, CRATES, { after: seen?.postSave.cursor });
    await b.items.count(3);
    await s.subscribers(1, beforeSecond);
    await renameCrate('live-after-resume');
    const got = await b.items.count(4);
    expect(got.map((e) => e.postSave.node?.name)).toEqual([
      'missed-1',
      'missed-2',
      'missed-3',
      'live-after-resume',
    ]);
    await new Promise((r) => setTimeout(r, 300)); // give a duplicate the time to show up
    expect(b.items.items).toHaveLength(4);
    b.stop();
    await second.dispose();
  });

  it('writes during the replay itself are neither lost nor duplicated', async () => {
    await renameCrate('anchor');
    const anchor = await s.data.reader.event.findFirst({
      where: { model: 'Crate' },
      orderBy: { id: 'desc' },
    });
    const cursor = Buffer.from(`event:${anchor?.id}`).toString('base64url');
    const client = ws(staff);
    const sub = subscribe<CrateEvent>(client, CRATES, { after: cursor });
    // writes racing with the subscription start: some land in the replay, some live
    const names = Array.from({ length: 10 }, (_, i) => `race-${i}`);
    for (const name of names) await renameCrate(name);
    const got = await sub.items.count(10);
    await new Promise((r) => setTimeout(r, 300));
    expect(sub.items.items).toHaveLength(10);
    expect(got.map((e) => e.postSave.node?.name)).toEqual(names);
    sub.stop();
    await client.dispose();
  });

  it('a malformed cursor is BAD_USER_INPUT', async () => {
    const client = ws(staff);
    const error = await new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: CRATES, variables: { after: 'not-a-cursor' } },
        { next: (r) => resolve(r.errors), error: resolve, complete: () => {} },
      );
    });
    expect(JSON.stringify(error)).toMatch(/BAD_USER_INPUT|not a cursor/);
    await client.dispose();
  });
});

describe('customers see only their own events', () => {
  it("a customer's subscriptions never receive another customer's order or notification events", async () => {
    const item = await post<{ createInventoryItem: { id: string } }>(
      'mutation { createInventoryItem(input: { item: "gadget", itemCode: 3, itemCondition: "new", quantity: 100 }) { id } }',
      {},
      staff,
    );
    const alice = await s.customer('alice-live');
    const bob = await s.customer('bob-live');
    const aliceClient = ws(alice.token);
    const bobClient = ws(bob.token);
    const before = s.realtime.bus.subscriberCount;
    const everything = `subscription { postSave { model node { id ... on Order { ordNumber orderedBy { username } } } } }`;
    const notes = `subscription { notifications { message order { orderedBy { username } } } }`;
    const aliceSaves = subscribe<{
      postSave: { model: string; node: { orderedBy?: { username: string } } | null };
    }>(aliceClient, everything);
    const bobSaves = subscribe<{
      postSave: { model: string; node: { orderedBy?: { username: string } } | null };
    }>(bobClient, everything);
    const bobNotes = subscribe<{ notifications: { order: { orderedBy: { username: string } } } }>(
      bobClient,
      notes,
    );
    await s.subscribers(3, before);

    const order =
      'mutation($i: ID!) { placeOrder(input: { inventoryItemId: $i, quantity: 1 }) { ordNumber } }';
    await post(order, { i: item.createInventoryItem.id }, alice.token);
    await post(order, { i: item.createInventoryItem.id }, bob.token);

    // alice: her order and her notification (not the stock change: inventory events are STAFF's)
    const aliceGot = await aliceSaves.items.count(2);
    expect(aliceGot.map((e) => e.postSave.model).sort()).toEqual(['NOTIFICATION', 'ORDER']);
    // bob's first events are his own: alice's never reached him
    const bobGot = await bobSaves.items.count(2);
    expect(bobGot.map((e) => e.postSave.model).sort()).toEqual(['NOTIFICATION', 'ORDER']);
    const bobOrder = bobGot.find((e) => e.postSave.model === 'ORDER');
    expect(bobOrder?.postSave.node?.orderedBy?.username).toBe('bob-live');
    const [bobNote] = await bobNotes.items.count(1);
    expect(bobNote?.notifications.order.orderedBy.username).toBe('bob-live');
    await new Promise((r) => setTimeout(r, 300));
    expect(bobSaves.items.items).toHaveLength(2);
    expect(bobNotes.items.items).toHaveLength(1);
    expect(aliceSaves.items.items).toHaveLength(2);
    for (const x of [aliceSaves, bobSaves, bobNotes]) x.stop();
    await aliceClient.dispose();
    await bobClient.dispose();
  });
});
