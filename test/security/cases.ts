/**
 * Bad inputs and abuse cases, each with what the server answers. test/security/cases.test.ts runs
 * every row through the real yoga server; scripts/abuse-cases.ts prints the table as
 * docs/abuse-cases.md (a test fails when the two drift apart).
 */
import assert from 'node:assert/strict';
import { encodeGlobalID } from '@pothos/plugin-relay';

export type Role = 'anonymous' | 'alice' | 'bob' | 'staff';

export interface Fixture {
  /** POST /graphql as JSON, from `address` (X-Forwarded-For: the test app trusts it). */
  gql(query: string, variables?: Record<string, unknown>, options?: Send): Promise<Response>;
  /** Any request to the app. */
  fetch(path: string, init?: RequestInit, options?: Send): Promise<Response>;
  ids: { warehouse: string; crate: string; deletedCrate: string; item: string; aliceOrder: string };
  token(role: Role): string | undefined;
  /** A STAFF mutation for a case's own set-up; fails the case if it is refused. */
  staff<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

export interface Send {
  as?: Role;
  /** The client address (X-Forwarded-For); each case gets its own unless it sets one. */
  address?: string;
  headers?: Record<string, string>;
}

export interface Expect {
  status: number;
  /** extensions.code of the first error, or null for an answer without errors. */
  code: string | null;
  /** What else the answer shows (documentation). */
  note?: string;
  check?: (body: Body, response: Response) => void;
}

export interface Body {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export interface AbuseCase {
  area:
    | 'document limits'
    | 'text and numbers'
    | 'variables and arguments'
    | 'IDs'
    | 'access'
    | 'sign-in'
    | 'HTTP';
  /** What the client sends. */
  sent: string;
  as: Role;
  run(f: Fixture, send: Send): Promise<Response>;
  expect: Expect;
}

const MB = 'x'.repeat(1024 * 1024);
/** Long, yet inside the body limit: refused by the field's own limit. */
const KB100 = 'x'.repeat(100 * 1024);
const INT_MAX = 2 ** 31 - 1;
const deep = (open: string, close: string, n: number, inner = '') =>
  `${open.repeat(n)}${inner}${close.repeat(n)}`;
const CREATE_WAREHOUSE =
  'mutation($name: String!, $address: String) { createWarehouse(input: { name: $name, address: $address }) { id } }';
const PLACE =
  'mutation($i: ID!, $q: Int!) { placeOrder(input: { inventoryItemId: $i, quantity: $q }) { id } }';
const SIGN_UP =
  'mutation($u: String!, $p: String!) { signUp(input: { username: $u, password: $p }) { token } }';
const LOG_IN =
  'mutation($u: String!, $p: String!) { logIn(input: { username: $u, password: $p }) { token user { username } } }';
const NODE = 'query($id: ID!) { node(id: $id) { id } }';

const ok = (note?: string, check?: Expect['check']): Expect => ({ status: 200, code: null, note, check });
const refused = (code: string, status = 200, note?: string, check?: Expect['check']): Expect => ({
  status,
  code,
  note,
  check,
});
const nodeIsNull: Expect['check'] = (body) => assert.equal(body.data?.node, null);
const shortMessage: Expect['check'] = (body) => assert.ok((body.errors?.[0]?.message.length ?? 0) < 200);

/** Repeats a request `times` times and answers the last response. */
async function repeat(times: number, send: () => Promise<Response>): Promise<Response> {
  let last = await send();
  for (let i = 1; i < times; i++) {
    await last.text();
    last = await send();
  }
  return last;
}

export const CASES: AbuseCase[] = [
  // ── document limits ────────────────────────────────────────────────────────────────
  {
    area: 'document limits',
    sent: '219-byte query nesting `me.orders.orderedBy.orders…` (depth 13)',
    as: 'alice',
    run: (f, s) =>
      f.gql(
        `{ me { orders { edges { node { orderedBy { orders { edges { node { orderedBy { orders { edges { node { id } } } } } } } } } } } } }`,
        {},
        s,
      ),
    expect: refused('GRAPHQL_VALIDATION_FAILED', 200, 'depth limit (MAX_DEPTH, 10)'),
  },
  {
    area: 'document limits',
    sent: '20 aliases of `warehouses`',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: warehouses { edges { cursor } }`).join(' ')} }`,
        {},
        s,
      ),
    expect: refused('GRAPHQL_VALIDATION_FAILED', 200, 'alias limit (MAX_ALIASES, 15)'),
  },
  {
    area: 'document limits',
    sent: '1,000 aliases of `warehouses`',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: warehouses { edges { cursor } }`).join(' ')} }`,
        {},
        s,
      ),
    expect: refused('GRAPHQL_PARSE_FAILED', 200, 'token limit (MAX_TOKENS, 2,000), before any work'),
  },
  {
    area: 'document limits',
    sent: '`warehouses(first: 100)` → `crates(first: 100)` → `warehouse` → `crates(first: 100)`',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        '{ warehouses(first: 100) { edges { node { crates(first: 100) { edges { node { warehouse { crates(first: 100) { edges { node { name } } } } } } } } } } }',
        {},
        s,
      ),
    expect: refused('GRAPHQL_VALIDATION_FAILED', 200, 'cost limit (MAX_COST, 20,000)'),
  },
  {
    area: 'document limits',
    sent: '20 `@include(if: true)` directives on one field',
    as: 'staff',
    run: (f, s) => f.gql(`{ __typename ${'@include(if: true) '.repeat(20)} }`, {}, s),
    expect: refused('GRAPHQL_VALIDATION_FAILED', 200, 'directive limit (MAX_DIRECTIVES, 10)'),
  },
  {
    area: 'document limits',
    sent: 'a selection set nested 3,000 deep',
    as: 'anonymous',
    run: (f, s) => f.gql(`{ warehouses ${deep('{ edges ', '}', 3000)} }`, {}, s),
    expect: refused('GRAPHQL_PARSE_FAILED', 200, 'refused by a scan before parsing: no stack overflow'),
  },
  {
    area: 'document limits',
    sent: 'a list literal nested 3,000 deep',
    as: 'anonymous',
    run: (f, s) => f.gql(`{ nodes(ids: ${deep('[', ']', 3000)}) { id } }`, {}, s),
    expect: refused('GRAPHQL_PARSE_FAILED', 200),
  },
  {
    area: 'document limits',
    sent: 'an input object literal nested 3,000 deep',
    as: 'staff',
    run: (f, s) =>
      f.gql(`mutation { createWarehouse(input: ${deep('{ name: ', '}', 3000, '"x"')}) { id } }`, {}, s),
    expect: refused('GRAPHQL_PARSE_FAILED', 200),
  },
  {
    area: 'document limits',
    sent: '`{{{…a…}}}`: 3,000 bare braces deep',
    as: 'anonymous',
    run: (f, s) => f.gql(deep('{', '}', 3000, 'a'), {}, s),
    expect: refused('GRAPHQL_PARSE_FAILED', 200),
  },
  {
    area: 'document limits',
    sent: '3,000 fields in one selection (6,000 tokens)',
    as: 'anonymous',
    run: (f, s) => f.gql(`{ ${'__typename '.repeat(3000)} }`, {}, s),
    expect: refused('GRAPHQL_PARSE_FAILED', 200, 'token limit'),
  },
  {
    area: 'document limits',
    sent: 'a 2 MB document',
    as: 'anonymous',
    run: (f, s) => f.gql(`{ __typename ${' '.repeat(2_000_000)} }`, {}, s),
    expect: refused('GRAPHQL_PARSE_FAILED', 413, 'body limit (MAX_BODY_BYTES, 256 KiB)'),
  },
  {
    area: 'document limits',
    sent: 'a syntax error',
    as: 'anonymous',
    run: (f, s) => f.gql('{ warehouses(', {}, s),
    expect: refused('GRAPHQL_PARSE_FAILED', 200),
  },
  {
    area: 'document limits',
    sent: 'an unknown field',
    as: 'anonymous',
    run: (f, s) => f.gql('{ nope }', {}, s),
    expect: refused('GRAPHQL_VALIDATION_FAILED', 200),
  },
  {
    area: 'document limits',
    sent: 'two operations in a JSON array (batching)',
    as: 'anonymous',
    run: (f, s) =>
      f.fetch(
        '/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
        },
        s,
      ),
    expect: refused('BAD_USER_INPUT', 400, 'batching is off'),
  },
  {
    area: 'document limits',
    sent: 'a body that is not JSON',
    as: 'anonymous',
    run: (f, s) =>
      f.fetch(
        '/graphql',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' },
        s,
      ),
    expect: refused('BAD_USER_INPUT', 400),
  },
  {
    area: 'document limits',
    sent: 'a POST with no query',
    as: 'anonymous',
    run: (f, s) =>
      f.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  // ── text and numbers ───────────────────────────────────────────────────────────────
  {
    area: 'text and numbers',
    sent: 'a 1 MB `address`',
    as: 'staff',
    run: (f, s) => f.gql(CREATE_WAREHOUSE, { name: 'W', address: MB }, s),
    expect: refused('GRAPHQL_PARSE_FAILED', 413, 'over the body limit: never read whole'),
  },
  {
    area: 'text and numbers',
    sent: 'a 100 KB `address`',
    as: 'staff',
    run: (f, s) => f.gql(CREATE_WAREHOUSE, { name: 'W', address: KB100 }, s),
    expect: refused('BAD_USER_INPUT', 200, 'address ≤ 2,000 characters', shortMessage),
  },
  {
    area: 'text and numbers',
    sent: 'a 100 KB crate `description`',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'mutation($w: ID!, $d: String) { createCrate(input: { name: "c", description: $d, warehouseId: $w }) { id } }',
        { w: f.ids.warehouse, d: KB100 },
        s,
      ),
    expect: refused('BAD_USER_INPUT', 200, 'description ≤ 2,000 characters', shortMessage),
  },
  {
    area: 'text and numbers',
    sent: 'a warehouse name of 129 characters',
    as: 'staff',
    run: (f, s) => f.gql(CREATE_WAREHOUSE, { name: 'n'.repeat(129) }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'a crate name of 65 characters (updateCrate)',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        `mutation($c: ID!) { updateCrate(input: { id: $c, name: "${'n'.repeat(65)}" }) { id } }`,
        { c: f.ids.crate },
        s,
      ),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'an inventory `item` of 21 characters',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'mutation { createInventoryItem(input: { item: "' +
          'i'.repeat(21) +
          '", itemCode: 1, itemCondition: "new", quantity: 1 }) { id } }',
        {},
        s,
      ),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'an `itemCondition` of 51 characters (updateInventoryItem)',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'mutation($i: ID!) { updateInventoryItem(input: { id: $i, itemCondition: "' +
          'c'.repeat(51) +
          '" }) { id } }',
        { i: f.ids.item },
        s,
      ),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'a blank warehouse name `"   "`',
    as: 'staff',
    run: (f, s) => f.gql(CREATE_WAREHOUSE, { name: '   ' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'a lone UTF-16 surrogate in a warehouse name',
    as: 'staff',
    run: (f, s) => f.gql(CREATE_WAREHOUSE, { name: 'a\ud800b' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'a lone UTF-16 surrogate in a signUp username',
    as: 'anonymous',
    run: (f, s) => f.gql(SIGN_UP, { u: 'eve\udc00', p: 'password-123' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'a 100 KB username to logIn',
    as: 'anonymous',
    run: (f, s) => f.gql(LOG_IN, { u: KB100, p: 'password-123' }, s),
    expect: refused('BAD_USER_INPUT', 200, 'the message quotes no more than a short prefix', shortMessage),
  },
  {
    area: 'text and numbers',
    sent: 'a 100 KB username to signUp',
    as: 'anonymous',
    run: (f, s) => f.gql(SIGN_UP, { u: KB100, p: 'password-123' }, s),
    expect: refused('BAD_USER_INPUT', 200, undefined, shortMessage),
  },
  {
    area: 'text and numbers',
    sent: 'stock raised to 2^31−1, then an order of it cancelled (stock would pass 2^31−1)',
    as: 'alice',
    run: async (f, s) => {
      const made = await f.staff<{ createInventoryItem: { id: string } }>(
        'mutation { createInventoryItem(input: { item: "max", itemCode: 9, itemCondition: "new", quantity: 10 }) { id } }',
      );
      const item = made.createInventoryItem.id;
      const order = (await (await f.gql(PLACE, { i: item, q: 5 }, s)).json()) as {
        data: { placeOrder: { id: string } };
      };
      await f.staff(
        'mutation($i: ID!, $q: Int!) { updateInventoryItem(input: { id: $i, quantity: $q }) { id } }',
        { i: item, q: INT_MAX },
      );
      const cancel = await f.gql(
        'mutation($o: ID!) { cancelOrder(id: $o) { status } }',
        { o: order.data.placeOrder.id },
        s,
      );
      const read = (await (
        await f.gql('query($i: ID!) { node(id: $i) { ... on InventoryItem { quantity } } }', { i: item }, s)
      ).json()) as Body;
      assert.deepEqual(read.data?.node, { quantity: INT_MAX }); // still readable
      return cancel;
    },
    expect: refused(
      'BAD_USER_INPUT',
      200,
      'a CHECK constraint keeps stock ≤ 2^31−1; the item stays readable',
    ),
  },
  {
    area: 'text and numbers',
    sent: 'createInventoryItem with quantity −1',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'mutation { createInventoryItem(input: { item: "neg", itemCode: 1, itemCondition: "new", quantity: -1 }) { id } }',
        {},
        s,
      ),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'placeOrder quantity 0',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item, q: 0 }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'placeOrder quantity −5',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item, q: -5 }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'placeOrder of more than the stock',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item, q: INT_MAX }, s),
    expect: refused('OUT_OF_STOCK', 200, 'names the item and the quantity available'),
  },
  // ── variables and arguments ──────────────────────────────────────────────────────────
  {
    area: 'variables and arguments',
    sent: 'quantity `1.5`',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item, q: 1.5 }, s),
    expect: refused('BAD_USER_INPUT', 200),
  },
  {
    area: 'variables and arguments',
    sent: 'quantity `2^31`',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item, q: 2 ** 31 }, s),
    expect: refused('BAD_USER_INPUT', 200),
  },
  {
    area: 'variables and arguments',
    sent: 'quantity `"1"` (a string)',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item, q: '1' }, s),
    expect: refused('BAD_USER_INPUT', 200),
  },
  {
    area: 'variables and arguments',
    sent: 'quantity `null` for `Int!`',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item, q: null }, s),
    expect: refused('BAD_USER_INPUT', 400),
  },
  {
    area: 'variables and arguments',
    sent: 'a required variable left out',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item }, s),
    expect: refused('BAD_USER_INPUT', 400),
  },
  {
    area: 'variables and arguments',
    sent: 'a 100 KB string where an Int goes',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item, q: KB100 }, s),
    expect: refused('BAD_USER_INPUT', 200, 'the value is quoted as a short prefix', shortMessage),
  },
  {
    area: 'variables and arguments',
    sent: 'itemCode `2^31` (literal)',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'mutation { createInventoryItem(input: { item: "x", itemCode: 2147483648, itemCondition: "new", quantity: 1 }) { id } }',
        {},
        s,
      ),
    expect: refused('GRAPHQL_VALIDATION_FAILED', 200),
  },
  {
    area: 'variables and arguments',
    sent: '`warehouses(first: -1)`',
    as: 'staff',
    run: (f, s) => f.gql('{ warehouses(first: -1) { edges { node { id } } } }', {}, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'variables and arguments',
    sent: '`warehouses(after: "zzz")` (not a cursor)',
    as: 'staff',
    run: (f, s) => f.gql('{ warehouses(after: "zzz") { edges { node { id } } } }', {}, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'variables and arguments',
    sent: '`crates(after: "zzz")` (not a crates cursor)',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'query($w: ID!) { node(id: $w) { ... on Warehouse { crates(after: "zzz") { edges { node { id } } } } } }',
        { w: f.ids.warehouse },
        s,
      ),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'variables and arguments',
    sent: '`inventoryItems(last: -1)`',
    as: 'alice',
    run: (f, s) => f.gql('{ inventoryItems(last: -1) { edges { node { id } } } }', {}, s),
    expect: refused('BAD_USER_INPUT'),
  },
  // ── IDs ─────────────────────────────────────────────────────────────────────────────
  {
    area: 'IDs',
    sent: '`node(id: "zzz")` (not a global ID)',
    as: 'staff',
    run: (f, s) => f.gql(NODE, { id: 'zzz' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'IDs',
    sent: '`node` of an ID of an unknown type (`Foo:1`)',
    as: 'staff',
    run: (f, s) => f.gql(NODE, { id: encodeGlobalID('Foo', 1) }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'IDs',
    sent: '`node` of `Warehouse:abc` (not a row id)',
    as: 'staff',
    run: (f, s) => f.gql(NODE, { id: encodeGlobalID('Warehouse', 'abc') }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'IDs',
    sent: '`node` of a 100 KB ID',
    as: 'staff',
    run: (f, s) => f.gql(NODE, { id: KB100 }, s),
    expect: refused('BAD_USER_INPUT', 200, 'quotes a short prefix', shortMessage),
  },
  {
    area: 'IDs',
    sent: '`node` of a well-formed ID with no row',
    as: 'staff',
    run: (f, s) => f.gql(NODE, { id: encodeGlobalID('Warehouse', 999_999) }, s),
    expect: ok('`node: null`', nodeIsNull),
  },
  {
    area: 'IDs',
    sent: '`node` of a deleted crate',
    as: 'staff',
    run: (f, s) => f.gql(NODE, { id: f.ids.deletedCrate }, s),
    expect: ok('`node: null`', nodeIsNull),
  },
  {
    area: 'IDs',
    sent: '`nodes([missing, existing])`',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
        { ids: [f.ids.deletedCrate, f.ids.warehouse] },
        s,
      ),
    expect: ok('`[null, {id}]`: the others answer normally', (body) =>
      assert.deepEqual(
        ((body.data?.nodes ?? []) as unknown[]).map((n) => n === null),
        [true, false],
      ),
    ),
  },
  {
    area: 'IDs',
    sent: '`nodes` of 101 IDs',
    as: 'staff',
    run: (f, s) =>
      f.gql('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: Array(101).fill(f.ids.warehouse) }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'IDs',
    sent: 'placeOrder with a Crate ID as `inventoryItemId`',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.crate, q: 1 }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'IDs',
    sent: 'placeOrder of an item that does not exist',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: encodeGlobalID('InventoryItem', 999_999), q: 1 }, s),
    expect: refused('NOT_FOUND'),
  },
  {
    area: 'IDs',
    sent: 'updateCrate of a deleted crate',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'mutation($c: ID!) { updateCrate(input: { id: $c, name: "x" }) { id } }',
        { c: f.ids.deletedCrate },
        s,
      ),
    expect: refused('NOT_FOUND'),
  },
  {
    area: 'IDs',
    sent: 'moveCrates with one deleted crate among them',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'mutation($c: [ID!]!, $w: ID!) { moveCrates(input: { ids: $c, warehouseId: $w }) { id } }',
        { c: [f.ids.crate, f.ids.deletedCrate], w: f.ids.warehouse },
        s,
      ),
    expect: refused('NOT_FOUND'),
  },
  {
    area: 'IDs',
    sent: 'deleteCrate of a 100 KB ID',
    as: 'staff',
    run: (f, s) => f.gql('mutation($c: ID!) { deleteCrate(id: $c) }', { c: KB100 }, s),
    expect: refused('BAD_USER_INPUT', 200, undefined, shortMessage),
  },
  // ── access ──────────────────────────────────────────────────────────────────────────
  {
    area: 'access',
    sent: "`node` of another customer's order",
    as: 'bob',
    run: (f, s) =>
      f.gql('query($id: ID!) { node(id: $id) { ... on Order { ordNumber } } }', { id: f.ids.aliceOrder }, s),
    expect: ok('`node: null`, as for a missing order', nodeIsNull),
  },
  {
    area: 'access',
    sent: "cancelOrder of another customer's order",
    as: 'bob',
    run: (f, s) => f.gql('mutation($id: ID!) { cancelOrder(id: $id) { id } }', { id: f.ids.aliceOrder }, s),
    expect: refused('NOT_FOUND', 200, 'the answer of a missing order'),
  },
  {
    area: 'access',
    sent: '`node` of a warehouse, as a customer',
    as: 'alice',
    run: (f, s) =>
      f.gql('query($id: ID!) { node(id: $id) { ... on Warehouse { name } } }', { id: f.ids.warehouse }, s),
    expect: ok('`node: null`', nodeIsNull),
  },
  {
    area: 'access',
    sent: 'createWarehouse, signed out',
    as: 'anonymous',
    run: (f, s) => f.gql(CREATE_WAREHOUSE, { name: 'W' }, s),
    expect: refused('UNAUTHENTICATED'),
  },
  {
    area: 'access',
    sent: 'createWarehouse, as a customer',
    as: 'alice',
    run: (f, s) => f.gql(CREATE_WAREHOUSE, { name: 'W' }, s),
    expect: refused('FORBIDDEN'),
  },
  {
    area: 'access',
    sent: 'a forged bearer token',
    as: 'anonymous',
    run: (f, s) => f.gql('{ me { id } }', {}, { ...s, headers: { authorization: 'Bearer forged-token' } }),
    expect: refused('UNAUTHENTICATED', 401),
  },
  {
    area: 'access',
    sent: 'a 100 KB Authorization header',
    as: 'anonymous',
    run: (f, s) => f.gql('{ me { id } }', {}, { ...s, headers: { authorization: `Bearer ${KB100}` } }),
    expect: refused('UNAUTHENTICATED', 401),
  },
  {
    area: 'access',
    sent: 'a token used again after logOut',
    as: 'anonymous',
    run: async (f, s) => {
      const signedUp = (await (await f.gql(SIGN_UP, { u: 'leaver', p: 'password-123' }, s)).json()) as {
        data: { signUp: { token: string } };
      };
      const headers = { authorization: `Bearer ${signedUp.data.signUp.token}` };
      const out = (await (await f.gql('mutation { logOut }', {}, { ...s, headers })).json()) as Body;
      assert.deepEqual(out.data, { logOut: true });
      return f.gql('{ me { id } }', {}, { ...s, headers });
    },
    expect: refused('UNAUTHENTICATED', 401, 'logOut revokes the token (and drops it from the token cache)'),
  },
  {
    area: 'access',
    sent: 'logOut, signed out',
    as: 'anonymous',
    run: (f, s) => f.gql('mutation { logOut }', {}, s),
    expect: refused('UNAUTHENTICATED'),
  },
  // ── sign-in ─────────────────────────────────────────────────────────────────────────
  {
    area: 'sign-in',
    sent: 'signUp `Admin` beside `admin`',
    as: 'anonymous',
    run: (f, s) => f.gql(SIGN_UP, { u: 'Admin', p: 'password-123' }, s),
    expect: refused('BAD_USER_INPUT', 200, 'usernames are NFKC + case-folded and unique'),
  },
  {
    area: 'sign-in',
    sent: 'signUp `ALICE` beside `alice`',
    as: 'anonymous',
    run: (f, s) => f.gql(SIGN_UP, { u: 'ALICE', p: 'password-123' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'sign-in',
    sent: 'signUp full-width `ａｌｉｃｅ` beside `alice`',
    as: 'anonymous',
    run: (f, s) => f.gql(SIGN_UP, { u: 'ａｌｉｃｅ', p: 'password-123' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'sign-in',
    sent: "logIn `ALICE` with alice's password",
    as: 'anonymous',
    run: (f, s) => f.gql(LOG_IN, { u: 'ALICE', p: 'password-123' }, s),
    expect: ok('signed in as `alice`', (body) =>
      assert.equal(
        (body.data?.logIn as { user?: { username: string } } | undefined)?.user?.username,
        'alice',
      ),
    ),
  },
  {
    area: 'sign-in',
    sent: 'logIn of an unknown username',
    as: 'anonymous',
    run: (f, s) => f.gql(LOG_IN, { u: 'nobody-here', p: 'password-123' }, s),
    expect: refused(
      'UNAUTHENTICATED',
      200,
      'the same message as a wrong password (and a dummy hash is checked)',
      (body) => assert.equal(body.errors?.[0]?.message, 'Wrong username or password'),
    ),
  },
  {
    area: 'sign-in',
    sent: 'logIn with a wrong password',
    as: 'anonymous',
    run: (f, s) => f.gql(LOG_IN, { u: 'bob', p: 'wrong-password' }, s),
    expect: refused('UNAUTHENTICATED', 200, undefined, (body) =>
      assert.equal(body.errors?.[0]?.message, 'Wrong username or password'),
    ),
  },
  {
    area: 'sign-in',
    sent: '11 wrong passwords for one username, from 11 addresses',
    as: 'anonymous',
    run: async (f, s) => {
      let n = 0;
      return repeat(11, () =>
        f.gql(LOG_IN, { u: 'carol', p: 'wrong-password' }, { ...s, address: `${s.address}-${n++}` }),
      );
    },
    expect: refused(
      'TOO_MANY_REQUESTS',
      429,
      '`retryAfter` in seconds (AUTH_FAILURES_PER_USERNAME, 10)',
      (body) => assert.ok(Number(body.errors?.[0]?.extensions?.retryAfter) > 0),
    ),
  },
  {
    area: 'sign-in',
    sent: 'the right password after 10 wrong ones',
    as: 'anonymous',
    run: async (f, s) => {
      await f.gql(SIGN_UP, { u: 'dave', p: 'password-123' }, { ...s, address: `${s.address}-signup` });
      let n = 0;
      await repeat(10, () =>
        f.gql(LOG_IN, { u: 'dave', p: 'wrong-password' }, { ...s, address: `${s.address}-${n++}` }),
      );
      return f.gql(LOG_IN, { u: 'dave', p: 'password-123' }, { ...s, address: `${s.address}-last` });
    },
    expect: refused('TOO_MANY_REQUESTS', 429, 'guessing is stopped, not just slowed'),
  },
  {
    area: 'sign-in',
    sent: '31 logIns from one address',
    as: 'anonymous',
    run: (f, s) => repeat(31, () => f.gql(LOG_IN, { u: 'bob', p: 'password-123' }, s)),
    expect: refused('TOO_MANY_REQUESTS', 429, 'AUTH_ATTEMPTS_PER_ADDRESS, 30 per 15 min', (body) =>
      assert.ok(Number(body.errors?.[0]?.extensions?.retryAfter) > 0),
    ),
  },
  {
    area: 'sign-in',
    sent: '31 signUps from one address',
    as: 'anonymous',
    run: async (f, s) => {
      let n = 0;
      return repeat(31, () => f.gql(SIGN_UP, { u: `flood${n++}`, p: 'password-123' }, s));
    },
    expect: refused('TOO_MANY_REQUESTS', 429),
  },
  {
    area: 'sign-in',
    sent: '16 aliased logIns in one request',
    as: 'anonymous',
    run: (f, s) =>
      f.gql(
        `mutation { ${Array.from({ length: 16 }, (_, i) => `l${i}: logIn(input: { username: "bob", password: "x${i}xxxxxxx" }) { token }`).join(' ')} }`,
        {},
        s,
      ),
    expect: refused('GRAPHQL_VALIDATION_FAILED', 200, 'the alias limit holds for mutations too'),
  },
  {
    area: 'sign-in',
    sent: 'signUp with a 7-character password',
    as: 'anonymous',
    run: (f, s) => f.gql(SIGN_UP, { u: 'shorty', p: 'short12' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'sign-in',
    sent: 'signUp with a space in the username',
    as: 'anonymous',
    run: (f, s) => f.gql(SIGN_UP, { u: 'a b c', p: 'password-123' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  // ── HTTP ────────────────────────────────────────────────────────────────────────────
  {
    area: 'HTTP',
    sent: 'a mutation as an `application/x-www-form-urlencoded` POST',
    as: 'staff',
    run: (f, s) =>
      f.fetch(
        '/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `query=${encodeURIComponent('mutation { createWarehouse(input: { name: "csrf" }) { id } }')}`,
        },
        s,
      ),
    expect: refused('FORBIDDEN', 403, 'CSRF prevention: a browser sends this cross-site without a preflight'),
  },
  {
    area: 'HTTP',
    sent: 'a mutation as a `multipart/form-data` POST',
    as: 'staff',
    run: (f, s) => {
      const form = new FormData();
      form.set(
        'operations',
        JSON.stringify({ query: 'mutation { createWarehouse(input: { name: "csrf" }) { id } }' }),
      );
      return f.fetch('/graphql', { method: 'POST', body: form }, s);
    },
    expect: refused('FORBIDDEN', 403),
  },
  {
    area: 'HTTP',
    sent: 'a `text/plain` POST',
    as: 'staff',
    run: (f, s) =>
      f.fetch(
        '/graphql',
        { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ __typename }"}' },
        s,
      ),
    expect: refused('FORBIDDEN', 403),
  },
  {
    area: 'HTTP',
    sent: 'a GET query without a CSRF header',
    as: 'anonymous',
    run: (f, s) => f.fetch(`/graphql?query=${encodeURIComponent('{ __typename }')}`, { method: 'GET' }, s),
    expect: refused('FORBIDDEN', 403),
  },
  {
    area: 'HTTP',
    sent: 'a GET query with `x-graphql-csrf: 1`',
    as: 'anonymous',
    run: (f, s) =>
      f.fetch(
        `/graphql?query=${encodeURIComponent('{ __typename }')}`,
        { method: 'GET' },
        { ...s, headers: { 'x-graphql-csrf': '1' } },
      ),
    expect: ok(),
  },
  {
    area: 'HTTP',
    sent: 'a mutation as a GET (with the CSRF header)',
    as: 'staff',
    run: (f, s) =>
      f.fetch(
        `/graphql?query=${encodeURIComponent('mutation { logOut }')}`,
        { method: 'GET' },
        { ...s, headers: { 'x-graphql-csrf': '1' } },
      ),
    expect: refused('BAD_USER_INPUT', 405),
  },
  {
    area: 'HTTP',
    sent: 'a request from an origin not in CORS_ORIGINS',
    as: 'staff',
    run: (f, s) => f.gql('{ __typename }', {}, { ...s, headers: { origin: 'https://evil.example' } }),
    expect: ok(
      'no `Access-Control-Allow-Origin`: the browser keeps the answer from the page',
      (_body, response) => assert.equal(response.headers.get('access-control-allow-origin'), null),
    ),
  },
  {
    area: 'HTTP',
    sent: 'a CORS preflight from an origin in CORS_ORIGINS',
    as: 'anonymous',
    run: (f, s) =>
      f.fetch(
        '/graphql',
        {
          method: 'OPTIONS',
          headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
        },
        s,
      ),
    expect: {
      status: 204,
      code: null,
      note: 'that origin (never a reflection of any origin), with credentials',
      check: (_body, response) => {
        assert.equal(response.headers.get('access-control-allow-origin'), 'https://app.example');
        assert.equal(response.headers.get('access-control-allow-credentials'), 'true');
      },
    },
  },
  {
    area: 'HTTP',
    sent: '11 graphql-sse stream reservations (PUT) from one address',
    as: 'anonymous',
    run: (f, s) => repeat(11, () => f.fetch('/graphql', { method: 'PUT' }, s)),
    expect: refused(
      'TOO_MANY_REQUESTS',
      429,
      'SSE_RESERVATIONS_PER_ADDRESS, 10 unused at a time; unused ones expire',
    ),
  },
  {
    area: 'HTTP',
    sent: 'a request that fails: the request id',
    as: 'anonymous',
    run: (f, s) => f.gql('{ nope }', {}, { ...s, headers: { 'x-request-id': 'client-chosen-42' } }),
    expect: refused(
      'GRAPHQL_VALIDATION_FAILED',
      200,
      'the `X-Request-Id` header answers the id the log line carries',
      (_body, response) => assert.equal(response.headers.get('x-request-id'), 'client-chosen-42'),
    ),
  },
];

/** The rows as docs/abuse-cases.md shows them. */
export function casesMarkdown(cases: readonly AbuseCase[] = CASES): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [
    '# Bad inputs and abuse cases',
    '',
    'What the server answers to each. Generated from `test/security/cases.ts` by `npm run docs:abuse`;',
    'every row is a test (`test/security/cases.test.ts`) through the real yoga server, which also checks',
    'that no answer carries a stack trace or an internal message. Limits are the defaults of',
    '`src/server/config.ts` (README, "Operations / limits").',
    '',
    '| # | area | sent | as | answer | notes |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  cases.forEach((c, i) => {
    const answer = `${c.expect.code ?? 'data, no error'} (HTTP ${c.expect.status})`;
    lines.push(
      `| ${i + 1} | ${c.area} | ${cell(c.sent)} | ${c.as} | ${answer} | ${cell(c.expect.note ?? '')} |`,
    );
  });
  return `${lines.join('\n')}\n`;
}
