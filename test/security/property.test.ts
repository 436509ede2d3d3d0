/**
 * Random sequences of valid and invalid mutations by STAFF and three customers, through the real
 * yoga server. After every step: the newest-crate invariant, stock = initial − accepted + cancelled
 * and never negative, exactly one committed event per committed write (and none for a refused
 * mutation, which changes nothing), and no answer with a stack trace or an internal message.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { captureSignals, EVENT_MODELS, type ModelName } from '../../src/db/index.js';
import { type GqlResult, type TestApp, testApp } from '../support/app.js';

const LEAKS = /\n\s+at |node_modules|\.ts:\d|Prisma|SQLITE|invocation|RangeError|Unexpected error/;
const INT_OVERFLOW = 2 ** 31;

let t: TestApp;
const tokens: string[] = []; // 0: STAFF, 1-3: customers
/** How often each command kind ended how: the property must have exercised both paths of each. */
const tally = new Map<string, number>();
const userIds: string[] = [];

beforeAll(async () => {
  t = await testApp();
  const staff = await t.staff();
  tokens.push(staff.token);
  userIds.push(staff.id);
  for (const name of ['cust1', 'cust2', 'cust3']) {
    const c = await t.customer(name);
    tokens.push(c.token);
    userIds.push(c.id);
  }
});
afterAll(() => t.close());

type User = 0 | 1 | 2 | 3;
type Command =
  | { kind: 'placeOrder'; user: User; item: number; quantity: number }
  | { kind: 'cancelOrder'; user: User; order: number }
  | { kind: 'createCrate'; user: User; warehouse: number }
  | { kind: 'moveCrate'; user: User; crate: number; warehouse: number }
  | { kind: 'moveCrates'; user: User; crates: number[]; warehouse: number }
  | { kind: 'deleteCrate'; user: User; crate: number }
  | { kind: 'invalid'; user: User; which: number };

// STAFF half of the time: most crate commands are STAFF's to succeed at
const user = fc.oneof(fc.constant<User>(0), fc.constantFrom<User>(1, 2, 3));
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('placeOrder' as const),
      user,
      item: fc.nat(2),
      quantity: fc.constantFrom(-1, 0, 1, 2, 3, 5, 8, INT_OVERFLOW),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancelOrder' as const), user, order: fc.nat(20) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('createCrate' as const), user, warehouse: fc.nat(2) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('moveCrate' as const),
      user,
      crate: fc.nat(20),
      warehouse: fc.nat(2),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('moveCrates' as const),
      user,
      crates: fc.array(fc.nat(20), { minLength: 1, maxLength: 4 }),
      warehouse: fc.nat(2),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteCrate' as const), user, crate: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalid' as const), user, which: fc.nat(5) }) },
);

interface Run {
  warehouses: string[];
  items: Array<{ id: string; initial: number; accepted: number; cancelled: number }>;
  crates: string[];
  orders: Array<{ id: string; owner: User; item: number; quantity: number; cancelled: boolean }>;
}

const BOGUS_CRATE = encodeGlobalID('Crate', 999_999);
const pick = <T>(list: T[], i: number, otherwise: T) =>
  list.length === 0 ? otherwise : (list[i % list.length] as T);

