/**
 * Every query and mutation of API.md, for each role: anonymous, a customer, another customer,
 * STAFF. Allowed, or refused with the right code (or, for node(id), null as for a missing row), and
 * never leaking someone else's data.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GqlResult, type TestApp, testApp } from '../support/app.js';

let t: TestApp;
const tokens: Record<string, string | undefined> = {};
const ids: Record<string, string> = {};

async function ok<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown>,
  token?: string,
) {
  const r = await t.gql<T>(query, variables, token);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data as T;
}

beforeAll(async () => {
  t = await testApp();
  tokens.staff = (await t.staff()).token;
  const alice = await t.customer('alice');
  const bob = await t.customer('bob');
  tokens.alice = alice.token;
  tokens.bob = bob.token;
  ids.alice = alice.id;
  ids.bob = bob.id;
  const w = await ok<{ createWarehouse: { id: string } }>(
    'mutation { createWarehouse(input: { name: "Main", address: "1 Dock Rd" }) { id } }',
    {},
    tokens.staff,
  );
  ids.warehouse = w.createWarehouse.id;
  const w2 = await ok<{ createWarehouse: { id: string } }>(
    'mutation { createWarehouse(input: { name: "Second" }) { id } }',
    {},
    tokens.staff,
  );
  ids.warehouse2 = w2.createWarehouse.id;
  const c = await ok<{ createCrate: { id: string } }>(
    'mutation($w: ID!) { createCrate(input: { name: "C-1", warehouseId: $w }) { id } }',
    { w: ids.warehouse },
    tokens.staff,
  );
  ids.crate = c.createCrate.id;
  const i = await ok<{ createInventoryItem: { id: string } }>(
    'mutation { createInventoryItem(input: { item: "widget", itemCode: 7, itemCondition: "new", quantity: 100 }) { id } }',
    {},
    tokens.staff,
  );
  ids.item = i.createInventoryItem.id;
  const o = await ok<{ placeOrder: { id: string } }>(
    'mutation($i: ID!) { placeOrder(input: { inventoryItemId: $i, quantity: 1 }) { id } }',
    { i: ids.item },
    tokens.alice,
  );
  ids.aliceOrder = o.placeOrder.id;
});
afterAll(() => t.close());

type Role = 'anonymous' | 'alice' | 'bob' | 'staff';
const ROLES: Role[] = ['anonymous', 'alice', 'bob', 'staff'];
const token = (role: Role) => (role === 'anonymous' ? undefined : tokens[role]);
const code = (r: GqlResult) => r.errors?.[0]?.extensions?.code ?? 'OK';
/** node(id) of a row the caller may not see: null and no error, as for a row that is gone (API.md). */
const NULL = 'NULL';
const answer = (r: GqlResult) => (code(r) === 'OK' && r.data?.node === null ? NULL : code(r));

interface Case {
  name: string;
  query: string;
  variables?: () => Record<string, unknown>;
  expect: Record<Role, string>;
}

const STAFF_ONLY = { anonymous: 'UNAUTHENTICATED', alice: 'FORBIDDEN', bob: 'FORBIDDEN', staff: 'OK' };
const SIGNED_IN = { anonymous: 'UNAUTHENTICATED', alice: 'OK', bob: 'OK', staff: 'OK' };

const cases: Case[] = [
  { name: 'warehouses', query: '{ warehouses(first: 5) { edges { node { name } } } }', expect: STAFF_ONLY },
  {
    name: 'inventoryItems',
    query: '{ inventoryItems(first: 5) { edges { node { item quantity } } } }',
    expect: SIGNED_IN,
  },
  {
    name: 'createWarehouse',
    query: 'mutation { createWarehouse(input: { name: "X" }) { id } }',
    expect: STAFF_ONLY,
  },
  {
    name: 'createCrate',
    query: 'mutation($w: ID!) { createCrate(input: { name: "X", warehouseId: $w }) { id } }',
    variables: () => ({ w: ids.warehouse }),
    expect: STAFF_ONLY,
  },
  {
    name: 'updateCrate',
    query: 'mutation($c: ID!) { updateCrate(input: { id: $c, description: "d" }) { id } }',
    variables: () => ({ c: ids.crate }),
    expect: STAFF_ONLY,
  },
  {
    name: 'moveCrates',
    query: 'mutation($c: ID!, $w: ID!) { moveCrates(input: { ids: [$c], warehouseId: $w }) { id } }',
    variables: () => ({ c: ids.crate, w: ids.warehouse }),
    expect: STAFF_ONLY,
  },
  {
    name: 'createInventoryItem',
    query:
      'mutation { createInventoryItem(input: { item: "x", itemCode: 1, itemCondition: "new", quantity: 1 }) { id } }',
    expect: STAFF_ONLY,
  },
  {
    name: 'updateInventoryItem',
    query: 'mutation($i: ID!) { updateInventoryItem(input: { id: $i, itemCondition: "used" }) { id } }',
    variables: () => ({ i: ids.item }),
    expect: STAFF_ONLY,
  },
  {
    name: 'placeOrder',
    query: 'mutation($i: ID!) { placeOrder(input: { inventoryItemId: $i, quantity: 1 }) { id } }',
    variables: () => ({ i: ids.item }),
    expect: SIGNED_IN,
  },
  {
    name: "node(alice's order)",
    query: 'query($id: ID!) { node(id: $id) { ... on Order { ordNumber } } }',
    variables: () => ({ id: ids.aliceOrder }),
    expect: { anonymous: NULL, alice: 'OK', bob: NULL, staff: 'OK' },
  },
  {
    name: 'node(warehouse)',
    query: 'query($id: ID!) { node(id: $id) { ... on Warehouse { name } } }',
    variables: () => ({ id: ids.warehouse }),
    expect: { anonymous: NULL, alice: NULL, bob: NULL, staff: 'OK' },
  },
  {
    name: 'node(alice) with her orders',
    query: 'query($id: ID!) { node(id: $id) { ... on User { username orders { edges { node { id } } } } } }',
    variables: () => ({ id: ids.alice }),
    expect: { anonymous: NULL, alice: 'OK', bob: NULL, staff: 'OK' },
  },
];

