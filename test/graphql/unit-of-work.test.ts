/**
 * Mutations as units of work on the real app (yoga.fetch, real SQLite): all or nothing, the
 * existence checks read inside the unit, moveCrates' read-back in the same unit, and the
 * `signals` query.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/db/index.js';
import { afterMutation, beforeMutation } from '../../src/schema/plugins/unit-of-work/index.js';
import { type Disconnect, postSave } from '../../src/signals/index.js';
import { staffApp, type TestApp } from '../support/app.js';

let t: TestApp;
let staff: string;
/** A unit's first statement and a model's table, as Prisma on SQLite (`main`.`Crate`), on PostgreSQL ("public"."Crate") or the fast path ("Crate") spell them. */
const BEGIN = /^BEGIN( IMMEDIATE)?$/;
const table = (model: string) => `([\`"](main|public)[\`"]\\.)?[\`"]${model}[\`"]`;
let warehouseId: string;
const off: Disconnect[] = [];
beforeAll(async () => {
  ({ t, staff } = await staffApp());
  const r = await t.gql<{ createWarehouse: { id: string } }>(
    'mutation { createWarehouse(input: { name: "Unit Dock" }) { id } }',
    {},
    staff,
  );
  warehouseId = r.data?.createWarehouse.id ?? '';
});
afterEach(() => {
  for (const d of off.splice(0)) d();
});
afterAll(() => t.close());

const CREATE =
  'mutation($n: String!, $w: ID!) { createCrate(input: { name: $n, warehouseId: $w }) { id name } }';
const createCrate = (name: string, w = warehouseId) =>
  t.gql<{ createCrate: { id: string; name: string } }>(CREATE, { n: name, w }, staff);
const eventCount = () => t.data.reader.event.count();

