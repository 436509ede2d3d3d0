// SQLite only: about its group-commit writer (batches in one transaction).
/**
 * Group commit seen through GraphQL: 200 createCrate requests at once, a test-only pre_save
 * receiver refusing every 10th by name. Each mutation is a unit (a savepoint of a shared SQLite
 * transaction): the refused ones roll back alone, the others commit, every caller gets its own
 * answer, and the event log has no gap and follows the commit order.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AppError } from '../../src/db/index.js';
import { type Disconnect, preSave } from '../../src/signals/index.js';
import { staffApp, type TestApp } from '../support/app.js';

let t: TestApp;
let staff: string;
let off: Disconnect;
beforeAll(async () => {
  ({ t, staff } = await staffApp({ sqlite: true }));
  off = preSave.connect(
    function refuseEveryTenth({ instance }) {
      const n = Number(/^CR-(\d+)$/.exec(String(instance.name))?.[1]);
      if (n % 10 === 9) throw new AppError('BAD_USER_INPUT', `crate ${String(instance.name)} is refused`);
    },
    { sender: 'Crate', dispatchUid: 'test.refuseEveryTenth' },
  );
});
afterAll(async () => {
  off();
  await t.close();
});

it('200 concurrent createCrate, every 10th refused: exactly 180 commit, each caller gets its own answer, events gapless in commit order', async () => {
  const w = await t.gql<{ createWarehouse: { id: string } }>(
    'mutation { createWarehouse(input: { name: "Busy Dock" }) { id } }',
    {},
    staff,
  );
  const warehouseId = w.data?.createWarehouse.id;
  const before = (await t.data.reader.event.aggregate({ _max: { id: true } }))._max.id ?? 0;
  t.queries.length = 0;
  const names = Array.from({ length: 200 }, (_, i) => `CR-${i}`);
  const answers = await Promise.all(
    names.map((name) =>
      t.gql<{ createCrate: { name: string } }>(
        'mutation($n: String!, $w: ID!) { createCrate(input: { name: $n, warehouseId: $w }) { name } }',
        { n: name, w: warehouseId },
        staff,
      ),
    ),
  );
  names.forEach((name, i) => {
    const answer = answers[i];
    if (i % 10 === 9) {
      expect(answer?.errors?.[0]).toMatchObject({
        message: `crate ${name} is refused`,
        extensions: { code: 'BAD_USER_INPUT' },
      });
    } else {
      expect(answer?.data?.createCrate.name).toBe(name);
    }
  });

  // units shared transactions: fewer BEGINs than units (each unit a savepoint of its batch's)
  const begins = t.queries.filter((q) => q === 'BEGIN IMMEDIATE').length;
  expect(begins).toBeGreaterThan(0);
  expect(begins).toBeLessThan(200);

  const crates = await t.data.reader.crate.findMany({ orderBy: { createdSeq: 'asc' } });
  expect(crates).toHaveLength(180);
  expect(new Set(crates.map((c) => c.name))).toEqual(new Set(names.filter((_, i) => i % 10 !== 9)));

  // the log: two events per crate (the crate, then its warehouse's newestCrateId), ids with no
  // gap, and the crates' events in their commit order (the creation sequence follows it too)
  const events = await t.data.reader.event.findMany({
    where: { id: { gt: before } },
    orderBy: { id: 'asc' },
  });
  expect(events).toHaveLength(360);
  expect(events.map((e) => e.id)).toEqual(Array.from({ length: 360 }, (_, i) => before + 1 + i));
  const crateEvents = events.filter((e) => e.model === 'Crate');
  expect(crateEvents.map((e) => e.rowId)).toEqual(crates.map((c) => c.id));
  events.forEach((e, i) => {
    if (i % 2 === 1)
      expect({ model: e.model, updateFields: e.updateFields }).toEqual({
        model: 'Warehouse',
        updateFields: '["newestCrateId"]',
      });
  });
  const warehouse = await t.data.reader.warehouse.findFirst({ where: { name: 'Busy Dock' } });
  expect(warehouse?.newestCrateId).toBe(crates.at(-1)?.id);
});
