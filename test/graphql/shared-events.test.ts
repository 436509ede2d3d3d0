/**
 * A live event's subscription selection runs once per (document, variables, viewer) and is
 * shared by the subscribers with that key (src/server/shared-events.ts); each still gets only
 * what its own filter, audience and access allow.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/realtime/index.js';
import { issueToken } from '../../src/schema/auth.js';
import { appEventExecutions } from '../../src/server/yoga.js';
import { type TestApp, testApp } from '../support/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

interface Reader {
  /** Resolves with every `data:` payload so far once `predicate` holds on them (fails after 5 s). */
  until(predicate: (payloads: string[]) => boolean): Promise<string[]>;
  payloads: string[];
  cancel(): Promise<void>;
}

/** An SSE subscription through yoga.fetch, read in the background. */
async function subscribe(
  app: TestApp,
  query: string,
  token: string,
  variables: Record<string, unknown> = {},
): Promise<Reader> {
  const response = await app.app.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const payloads: string[] = [];
  let text = '';
  const reading = (async () => {
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) return;
      text += decoder.decode(chunk.value);
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data) payloads.push(data);
      }
    }
  })();
  return {
    payloads,
    async until(predicate) {
      const deadline = Date.now() + 5_000;
      while (!predicate(payloads)) {
        if (Date.now() > deadline) throw new Error(`not seen in time; got ${JSON.stringify(payloads)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return payloads;
    },
    async cancel() {
      await reader.cancel();
      await reading;
    },
  };
}

async function listening(app: TestApp, count: number) {
  while (app.realtime.bus.subscriberCount < count) await new Promise((r) => setTimeout(r, 10));
}

const CRATES =
  'subscription($named: Boolean!, $after: String) { postSave(model: CRATE, after: $after) { cursor node { id ... on Crate @include(if: $named) { name } } } }';

describe('shared subscription results', () => {
  it('one live event runs the selection once per document, variables and viewer', async () => {
    t = await testApp();
    const staff = (await t.staff()).token;
    const other = await t.data.db.user.create({
      data: { username: 'second-staff', passwordHash: 'x', role: 'STAFF' },
    });
    const otherToken = await issueToken(t.data, other.id, 3_600_000);
    const warehouse = await t.data.db.warehouse.create({ data: { name: 'W' } });
    const same = await Promise.all(
      [1, 2, 3].map(() => subscribe(t as TestApp, CRATES, staff, { named: true })),
    );
    const unnamed = await subscribe(t, CRATES, staff, { named: false });
    const secondStaff = await subscribe(t, CRATES, otherToken, { named: true });
    const plain = await subscribe(t, 'subscription { postSave(model: CRATE) { cursor } }', staff);
    await listening(t, 6);
    const before = appEventExecutions(t.app);
    await t.data.db.crate.create({ data: { name: 'shared', warehouseId: warehouse.id } });
    for (const reader of [...same, secondStaff]) {
      const [payload] = await reader.until((p) => p.length === 1);
      expect(JSON.parse(payload ?? '{}').data.postSave.node.name).toBe('shared');
    }
    const [withoutName] = await unnamed.until((p) => p.length === 1);
    expect(JSON.parse(withoutName ?? '{}').data.postSave.node).not.toHaveProperty('name');
    const [cursorOnly] = await plain.until((p) => p.length === 1);
    expect(Object.keys(JSON.parse(cursorOnly ?? '{}').data.postSave)).toEqual(['cursor']);
    // the three identical subscriptions shared one execution; the other variables, the other
    // viewer and the other document each had their own
    expect(appEventExecutions(t.app) - before).toBe(4);
    for (const reader of [...same, unnamed, secondStaff, plain]) await reader.cancel();
  });

  it("an order's event: STAFF and its customer get the node, another customer nothing", async () => {
    t = await testApp();
    const staff = (await t.staff()).token;
    const alice = await t.customer('alice');
    const bob = await t.customer('bob');
    const item = await t.data.db.inventoryItem.create({
      data: { item: 'gadget', itemCode: 1, itemCondition: 'new', quantity: 10 },
    });
    const orders =
      'subscription { postSave(model: ORDER) { cursor node { ... on Order { quantity orderedBy { username } } } } }';
    const readers = {
      staff: await subscribe(t, orders, staff),
      alice: await subscribe(t, orders, alice.token),
      bob: await subscribe(t, orders, bob.token),
    };
    await listening(t, 3);
    const place =
      'mutation($i: ID!, $q: Int!) { placeOrder(input: { inventoryItemId: $i, quantity: $q }) { id } }';
    const itemId = Buffer.from(`InventoryItem:${item.id}`).toString('base64');
    const placed = await t.gql(place, { i: itemId, q: 2 }, alice.token);
    expect(placed.errors).toBeUndefined();
    await t.gql(place, { i: itemId, q: 3 }, bob.token);
    const nodes = (payloads: string[]) =>
      payloads.map(
        (p) => JSON.parse(p).data.postSave.node as { quantity: number; orderedBy: { username: string } },
      );
    expect(nodes(await readers.staff.until((p) => p.length === 2))).toEqual([
      { quantity: 2, orderedBy: { username: 'alice' } },
      { quantity: 3, orderedBy: { username: 'bob' } },
    ]);
    expect(nodes(await readers.alice.until((p) => p.length === 1))).toEqual([
      { quantity: 2, orderedBy: { username: 'alice' } },
    ]);
    // bob's own order arrives; alice's never did (it came first)
    expect(nodes(await readers.bob.until((p) => p.length === 1))).toEqual([
      { quantity: 3, orderedBy: { username: 'bob' } },
    ]);
    expect(readers.alice.payloads).toHaveLength(1);
    for (const reader of Object.values(readers)) await reader.cancel();
  });

  it('replayed events are each subscriber’s own execution; the live ones after them are shared', async () => {
    t = await testApp();
    const staff = (await t.staff()).token;
    const warehouse = await t.data.db.warehouse.create({ data: { name: 'W' } });
    const first = await t.data.db.crate.create({ data: { name: 'r0', warehouseId: warehouse.id } });
    const event = await t.data.reader.event.findFirstOrThrow({
      where: { model: 'Crate', rowId: first.id },
    });
    for (const name of ['r1', 'r2'])
      await t.data.db.crate.create({ data: { name, warehouseId: warehouse.id } });
    const before = appEventExecutions(t.app);
    const after = encodeCursor(event.id);
    const readers = await Promise.all(
      [1, 2].map(() => subscribe(t as TestApp, CRATES, staff, { named: true, after })),
    );
    const names = (payloads: string[]) =>
      payloads.map((p) => JSON.parse(p).data.postSave.node.name as string);
    for (const reader of readers)
      expect(names(await reader.until((p) => p.length === 2))).toEqual(['r1', 'r2']);
    expect(appEventExecutions(t.app) - before).toBe(4);
    await listening(t, 2);
    await t.data.db.crate.create({ data: { name: 'live', warehouseId: warehouse.id } });
    for (const reader of readers) {
      expect(names(await reader.until((p) => p.length === 3))).toEqual(['r1', 'r2', 'live']);
    }
    expect(appEventExecutions(t.app) - before).toBe(5);
    for (const reader of readers) await reader.cancel();
  });
});

describe('per-request loaders in a live subscription', () => {
  it("each event reads the warehouse's crates as they are then, not as the first event saw them", async () => {
    t = await testApp();
    const staff = (await t.staff()).token;
    const query =
      'subscription { postSave(model: WAREHOUSE) { node { ... on Warehouse { crates(first: 10) { edges { node { name } } } } } } }';
    const reader = await subscribe(t, query, staff);
    await listening(t, 1);
    const warehouse = await t.data.db.warehouse.create({ data: { name: 'W' } });
    await reader.until((p) => p.length === 1);
    // the newest-crate receiver updates the warehouse: a second Warehouse event
    await t.data.db.crate.create({ data: { name: 'first', warehouseId: warehouse.id } });
    const names = (payloads: string[]) =>
      payloads.map((p) =>
        (JSON.parse(p).data.postSave.node.crates.edges as { node: { name: string } }[]).map(
          (e) => e.node.name,
        ),
      );
    expect(names(await reader.until((p) => p.length === 2))).toEqual([[], ['first']]);
    await reader.cancel();
  });
});
