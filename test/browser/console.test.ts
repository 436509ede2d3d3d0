/**
 * /console in real headless Chromium against the real server on a port: sign in, the receivers
 * and hooks (or a clear message when the server has no `signals` query), a crate created
 * through the API appearing live (newest first, with its cursor, model and name), a delete, and
 * Replay from a cursor listing exactly the events after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/realtime/index.js';
import { type LiveServer, liveServer } from '../support/live.js';
import { type Chromium, openChromium } from './chromium.js';

let s: LiveServer;
let c: Chromium;
let staff: string;
let warehouseId: string;

async function api<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const r = await s.gql<T>(query, variables, staff);
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data;
}

const createCrate = (name: string) =>
  api<{ createCrate: { id: string } }>(
    'mutation($w: ID!, $n: String!) { createCrate(input: { name: $n, warehouseId: $w }) { id } }',
    { w: warehouseId, n: name },
  );

/** The events the page lists, top to bottom. */
const listed = () =>
  c.page
    .locator('#event-list li[data-cursor]')
    .evaluateAll((items) =>
      items.map((li) => ({ cursor: li.getAttribute('data-cursor') ?? '', text: li.textContent ?? '' })),
    );

beforeAll(async () => {
  s = await liveServer();
  staff = (await s.staff()).token; // admin / admin-password
  warehouseId = (
    await api<{ createWarehouse: { id: string } }>(
      'mutation { createWarehouse(input: { name: "Console Dock" }) { id } }',
    )
  ).createWarehouse.id;
  c = await openChromium('console');
}, 60_000);
afterAll(async () => {
  await c?.close();
  await s?.close();
});

describe('/console', () => {
  it('signs in with the form and lists the receivers and hooks, or says why it cannot', async () => {
    await c.page.goto(new URL('/console', s.url).href);
    await c.page.locator('input[name=username]').fill('admin');
    await c.page.locator('input[name=password]').fill('admin-password');
    const before = s.realtime.bus.subscriberCount;
    await c.page.locator('#sign-in button[type=submit]').click();
    await c.page.locator('#who', { hasText: 'admin (STAFF)' }).waitFor();
    expect(await c.page.locator('input[name=username]').isVisible()).toBe(false);
    await s.subscribers(2, before); // postSave and postDelete, live
    const status = c.page.locator('#signals-status');
    await status.filter({ hasNotText: 'Loading' }).waitFor();
    const rows = (await c.page.locator('#signals tbody tr').allInnerTexts()).join('\n');
    // a receiver and a per-field hook, as the `signals` query lists them
    expect(rows).toContain('order.reserveStock');
    expect(rows).toMatch(/beforeMutation\s+createCrate\s+warehouseExists/);
    expect(await status.innerText()).toMatch(/registered, in call order/);
    await c.shot('signed-in');
  });

  it('shows a crate created through the API, newest first, with its cursor, model and name', async () => {
    const started = performance.now();
    await createCrate('CR-console-1');
    const item = c.page.locator('#event-list li[data-cursor]', { hasText: 'CR-console-1' }).first();
    // no timed assertion (npm run bench measures speed): wait generously, print how long it took
    await item.waitFor({ timeout: 15_000 });
    console.log(
      `console: the crate appeared ${Math.round(performance.now() - started)} ms after createCrate was sent`,
    );
    const [top, second] = await listed();
    // newest first: the warehouse's newestCrate update committed after the crate itself
    expect(top?.text).toMatch(/WAREHOUSE\s+updated newestCrateId\s+Console Dock/);
    expect(second?.text).toMatch(/CRATE\s+created\s+CR-console-1/);
    expect(second?.text).toContain(second?.cursor);
    await c.shot('live-crate');
  });

  it('shows deletes live', async () => {
    const { createCrate: crate } = await createCrate('CR-console-doomed');
    await api('mutation($id: ID!) { deleteCrate(id: $id) }', { id: crate.id });
    await c.page.locator('#event-list li', { hasText: `deleted ${crate.id}` }).waitFor();
    expect((await listed()).find((e) => e.text.includes('deleted'))?.text).toMatch(/^CRATE\s+deleted/);
  });

  it('Replay from a cursor lists exactly the events after it', async () => {
    const from = (await listed()).find((e) => e.text.includes('CR-console-1'));
    if (!from) throw new Error('the first crate is not listed');
    await createCrate('CR-console-2');
    await c.page.locator('#event-list li', { hasText: 'CR-console-2' }).first().waitFor();

    await c.page.locator('input[name=after]').fill(from.cursor);
    await c.page.getByRole('button', { name: 'Replay', exact: true }).click();
    await c.page.locator('#events-status', { hasText: `Events after ${from.cursor}` }).waitFor();
    // the server's own log after that cursor, newest first
    const fromId = (await s.data.reader.event.findMany({ orderBy: { id: 'asc' } })).find(
      (e) => encodeCursor(e.id) === from.cursor,
    )?.id;
    if (fromId === undefined) throw new Error(`no event has cursor ${from.cursor}`);
    const later = await s.data.reader.event.findMany({
      where: { id: { gt: fromId } },
      orderBy: { id: 'desc' },
    });
    expect(later.length).toBeGreaterThanOrEqual(5); // warehouse update, doomed crate + update + delete, crate 2 …
    const expected = later.map((e) => encodeCursor(e.id));
    await c.page.waitForFunction(
      (n) => document.querySelectorAll('#event-list li[data-cursor]').length >= n,
      expected.length,
    );
    expect((await listed()).map((e) => e.cursor)).toEqual(expected);
    await c.shot('replay');
  });
});
