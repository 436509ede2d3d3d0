/**
 * SQLite only (about its file). The database folder deleted (here: moved away) while the server runs: /health answers 503 and
 * writes are refused, also one that was running when the file went, until the folder is back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postSave } from '../../src/signals/index.js';
import { staffApp, type TestApp } from '../support/app.js';

let t: TestApp;
let staff: string;
let folder: string;
let away: string;
beforeAll(async () => {
  ({ t, staff } = await staffApp({ sqlite: true }));
  folder = path.dirname(t.file);
  away = `${folder}-away`;
});
afterAll(async () => {
  if (fs.existsSync(away)) fs.renameSync(away, folder);
  await t.close();
});

const CREATE = 'mutation($n: String!) { createWarehouse(input: { name: $n }) { id } }';
const count = () => t.data.reader.warehouse.count();

it('SQLite: while the folder is gone: /health 503 naming the database, mutations SERVICE_UNAVAILABLE, nothing written', async () => {
  const before = await count();
  fs.renameSync(folder, away);
  const health = await t.app.fetch('http://yoga/health');
  expect(health.status).toBe(503);
  expect(await health.json()).toMatchObject({
    status: 'unavailable',
    failing: 'database',
    reason: expect.stringMatching(/gone/),
  });
  const refused = await t.gql(CREATE, { n: 'lost' }, staff);
  expect(refused.status).toBe(503);
  expect(refused.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
  // reads still answer from the open connection
  expect((await t.gql('{ warehouses { edges { node { id } } } }', {}, staff)).errors).toBeUndefined();
  fs.renameSync(away, folder);
  expect(await count()).toBe(before);
});

it('back in place: /health 200 and writes are acknowledged again', async () => {
  expect((await t.app.fetch('http://yoga/health')).status).toBe(200);
  const r = await t.gql<{ createWarehouse: { id: string } }>(CREATE, { n: 'kept' }, staff);
  expect(r.errors).toBeUndefined();
  expect(r.data?.createWarehouse.id).toBeTruthy();
});

it('SQLite: a write during which the folder disappears is not acknowledged', async () => {
  // a real receiver, on the real write path, moves the folder away mid-write
  const disconnect = postSave.connect(
    () => {
      fs.renameSync(folder, away);
    },
    { sender: 'Warehouse', dispatchUid: 'test.vanishing-folder' },
  );
  try {
    const r = await t.gql(CREATE, { n: 'vanishing' }, staff);
    expect(r.data ?? null).toBeNull();
    expect(r.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(r.errors?.[0]?.message).toMatch(/may not have been saved/);
  } finally {
    disconnect();
    if (fs.existsSync(away)) fs.renameSync(away, folder);
  }
});