/** The request for a command, and what a refusal must be when it is known in advance. */
function requestOf(
  c: Command,
  run: Run,
): { query: string; variables: Record<string, unknown>; must?: string } {
  const staffOnly = c.user === 0 ? undefined : 'FORBIDDEN';
  switch (c.kind) {
    case 'placeOrder':
      return {
        query:
          'mutation($i: ID!, $q: Int!) { placeOrder(input: { inventoryItemId: $i, quantity: $q }) { id quantity } }',
        variables: { i: run.items[c.item]?.id, q: c.quantity },
        must: c.quantity <= 0 || c.quantity >= INT_OVERFLOW ? 'BAD_USER_INPUT' : undefined,
      };
    case 'cancelOrder': {
      const order = run.orders[c.order % Math.max(run.orders.length, 1)];
      const id = order?.id ?? encodeGlobalID('Order', 999_999);
      const foreign = order !== undefined && c.user !== 0 && order.owner !== c.user;
      return {
        query: 'mutation($id: ID!) { cancelOrder(id: $id) { id status } }',
        variables: { id },
        must: order === undefined || foreign ? 'NOT_FOUND' : order.cancelled ? 'BAD_USER_INPUT' : undefined,
      };
    }
    case 'createCrate':
      return {
        query: 'mutation($w: ID!) { createCrate(input: { name: "crate", warehouseId: $w }) { id } }',
        variables: { w: run.warehouses[c.warehouse] },
        must: staffOnly,
      };
    case 'moveCrate':
      return {
        query: 'mutation($c: ID!, $w: ID!) { updateCrate(input: { id: $c, warehouseId: $w }) { id } }',
        variables: { c: pick(run.crates, c.crate, BOGUS_CRATE), w: run.warehouses[c.warehouse] },
        must: staffOnly,
      };
    case 'moveCrates':
      return {
        query: 'mutation($c: [ID!]!, $w: ID!) { moveCrates(input: { ids: $c, warehouseId: $w }) { id } }',
        variables: {
          c: c.crates.map((i) => pick(run.crates, i, BOGUS_CRATE)),
          w: run.warehouses[c.warehouse],
        },
        must: staffOnly,
      };
    case 'deleteCrate':
      return {
        query: 'mutation($c: ID!) { deleteCrate(id: $c) }',
        variables: { c: pick(run.crates, c.crate, BOGUS_CRATE) },
        must: staffOnly,
      };
    case 'invalid': {
      const bad = [
        {
          query: 'mutation($n: String!) { createWarehouse(input: { name: $n }) { id } }',
          variables: { n: 'n'.repeat(129) },
        },
        {
          query: 'mutation($n: String!) { createWarehouse(input: { name: $n }) { id } }',
          variables: { n: 'a\ud800' },
        },
        {
          query: 'mutation($i: ID!) { placeOrder(input: { inventoryItemId: $i, quantity: 1 }) { id } }',
          variables: { i: 'not-an-id' },
        },
        {
          query: 'mutation($i: ID!) { placeOrder(input: { inventoryItemId: $i, quantity: 1 }) { id } }',
          variables: { i: run.warehouses[0] },
        },
        {
          query: 'mutation($q: Int!) { placeOrder(input: { inventoryItemId: "x", quantity: $q }) { id } }',
          variables: { q: 1.5 },
        },
        { query: 'mutation { createWarehouse(input: { name: "x" }) { id ', variables: {} },
      ][c.which] as { query: string; variables: Record<string, unknown> };
      // the surrogate and the syntax error are refused before anything runs; a customer's
      // createWarehouse is refused by its access rule before its input is looked at
      const must =
        c.which === 5
          ? 'GRAPHQL_PARSE_FAILED'
          : c.which === 0 && c.user !== 0
            ? 'FORBIDDEN'
            : 'BAD_USER_INPUT';
      return { ...bad, must };
    }
  }
}

/** Everything a mutation may change, to show a refused one changed nothing. */
async function snapshot() {
  const r = t.data.reader;
  return JSON.stringify(
    await Promise.all([
      r.warehouse.findMany({ orderBy: { id: 'asc' } }),
      r.crate.findMany({ orderBy: { id: 'asc' } }),
      r.inventoryItem.findMany({ orderBy: { id: 'asc' } }),
      r.order.findMany({ orderBy: { id: 'asc' } }),
      r.notification.findMany({ orderBy: { id: 'asc' } }),
    ]),
  );
}

async function checkInvariants(run: Run) {
  const r = t.data.reader;
  // the newest-crate invariant, for every warehouse
  for (const w of await r.warehouse.findMany({ select: { id: true, newestCrateId: true } })) {
    const newest = await r.crate.findFirst({
      where: { warehouseId: w.id },
      orderBy: { id: 'desc' },
      select: { id: true },
    });
    expect(w.newestCrateId).toBe(newest?.id ?? null);
  }
  // stock = initial − accepted + cancelled, never negative
  for (const item of run.items) {
    const row = await r.inventoryItem.findUniqueOrThrow({
      where: { id: Number(Buffer.from(item.id, 'base64').toString().split(':')[1]) },
    });
    expect(row.quantity).toBe(item.initial - item.accepted + item.cancelled);
    expect(row.quantity).toBeGreaterThanOrEqual(0);
  }
}

