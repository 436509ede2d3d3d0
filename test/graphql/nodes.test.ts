/** node / nodes across types: batched, one statement per type however many IDs. */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appStatements, staffApp, type TestApp } from '../support/app.js';

let t: TestApp;
let staff: string;
beforeAll(async () => ({ t, staff } = await staffApp()));
afterAll(() => t.close());

it('nodes(ids) of 2 types costs one statement per type, for 4 ids as for 40', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const w = await t.data.db.warehouse.create({ data: { name: `w${i}` } });
    const c = await t.data.db.crate.create({ data: { name: `c${i}`, warehouseId: w.id } });
    ids.push(encodeGlobalID('Warehouse', w.id), encodeGlobalID('Crate', c.id));
  }
  const query =
    'query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Warehouse { name } ... on Crate { name } } }';
  const counts: number[] = [];
  for (const some of [ids.slice(0, 4), ids]) {
    t.queries.length = 0;
    const r = await t.gql<{ nodes: { id: string }[] }>(query, { ids: some }, staff);
    expect(r.errors).toBeUndefined();
    expect(r.data?.nodes.map((n) => n.id)).toEqual(some);
    counts.push(appStatements(t.queries).length);
  }
  expect(counts).toEqual([2, 2]);
});