describe('a mutation is one unit of work', () => {
  it('an afterMutation hook that throws leaves no crate, no event, no warehouse update, and no onCommit ran', async () => {
    const ran: string[] = [];
    off.push(
      postSave.connect(
        function recordCommit({ instance, onCommit }) {
          onCommit(() => ran.push(instance.name));
        },
        { sender: 'Crate' },
      ),
      afterMutation.connect(
        function refuseAfterCreate({ result }) {
          if ((result as { name: string }).name === 'CR-doomed') {
            throw new AppError('BAD_USER_INPUT', 'refused after the crate was written');
          }
        },
        { sender: 'createCrate', dispatchUid: 'test.refuseAfterCreate' },
      ),
    );
    const events = await eventCount();
    const r = await createCrate('CR-doomed');
    expect(r.data).toBeNull();
    expect(r.errors?.[0]).toMatchObject({
      message: 'refused after the crate was written',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(await t.data.reader.crate.count({ where: { name: 'CR-doomed' } })).toBe(0);
    expect(await eventCount()).toBe(events);
    expect(await t.data.reader.warehouse.findFirst({ where: { name: 'Unit Dock' } })).toMatchObject({
      newestCrateId: null,
    });
    expect(ran).toEqual([]);
    // the same path with a crate the hook lets through commits all of it
    expect((await createCrate('CR-kept')).data?.createCrate.name).toBe('CR-kept');
    expect(ran).toEqual(['CR-kept']);
    expect(await eventCount()).toBe(events + 2); // the crate and the warehouse's newestCrateId
  });

  it("createCrate's warehouse check reads inside the unit, on the writer, before the insert", async () => {
    t.queries.length = 0;
    expect((await createCrate('CR-checked')).errors).toBeUndefined();
    const q = t.queries.filter((s) => !/AuthToken|[`"]User[`"]/.test(s));
    const begin = q.findIndex((s) => BEGIN.test(s));
    const check = q.findIndex((s) => new RegExp(`^SELECT .*FROM ${table('Warehouse')} WHERE`).test(s));
    const insert = q.findIndex((s) => new RegExp(`^INSERT INTO ${table('Crate')}`).test(s));
    const commit = q.indexOf('COMMIT');
    expect({ begin: begin >= 0, checkAfterBegin: check > begin, insertAfterCheck: insert > check }).toEqual({
      begin: true,
      checkAfterBegin: true,
      insertAfterCheck: true,
    });
    expect(commit).toBeGreaterThan(insert);
  });

  it('moveCrates writes and reads the crates back in the same unit', async () => {
    const target = await t.gql<{ createWarehouse: { id: string } }>(
      'mutation { createWarehouse(input: { name: "Move Target" }) { id } }',
      {},
      staff,
    );
    const ids = [
      (await createCrate('CR-move-1')).data?.createCrate.id,
      (await createCrate('CR-move-2')).data?.createCrate.id,
    ];
    t.queries.length = 0;
    const r = await t.gql<{ moveCrates: Array<{ name: string; warehouse: { name: string } }> }>(
      'mutation($ids: [ID!]!, $w: ID!) { moveCrates(input: { ids: $ids, warehouseId: $w }) { name warehouse { name } } }',
      { ids, w: target.data?.createWarehouse.id },
      staff,
    );
    expect(r.data?.moveCrates).toEqual([
      { name: 'CR-move-1', warehouse: { name: 'Move Target' } },
      { name: 'CR-move-2', warehouse: { name: 'Move Target' } },
    ]);
    const q = t.queries;
    const update = q.findIndex((s) => new RegExp(`^UPDATE ${table('Crate')}`).test(s));
    const readBack = q.findIndex(
      (s, i) => i > update && new RegExp(`^SELECT .*FROM ${table('Crate')} WHERE`).test(s),
    );
    const commit = q.indexOf('COMMIT');
    expect(q.filter((s) => BEGIN.test(s))).toHaveLength(1);
    expect(update).toBeGreaterThan(q.findIndex((s) => BEGIN.test(s)));
    expect(readBack).toBeGreaterThan(update);
    expect(commit).toBeGreaterThan(readBack);
  });

  it('a failing existence check keeps its code and message', async () => {
    const r = await createCrate('CR-nowhere', 'V2FyZWhvdXNlOjk5OTk5');
    expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(r.errors?.[0]?.message).toMatch(/^Warehouse '.*' not found$/);
  });
});

describe('the signals query', () => {
  const SIGNALS = '{ signals { signal sender name dispatchUid kind } }';

  it("lists the project's receivers and hooks in call order, and global hooks where they run", async () => {
    off.push(
      beforeMutation.connect(function auditBefore() {}, { dispatchUid: 'test.auditBefore' }),
      afterMutation.connect(function auditAfter() {}, { sender: 'placeOrder' }),
    );
    const r = await t.gql<{ signals: unknown[] }>(SIGNALS, {}, staff);
    const hook = (
      signal: string,
      sender: string | null,
      name: string,
      dispatchUid: string | null = null,
    ) => ({
      signal,
      sender,
      name,
      dispatchUid,
      kind: 'hook',
    });
    const receiver = (signal: string, sender: string, name: string, dispatchUid: string) => ({
      signal,
      sender,
      name,
      dispatchUid,
      kind: 'receiver',
    });
    expect(r.data?.signals).toEqual([
      hook('prepare', 'signUp', 'hashNewPassword'),
      hook('prepare', 'logIn', 'checkPassword'),
      hook('beforeMutation', null, 'auditBefore', 'test.auditBefore'),
      hook('beforeMutation', 'createCrate', 'warehouseExists'),
      hook('beforeMutation', 'updateCrate', 'crateAndWarehouseExist'),
      hook('beforeMutation', 'moveCrates', 'cratesAndWarehouseExist'),
      hook('beforeMutation', 'cancelOrder', 'orderIsCancellable'),
      receiver('preSave', 'Crate', 'numberNewCrate', 'crate.numberNewCrate'),
      receiver('preSave', 'InventoryItem', 'validateInventoryItem', 'inventory.validate'),
      receiver('preSave', 'Order', 'reserveStock', 'order.reserveStock'),
      receiver('preSave', 'Order', 'returnStockOnCancel', 'order.returnStockOnCancel'),
      receiver('postSave', 'Crate', 'updateNewestCrate', 'crate.updateNewestCrate'),
      receiver('postSave', 'Order', 'notifyBuyer', 'order.notifyBuyer'),
      receiver('postDelete', 'Crate', 'fallBackToPreviousCrate', 'crate.fallBackToPreviousCrate'),
      hook('afterMutation', 'placeOrder', 'auditAfter'),
    ]);
  });

  it('is STAFF only: FORBIDDEN for a customer, UNAUTHENTICATED without a token', async () => {
    const customer = await t.customer('signals-customer');
    const forbidden = await t.gql(SIGNALS, {}, customer.token);
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(forbidden.data).toBeNull();
    const anonymous = await t.gql(SIGNALS);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a global hook limited to a field that does not exist', () => {
    expect(() => afterMutation.connect(function nowhere() {}, { sender: 'createCrates' })).toThrow(TypeError);
  });
});