type CapturedSignal = Awaited<ReturnType<typeof captureSignals>>['signals'][number];
const eventKey = (model: string, kind: string, rowId: number) => `${model}:${kind}:${rowId}`;
function writesOf(signals: CapturedSignal[]): string[] {
  return signals
    .filter(
      (s) =>
        (s.signal === 'postSave' || s.signal === 'postDelete') && EVENT_MODELS.has(s.sender as ModelName),
    )
    .map((s) =>
      eventKey(s.sender, s.signal === 'postSave' ? 'SAVE' : 'DELETE', (s.instance as { id: number }).id),
    )
    .sort();
}

async function step(c: Command, run: Run) {
  const { query, variables, must } = requestOf(c, run);
  const lastEvent =
    (await t.data.reader.event.findFirst({ orderBy: { id: 'desc' }, select: { id: true } }))?.id ?? 0;
  const before = await snapshot();
  let text = '';
  const { signals } = await captureSignals(async () => {
    const response = await t.app.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[c.user]}` },
      body: JSON.stringify({ query, variables }),
    });
    text = await response.text();
  });
  expect(text).not.toMatch(LEAKS);
  const result = JSON.parse(text) as GqlResult<Record<string, unknown>>;
  const code = result.errors?.[0]?.extensions?.code;
  const outcome = `${c.kind}:${result.errors ? 'refused' : 'ok'}`;
  tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
  const events = await t.data.reader.event.findMany({
    where: { id: { gt: lastEvent } },
    orderBy: { id: 'asc' },
  });
  const recorded = events.map((e) => eventKey(e.model, e.kind, e.rowId)).sort();
  if (result.errors) {
    if (must) expect(code).toBe(must);
    expect(code).not.toBe('INTERNAL_SERVER_ERROR');
    // refused: nothing changed, nothing published
    expect(recorded).toEqual([]);
    expect(await snapshot()).toBe(before);
  } else {
    expect(must).toBeUndefined();
    // one event per committed write of an event model, no more, no fewer
    expect(recorded).toEqual(writesOf(signals));
    expect(recorded.length).toBeGreaterThan(0);
    const data = result.data ?? {};
    if (c.kind === 'placeOrder') {
      const item = run.items[c.item];
      if (item) item.accepted += c.quantity;
      run.orders.push({
        id: (data.placeOrder as { id: string }).id,
        owner: c.user,
        item: c.item,
        quantity: c.quantity,
        cancelled: false,
      });
    }
    if (c.kind === 'cancelOrder') {
      const order = run.orders[c.order % run.orders.length];
      if (order) {
        order.cancelled = true;
        const item = run.items[order.item];
        if (item) item.cancelled += order.quantity;
      }
    }
    if (c.kind === 'createCrate') run.crates.push((data.createCrate as { id: string }).id);
    if (c.kind === 'deleteCrate') run.crates = run.crates.filter((id) => id !== variables.c);
  }
  await checkInvariants(run);
}

async function newRun(): Promise<Run> {
  const staff = tokens[0] as string;
  const run: Run = { warehouses: [], items: [], crates: [], orders: [] };
  for (const name of ['A', 'B', 'C']) {
    const w = await t.gql<{ createWarehouse: { id: string } }>(
      'mutation($n: String!) { createWarehouse(input: { name: $n }) { id } }',
      { n: name },
      staff,
    );
    run.warehouses.push(w.data?.createWarehouse.id as string);
  }
  for (const initial of [5, 12, 0]) {
    const i = await t.gql<{ createInventoryItem: { id: string } }>(
      'mutation($q: Int!) { createInventoryItem(input: { item: "thing", itemCode: 1, itemCondition: "new", quantity: $q }) { id } }',
      { q: initial },
      staff,
    );
    run.items.push({ id: i.data?.createInventoryItem.id as string, initial, accepted: 0, cancelled: 0 });
  }
  return run;
}

it('random mutation sequences keep every invariant after every step', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 30 }), async (commands) => {
      const run = await newRun();
      for (const c of commands) await step(c, run);
    }),
    { numRuns: 20, seed: 11, endOnFailure: true },
  );
  expect(t.masked).toEqual([]);
  for (const kind of ['placeOrder', 'cancelOrder', 'createCrate', 'moveCrate', 'moveCrates', 'deleteCrate']) {
    expect(tally.get(`${kind}:ok`), `${kind} succeeded`).toBeGreaterThan(0);
    expect(tally.get(`${kind}:refused`), `${kind} was refused`).toBeGreaterThan(0);
  }
  expect(tally.get('invalid:refused')).toBeGreaterThan(0);
}, 300_000);