describe.each(cases)('$name', (c) => {
  it.each(ROLES)('as %s', async (role) => {
    const r = await t.gql(c.query, c.variables?.() ?? {}, token(role));
    expect(answer(r)).toBe(c.expect[role]);
    if (c.expect[role] !== 'OK') {
      // refused: nothing of the row reaches the client
      expect(JSON.stringify(r.data ?? null)).not.toMatch(/ORD-|"Main"|"alice"/);
    }
  });
});

describe('role-specific reads', () => {
  it('me is null for anonymous and the signed-in user otherwise', async () => {
    expect((await t.gql('{ me { username } }')).data).toEqual({ me: null });
    expect((await t.gql('{ me { username role } }', {}, tokens.alice)).data).toEqual({
      me: { username: 'alice', role: 'CUSTOMER' },
    });
    expect((await t.gql('{ me { role } }', {}, tokens.staff)).data).toEqual({ me: { role: 'STAFF' } });
  });

  it("a customer's me lists only their own orders and notifications", async () => {
    const q =
      '{ me { orders { edges { node { id } } } notifications { edges { node { message order { id } } } } } }';
    const bob = await ok<{ me: { orders: { edges: unknown[] }; notifications: { edges: unknown[] } } }>(
      q,
      {},
      tokens.bob,
    );
    for (const edge of bob.me.orders.edges as { node: { id: string } }[])
      expect(edge.node.id).not.toBe(ids.aliceOrder);
    const alice = await ok<{ me: { orders: { edges: { node: { id: string } }[] } } }>(q, {}, tokens.alice);
    expect(alice.me.orders.edges.map((e) => e.node.id)).toContain(ids.aliceOrder);
  });

  it('nodes([...]) returns what the caller may see and null for the rest', async () => {
    const r = await t.gql<{ nodes: unknown[] }>(
      'query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Order { ordNumber } } }',
      { ids: [ids.aliceOrder, ids.warehouse] },
      tokens.alice,
    );
    expect(r.data?.nodes[0]).toMatchObject({ id: ids.aliceOrder });
    expect(r.data?.nodes[1]).toBeNull();
    expect(r.errors).toBeUndefined();
  });

  it('cancelOrder: bob gets NOT_FOUND for alice’s order (as for a missing one), anonymous must sign in, alice may', async () => {
    const q = 'mutation($id: ID!) { cancelOrder(id: $id) { status } }';
    expect(code(await t.gql(q, { id: ids.aliceOrder }))).toBe('UNAUTHENTICATED');
    const theirs = await t.gql(q, { id: ids.aliceOrder }, tokens.bob);
    const missing = await t.gql(q, { id: encodeGlobalID('Order', 999_999) }, tokens.bob);
    expect(code(theirs)).toBe('NOT_FOUND');
    expect(theirs.errors?.[0]?.message.replace(String(ids.aliceOrder), '<id>')).toBe(
      missing.errors?.[0]?.message.replace(encodeGlobalID('Order', 999_999), '<id>'),
    );
    expect((await t.gql(q, { id: ids.aliceOrder }, tokens.alice)).data).toEqual({
      cancelOrder: { status: 'CANCELLED' },
    });
  });

  it('deleteCrate is STAFF only', async () => {
    const c = await ok<{ createCrate: { id: string } }>(
      'mutation($w: ID!) { createCrate(input: { name: "tmp", warehouseId: $w }) { id } }',
      { w: ids.warehouse2 },
      tokens.staff,
    );
    const q = 'mutation($id: ID!) { deleteCrate(id: $id) }';
    expect(code(await t.gql(q, { id: c.createCrate.id }))).toBe('UNAUTHENTICATED');
    expect(code(await t.gql(q, { id: c.createCrate.id }, tokens.alice))).toBe('FORBIDDEN');
    expect((await t.gql(q, { id: c.createCrate.id }, tokens.staff)).data).toEqual({
      deleteCrate: c.createCrate.id,
    });
  });

  it('an invalid token is refused with 401, never treated as anonymous', async () => {
    const r = await t.gql('{ me { username } }', {}, 'not-a-real-token');
    expect(r.status).toBe(401);
    expect(code(r)).toBe('UNAUTHENTICATED');
  });

  it('no unexpected (masked) error happened in any of the above', () => {
    expect(t.masked).toEqual([]);
  });
});
