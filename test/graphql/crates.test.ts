/** Warehouses and crates through the real yoga server: the newest-crate receiver as users see it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffApp, type TestApp } from '../support/app.js';

let t: TestApp;
let staff: string;
beforeAll(async () => ({ t, staff } = await staffApp()));
afterAll(() => t.close());

async function run<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const r = await t.gql<T>(query, variables, staff);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data as T;
}

const createWarehouse = async (name: string) =>
  (
    await run<{ createWarehouse: { id: string } }>(
      'mutation($n: String!) { createWarehouse(input: { name: $n }) { id } }',
      { n: name },
    )
  ).createWarehouse.id;
const createCrate = async (name: string, warehouseId: string) =>
  (
    await run<{ createCrate: { id: string } }>(
      'mutation($n: String!, $w: ID!) { createCrate(input: { name: $n, warehouseId: $w }) { id } }',
      { n: name, w: warehouseId },
    )
  ).createCrate.id;
const newest = async (warehouseId: string) =>
  (
    await run<{ node: { newestCrate: { name: string } | null } }>(
      'query($id: ID!) { node(id: $id) { ... on Warehouse { newestCrate { name } } } }',
      { id: warehouseId },
    )
  ).node.newestCrate?.name ?? null;

describe('newestCrate over GraphQL', () => {
  it('createCrate makes the new crate the newest, and the mutation result already shows it', async () => {
    const w = await createWarehouse('A');
    await createCrate('first', w);
    const r = await run<{ createCrate: { warehouse: { newestCrate: { name: string } } } }>(
      'mutation($w: ID!) { createCrate(input: { name: "second", warehouseId: $w }) { warehouse { newestCrate { name } } } }',
      { w },
    );
    expect(r.createCrate.warehouse.newestCrate.name).toBe('second');
  });

  it('moving the newest crate away falls back to the previous one; the target gets it if it is more recent', async () => {
    const a = await createWarehouse('from');
    const b = await createWarehouse('to');
    await createCrate('b-old', b);
    await createCrate('a1', a);
    const a2 = await createCrate('a2', a);
    await run('mutation($id: ID!, $w: ID!) { updateCrate(input: { id: $id, warehouseId: $w }) { id } }', {
      id: a2,
      w: b,
    });
    expect(await newest(a)).toBe('a1');
    expect(await newest(b)).toBe('a2');
  });

  it('deleteCrate of the newest falls back, and the last delete leaves null', async () => {
    const w = await createWarehouse('D');
    const c1 = await createCrate('d1', w);
    const c2 = await createCrate('d2', w);
    await run('mutation($id: ID!) { deleteCrate(id: $id) }', { id: c2 });
    expect(await newest(w)).toBe('d1');
    await run('mutation($id: ID!) { deleteCrate(id: $id) }', { id: c1 });
    expect(await newest(w)).toBeNull();
  });

  it('moveCrates is one bulk write that keeps the invariant for every warehouse touched', async () => {
    const a = await createWarehouse('bulk-a');
    const b = await createWarehouse('bulk-b');
    const target = await createWarehouse('bulk-target');
    const a1 = await createCrate('ba1', a);
    const b1 = await createCrate('bb1', b);
    await createCrate('ba2-stays', a);
    const b2 = await createCrate('bb2', b);
    t.queries.length = 0;
    const moved = await run<{ moveCrates: { name: string; warehouse: { name: string } }[] }>(
      'mutation($ids: [ID!]!, $w: ID!) { moveCrates(input: { ids: $ids, warehouseId: $w }) { name warehouse { name } } }',
      { ids: [a1, b1, b2], w: target },
    );
    expect(moved.moveCrates.map((c) => c.name)).toEqual(['ba1', 'bb1', 'bb2']);
    expect(moved.moveCrates.every((c) => c.warehouse.name === 'bulk-target')).toBe(true);
    // one UPDATE statement moves the crates (the receivers' warehouse updates come on top)
    expect(t.queries.filter((q) => /^UPDATE \S*Crate\W* SET/.test(q))).toHaveLength(1);
    expect(await newest(a)).toBe('ba2-stays');
    expect(await newest(b)).toBeNull();
    expect(await newest(target)).toBe('bb2');
  });
});

describe('input errors', () => {
  it('an ID of the wrong type is BAD_USER_INPUT naming the field', async () => {
    const w = await createWarehouse('E');
    const r = await t.gql(
      'mutation($w: ID!) { createCrate(input: { name: "x", warehouseId: $w }) { id } }',
      { w: 'nonsense' },
      staff,
    );
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(r.errors?.[0]?.message).toMatch(/warehouseId/);
    const crate = await createCrate('e1', w);
    const wrongType = await t.gql(
      'mutation($w: ID!) { createCrate(input: { name: "x", warehouseId: $w }) { id } }',
      { w: crate },
      staff,
    );
    expect(wrongType.errors?.[0]?.message).toMatch(/is not a Warehouse ID/);
  });

  it('a missing warehouse or crate is NOT_FOUND with its ID in the message, and nothing is written', async () => {
    const w = await createWarehouse('F');
    const c = await createCrate('f1', w);
    await run('mutation($id: ID!) { deleteCrate(id: $id) }', { id: c });
    const r = await t.gql(
      'mutation($id: ID!) { updateCrate(input: { id: $id, name: "x" }) { id } }',
      { id: c },
      staff,
    );
    expect(r.errors?.[0]).toMatchObject({
      message: `Crate '${c}' not found`,
      extensions: { code: 'NOT_FOUND' },
    });
    const move = await t.gql(
      'mutation($ids: [ID!]!, $w: ID!) { moveCrates(input: { ids: $ids, warehouseId: $w }) { id } }',
      { ids: [c], w },
      staff,
    );
    expect(move.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('a name over its limit is BAD_USER_INPUT and stores nothing', async () => {
    const before = await t.data.db.warehouse.count();
    const r = await t.gql(
      'mutation($n: String!) { createWarehouse(input: { name: $n }) { id } }',
      { n: 'x'.repeat(129) },
      staff,
    );
    expect(r.errors?.[0]?.message).toBe('Warehouse.name must be at most 128 characters, got 129');
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await t.data.db.warehouse.count()).toBe(before);
  });

  it('a negative stock is BAD_USER_INPUT with its value', async () => {
    const r = await t.gql(
      'mutation { createInventoryItem(input: { item: "x", itemCode: 1, itemCondition: "new", quantity: -3 }) { id } }',
      {},
      staff,
    );
    expect(r.errors?.[0]).toMatchObject({
      message: 'quantity must be a whole number >= 0, got -3',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('updateInventoryItem changes only the fields given', async () => {
    const created = await run<{ createInventoryItem: { id: string } }>(
      'mutation { createInventoryItem(input: { item: "bolt", itemCode: 9, itemCondition: "new", quantity: 5 }) { id } }',
    );
    const r = await run<{ updateInventoryItem: unknown }>(
      'mutation($id: ID!) { updateInventoryItem(input: { id: $id, quantity: 8 }) { item itemCode itemCondition quantity } }',
      { id: created.createInventoryItem.id },
    );
    expect(r.updateInventoryItem).toEqual({ item: 'bolt', itemCode: 9, itemCondition: 'new', quantity: 8 });
  });

  it('signUp refuses a taken username and a short password; logIn refuses a wrong password', async () => {
    await t.customer('carol');
    const taken = await t.gql(
      'mutation { signUp(input: { username: "carol", password: "password-123" }) { token } }',
    );
    expect(taken.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const short = await t.gql(
      'mutation { signUp(input: { username: "dave", password: "short" }) { token } }',
    );
    expect(short.errors?.[0]?.message).toMatch(/password/);
    const wrong = await t.gql(
      'mutation { logIn(input: { username: "carol", password: "wrong-password" }) { token } }',
    );
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('no unexpected (masked) error happened', () => {
    expect(t.masked).toEqual([]);
  });
});

describe('races', () => {
  it('two sign-ups racing for one username: one wins, the other gets BAD_USER_INPUT, nothing is masked', async () => {
    const signUp = () =>
      t.gql('mutation { signUp(input: { username: "twin", password: "password-123" }) { token } }');
    const results = await Promise.all([signUp(), signUp(), signUp()]);
    expect(results.filter((r) => r.data?.signUp)).toHaveLength(1);
    for (const r of results.filter((x) => x.errors)) {
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(t.masked).toEqual([]);
  });
});

describe('Warehouse.crates pages', () => {
  it('pages forward and backward with cursors, reading only the page from the database', async () => {
    const w = await createWarehouse('paged');
    const wid = Number(Buffer.from(w, 'base64').toString().split(':')[1]);
    await t.data.db.crate.createMany({
      data: Array.from({ length: 25 }, (_, i) => ({ name: `p${i}`, warehouseId: wid })),
    });
    type Page = {
      node: {
        crates: {
          edges: { cursor: string; node: { name: string } }[];
          pageInfo: {
            hasNextPage: boolean;
            hasPreviousPage: boolean;
            endCursor: string;
            startCursor: string;
          };
        };
      };
    };
    const page = (args: string, vars: Record<string, unknown> = {}) =>
      run<Page>(
        `${args.includes('$c') ? 'query($id: ID!, $c: String)' : 'query($id: ID!)'} { node(id: $id) { ... on Warehouse { crates(${args}) { edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } } } }`,
        { id: w, ...vars },
      );
    t.queries.length = 0;
    const first = await page('first: 10');
    expect(first.node.crates.edges.map((e) => e.node.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => `p${i}`),
    );
    expect(first.node.crates.pageInfo.hasNextPage).toBe(true);
    // the page query asked the database for 11 ids (10 + 1 to know there is a next page), not 25 rows
    expect(t.queries.some((q) => q.includes('UNION') || /LIMIT (\?|\$\d+)\) AS "page"$/.test(q))).toBe(true);
    const second = await page('first: 10, after: $c', { c: first.node.crates.pageInfo.endCursor });
    expect(second.node.crates.edges.map((e) => e.node.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => `p${i + 10}`),
    );
    const last = await page('last: 3');
    expect(last.node.crates.edges.map((e) => e.node.name)).toEqual(['p22', 'p23', 'p24']);
    expect(last.node.crates.pageInfo.hasPreviousPage).toBe(true);
    const before = await page('last: 2, before: $c', { c: last.node.crates.pageInfo.startCursor });
    expect(before.node.crates.edges.map((e) => e.node.name)).toEqual(['p20', 'p21']);
    const bad = await t.gql(
      'query($id: ID!) { node(id: $id) { ... on Warehouse { crates(first: 1, after: "nope") { edges { cursor } } } } }',
      { id: w },
      staff,
    );
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('tokens', () => {
  it('an expired token is refused, and signing in again drops the expired ones', async () => {
    const { token } = await t.customer('expiring');
    const user = await t.data.db.user.findUniqueOrThrow({ where: { username: 'expiring' } });
    await t.data.db.authToken.updateMany({
      where: { userId: user.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const refused = await t.gql('{ me { username } }', {}, token);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const again = await t.gql<{ logIn: { token: string } }>(
      'mutation { logIn(input: { username: "expiring", password: "password-123" }) { token } }',
    );
    expect((await t.gql('{ me { username } }', {}, again.data?.logIn.token)).data).toEqual({
      me: { username: 'expiring' },
    });
    expect(await t.data.db.authToken.count({ where: { userId: user.id } })).toBe(1);
  });
});
