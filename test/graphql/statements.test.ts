/** No N+1: the nested warehouses query costs the same number of SQL statements for 5 and 50 warehouses. */
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
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

it('SQLite: createCrate and placeOrder: one unit each, with the statements listed', async () => {
  // The list is SQLite's statements in its group-commit batch: a SQLite app of its own.
  const { t, staff } = await staffApp({ sqlite: true });
  onTestFinished(() => t.close());
  const run = async <T>(query: string, variables: Record<string, unknown>, token = staff) => {
    const r = await t.gql<T>(query, variables, token);
    if (!r.data) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };
  const { createWarehouse } = await run<{ createWarehouse: { id: string } }>(
    'mutation { createWarehouse(input: { name: "counted" }) { id } }',
    {},
  );
  const { createInventoryItem } = await run<{ createInventoryItem: { id: string } }>(
    'mutation { createInventoryItem(input: { item: "counted", itemCode: 1, itemCondition: "new", quantity: 9 }) { id } }',
    {},
  );
  const buyer = await t.customer('counted-buyer');
  const kinds = () =>
    appStatements(t.queries).map((q) =>
      q.startsWith('SAVEPOINT') || q.startsWith('RELEASE')
        ? q.split(' ')[0]
        : q.startsWith('SELECT')
          ? // Prisma's SQL and the fast path's (src/db/fast) name the table differently: keep the table
            `SELECT ${q.match(/ FROM [`"]?(?:main[`"]?\.[`"]?)?(\w+)/)?.[1] ?? q}`
          : (q.match(/^\w+(?: INTO)? [`"]?(?:main`\.`)?\w+/)?.[0] ?? q)
              .replace(/[`"]/g, '')
              .replace('main.', ''),
    );
  t.queries.length = 0;
  await run('mutation($w: ID!) { createCrate(input: { name: "c", warehouseId: $w }) { id name } }', {
    w: createWarehouse.id,
  });
  // the unit's savepoint in its group-commit batch; the warehouse check (the before hook, inside
  // the unit now, on the writer); the create's own savepoint inside the field's unit (+2 against
  // a write that was its own unit: a resolver that catches a failed write keeps the rest); the
  // creation number, the row, its event; the receiver's warehouse update in savepoints, its event
  expect(kinds()).toEqual([
    'BEGIN IMMEDIATE',
    'SAVEPOINT',
    'SELECT Warehouse',
    'SAVEPOINT',
    'INSERT INTO Sequence',
    'INSERT INTO Crate',
    'INSERT INTO Event',
    'SAVEPOINT',
    // one UPDATE ... RETURNING by the fast path (Prisma wrapped its update in a savepoint of its own)
    'UPDATE Warehouse',
    'INSERT INTO Event',
    'RELEASE',
    'RELEASE',
    'RELEASE',
    'COMMIT',
  ]);
  t.queries.length = 0;
  await run(
    'mutation($i: ID!) { placeOrder(input: { inventoryItemId: $i, quantity: 1 }) { id ordNumber } }',
    { i: createInventoryItem.id },
    buyer.token,
  );
  // the unit's savepoint; the order's own; the reservation's (its item read once, locked by the
  // writer, then the conditional stock update and its event); the number, the order, its event;
  // the notification in its savepoint with its event (was 22 through Prisma alone)
  expect(kinds()).toEqual([
    'BEGIN IMMEDIATE',
    'SAVEPOINT',
    'SAVEPOINT',
    'SAVEPOINT',
    'SELECT InventoryItem',
    'UPDATE InventoryItem',
    'INSERT INTO Event',
    'RELEASE',
    'INSERT INTO Sequence',
    'INSERT INTO Order',
    'INSERT INTO Event',
    'SAVEPOINT',
    'INSERT INTO Notification',
    'INSERT INTO Event',
    'RELEASE',
    'RELEASE',
    'RELEASE',
    'COMMIT',
  ]);
  expect(kinds().filter((k) => k === 'BEGIN IMMEDIATE')).toHaveLength(1);
});
