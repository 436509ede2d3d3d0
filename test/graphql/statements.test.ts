/** No N+1: the nested warehouses query costs the same number of SQL statements for 5 and 50 warehouses. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appStatements, staffApp, type TestApp } from '../support/app.js';

const QUERY = `{
  warehouses(first: 50) {
    edges { node { name newestCrate { name } crates(first: 10) { edges { node { name warehouse { name } } } } } }
  }
}`;

let t: TestApp;
let staff: string;
beforeAll(async () => ({ t, staff } = await staffApp()));
afterAll(() => t.close());

async function addWarehouses(count: number) {
  for (let i = 0; i < count; i++) {
    const w = await t.data.db.warehouse.create({ data: { name: `w${i}` } });
    await t.data.db.crate.createMany({
      data: [0, 1, 2, 3].map((c) => ({ name: `w${i}-c${c}`, warehouseId: w.id })),
    });
  }
}

async function statementsFor(): Promise<{ count: number; edges: number }> {
  t.queries.length = 0;
  const r = await t.gql<{ warehouses: { edges: { node: { newestCrate: { name: string } | null } }[] } }>(
    QUERY,
    {},
    staff,
  );
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  const statements = appStatements(t.queries);
  const count = statements.length;
  return { count, edges: r.data?.warehouses.edges.length ?? 0 };
}

it('5 and 50 warehouses take the same small number of statements', async () => {
  await addWarehouses(5);
  const five = await statementsFor();
  await addWarehouses(45);
  const fifty = await statementsFor();
  expect(five.edges).toBe(5);
  expect(fifty.edges).toBe(50);
  expect(fifty.count).toBe(five.count);
  // warehouses; their newest crates; one page of crate ids per warehouse (one UNION ALL statement,
  // each page an index seek with its LIMIT); those crates; the crates' warehouses (plugin-prisma's
  // batched fallback: the crate, then its warehouse)
  expect(five.count).toBe(6);
});
