/** Every row of test/security/cases/ through the real yoga server, and the docs table in step with it. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../support/app.js';
import { type Body, CASES, casesMarkdown, type Fixture, type Role } from './cases/index.js';

let t: TestApp;
let f: Fixture;
const tokens: Partial<Record<Role, string>> = {};

/** What an answer must never show a client: stack frames, file paths, driver and engine messages. */
const LEAKS = /\n\s+at |node_modules|\.ts:\d|src\/|Prisma|SQLITE|invocation|RangeError|Maximum call stack/;

beforeAll(async () => {
  t = await testApp({ app: { trustProxy: true, corsOrigins: ['https://app.example'] } });
  const send = (init: RequestInit, address: string, headers: Record<string, string> = {}, as?: Role) => {
    const token = as ? tokens[as] : undefined;
    return {
      ...init,
      headers: {
        'x-forwarded-for': address,
        ...(token && { authorization: `Bearer ${token}` }),
        ...(init.headers as Record<string, string> | undefined),
        ...headers,
      },
    };
  };
  f = {
    gql: async (query, variables = {}, o = {}) =>
      t.app.fetch(
        'http://yoga/graphql',
        send(
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query, variables }),
          },
          o.address ?? 'setup',
          o.headers,
          o.as,
        ),
      ),
    fetch: async (where, init = {}, o = {}) =>
      t.app.fetch(`http://yoga${where}`, send(init, o.address ?? 'setup', o.headers, o.as)),
    token: (role) => tokens[role],
    async staff(query, variables = {}) {
      const r = await t.gql(query, variables, tokens.staff);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      return r.data as never;
    },
    ids: { warehouse: '', crate: '', deletedCrate: '', item: '', aliceOrder: '' },
  };
  tokens.staff = (await t.staff()).token;
  tokens.alice = (await t.customer('alice')).token;
  tokens.bob = (await t.customer('bob')).token;
  await t.customer('carol');
  const w = await f.staff<{ createWarehouse: { id: string } }>(
    'mutation { createWarehouse(input: { name: "Main" }) { id } }',
  );
  f.ids.warehouse = w.createWarehouse.id;
  const crate = 'mutation($w: ID!) { createCrate(input: { name: "C", warehouseId: $w }) { id } }';
  f.ids.crate = (
    await f.staff<{ createCrate: { id: string } }>(crate, { w: f.ids.warehouse })
  ).createCrate.id;
  f.ids.deletedCrate = (
    await f.staff<{ createCrate: { id: string } }>(crate, { w: f.ids.warehouse })
  ).createCrate.id;
  await f.staff('mutation($c: ID!) { deleteCrate(id: $c) }', { c: f.ids.deletedCrate });
  const item = await f.staff<{ createInventoryItem: { id: string } }>(
    'mutation { createInventoryItem(input: { item: "widget", itemCode: 7, itemCondition: "new", quantity: 100 }) { id } }',
  );
  f.ids.item = item.createInventoryItem.id;
  const order = await t.gql<{ placeOrder: { id: string } }>(
    'mutation($i: ID!) { placeOrder(input: { inventoryItemId: $i, quantity: 1 }) { id } }',
    { i: f.ids.item },
    tokens.alice,
  );
  f.ids.aliceOrder = order.data?.placeOrder.id ?? '';
});
afterAll(() => t.close());

describe('bad inputs and abuse cases', () => {
  it('there are at least 60 of them', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  it.each(CASES.map((c, i) => [i + 1, c.sent, c] as const))('%i: %s', async (n, _sent, c) => {
    const response = await c.run(f, { as: c.as, address: `case-${n}` });
    const text = await response.text();
    expect(text).not.toMatch(LEAKS);
    expect(text.length).toBeLessThan(4_000); // no input echoed back whole
    const body = (text === '' ? {} : JSON.parse(text)) as Body;
    expect({ status: response.status, code: body.errors?.[0]?.extensions?.code ?? null }).toEqual({
      status: c.expect.status,
      code: c.expect.code,
    });
    c.expect.check?.(body, response);
  });

  it('none of them was an unexpected (masked) error', () => {
    expect(t.masked).toEqual([]);
  });
});

it('docs/abuse-cases.md is the table printed from test/security/cases/ (npm run docs:abuse)', () => {
  const file = path.resolve(import.meta.dirname, '../../docs/abuse-cases.md');
  expect(fs.readFileSync(file, 'utf8')).toBe(casesMarkdown());
});
