/**
 * README's "First ten minutes", step by step, as a newcomer does it: `npm start`'s real process
 * on a fresh database (no ADMIN_PASSWORD: the first-run password comes from its log), GraphiQL
 * and /console in windows of one headless Chromium. A screenshot of each step is saved under
 * the test's temp folder (printed at the end). Each step first checks README still says so.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Started, startServer } from '../support/server.js';
import { type Chromium, openChromium } from './chromium.js';
import { jsonField, openTab, paneText, run, setPane, waitForResponse } from './graphiql-ui.js';

const root = path.resolve(import.meta.dirname, '../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8').replace(/\s+/g, ' ');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-walkthrough-'));

let server: Started;
let c: Chromium;
/** The first window (subscriptions), the second (writes), the third (/console). */
let first: Page;
let second: Page;
let password = '';
let token = '';

/** README says this (whitespace aside): the step below does what it says. */
const says = (text: string) => expect(readme).toContain(text.replace(/\s+/g, ' '));

/** Replaces a placeholder in a pane of the page's current tab, as the step tells a person to. */
async function replaceIn(page: Page, pane: 'variables' | 'headers', from: string, to: string) {
  const text = await paneText(page, pane);
  expect(text).toContain(from);
  await setPane(page, pane, text.replace(from, to));
}

async function openGraphiQL(page: Page) {
  await page.goto(server.url);
  await page.locator('button.graphiql-tab-button[title="SignIn"]').waitFor({ timeout: 30_000 });
}

beforeAll(async () => {
  server = await startServer({ DATABASE_URL: `file:${path.join(dir, 'data', 'dev.db')}` });
  c = await openChromium('walkthrough');
  first = c.page;
}, 60_000);
afterAll(async () => {
  await c?.close();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`walkthrough screenshots: ${c?.shots}`);
});

describe("README's first ten minutes", () => {
  it('1. npm start prints the first-run password', async () => {
    says('Run `npm install && npm start` and copy the password from the `first run` line.');
    const deadline = Date.now() + 5_000;
    while (!/first run: .* with password (\S+)/.test(server.output()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    password = /first run: .* with password (\S+)/.exec(server.output())?.[1] ?? '';
    expect(password).not.toBe('');
  });

  it('2. SignIn with that password answers a token', async () => {
    says(`In the **SignIn** tab, open **Variables** and replace
      \`the password from the start-up log\` with that password. Press ▶.`);
    await openGraphiQL(first);
    await replaceIn(first, 'variables', 'the password from the start-up log', password);
    await run(first);
    token = jsonField(await waitForResponse(first, /"token"/), 'token');
    await c.shot('2-signed-in', first);
  });

  it('3. Live runs with the token in its Headers', async () => {
    says('In the **Live** tab, open **Headers** and replace `<token>` with the token. Press ▶');
    await openTab(first, 'Live');
    await replaceIn(first, 'headers', '<token>', token);
    await run(first);
    await c.shot('3-live-running', first);
  });

  it('4. NewestCrate in a second window: the warehouse follows its newest crate; Live shows it', async () => {
    says('Open <http://localhost:4000/graphql> in a second window, beside the first.');
    says(
      'Press ▶ and pick **CreateWarehouse**; copy the `id` it answers into **Variables** as `"warehouseId"`.',
    );
    says('pick **CreateCrate**: the answer already shows `newestCrate` `CR-00531`');
    says(
      'the first window\'s **Live** shows the last event: the warehouse, with `updateFields: ["newestCrateId"]`',
    );
    second = await c.window();
    await openGraphiQL(second);
    await openTab(second, 'NewestCrate');
    await replaceIn(second, 'headers', '<token>', token);
    await run(second, 'CreateWarehouse');
    const warehouseId = jsonField(await waitForResponse(second, /"createWarehouse"/), 'id');
    await replaceIn(second, 'variables', 'the id CreateWarehouse answers', warehouseId);
    await run(second, 'CreateCrate');
    expect(await waitForResponse(second, /"createCrate"/)).toMatch(/"newestCrate": \{ "name": "CR-00531"/);
    await c.shot('4-crate-created', second);
    const live = await waitForResponse(first, /"newestCrateId"/);
    expect(live).toMatch(/"model": "WAREHOUSE"/);
    expect(live).toContain('"CR-00531"');
    await c.shot('4-live-warehouse', first);
    says('Press ▶ and pick **NewestCrate** to read it back.');
    await run(second, 'NewestCrate');
    expect(await waitForResponse(second, /"node"/)).toMatch(/"newestCrate": \{ "name": "CR-00531"/);
  });

  it('5. StockCheck: 3 ordered, 2 in stock, OUT_OF_STOCK, and no event', async () => {
    says('Run **CreateItem** (2 office chairs) and copy its `id` into **Variables** as `"itemId"`.');
    says("`Not enough 'Office chair' in stock: 2 available, 3 requested`");
    says('**Live** still shows the item as the last event');
    await openTab(second, 'StockCheck');
    await replaceIn(second, 'headers', '<token>', token);
    await run(second, 'CreateItem');
    const itemId = jsonField(await waitForResponse(second, /"createInventoryItem"/), 'id');
    expect(await waitForResponse(first, /"INVENTORY_ITEM"/)).toContain('"Office chair"');
    await replaceIn(second, 'variables', 'the id CreateItem answers', itemId);
    await run(second, 'StockCheck');
    const refused = await waitForResponse(second, /OUT_OF_STOCK/);
    expect(refused).toContain("Not enough 'Office chair' in stock: 2 available, 3 requested");
    await c.shot('5-out-of-stock', second);
    // had the refused order published anything, Live would show it instead of the item
    const live = await waitForResponse(first, /"postSave"/);
    expect(live).toMatch(/"model": "INVENTORY_ITEM", "created": true/);
  });

  it('6. BuyerNotified: an accepted order notifies the buyer', async () => {
    says('In the first window, open the **BuyerNotified** tab, put the token in **Headers** and press ▶');
    says(
      'set `"quantity"` to `2` in **Variables** and run **StockCheck**: accepted, with `ordNumber` `ORD-000001`.',
    );
    says('The first window shows `Order ORD-000001 received: 2 × Office chair`');
    await openTab(first, 'BuyerNotified');
    await replaceIn(first, 'headers', '<token>', token);
    await run(first);
    await c.shot('6-buyer-waiting', first);
    await replaceIn(second, 'variables', '"quantity": 3', '"quantity": 2');
    await run(second, 'StockCheck');
    expect(await waitForResponse(second, /"placeOrder"/)).toMatch(/"ordNumber": "ORD-000001"/);
    expect(await waitForResponse(first, /"notifications"/)).toContain(
      'Order ORD-000001 received: 2 × Office chair',
    );
    await c.shot('6-buyer-notified', first);
  });

  it('7. /console in a third window: live events, then Replay after a cursor', async () => {
    says('Open <http://localhost:4000/console> in a third window and sign in as `admin`');
    says(
      'In the second window, run **CreateCrate** again: the crate and the warehouse update appear at the top',
    );
    says(
      "Copy the crate's cursor into **After cursor** and press **Replay**: the list shows exactly the events after it (the warehouse update)",
    );
    const third = await c.window();
    await third.goto(new URL('/console', server.url).href);
    await third.locator('input[name=username]').fill('admin');
    await third.locator('input[name=password]').fill(password);
    await third.getByRole('button', { name: 'Sign in' }).click();
    await third.locator('#who', { hasText: 'admin (STAFF)' }).waitFor();
    await third.locator('#signals-status').filter({ hasNotText: 'Loading' }).waitFor();
    // shown once its WebSocket is open; its two subscriptions are sent right then
    await third.locator('#events-status', { hasText: 'Live: waiting for events' }).waitFor();
    await openTab(second, 'NewestCrate');
    await run(second, 'CreateCrate');
    const crate = third.locator('#event-list li[data-cursor]', { hasText: 'CR-00531' });
    await crate.waitFor();
    await third.locator('#event-list li[data-cursor]', { hasText: 'newestCrateId' }).waitFor();
    const before = await third.locator('#event-list li[data-cursor]').allInnerTexts();
    expect(before[0]).toMatch(/WAREHOUSE\s+updated newestCrateId\s+North Dock/);
    expect(before[1]).toMatch(/CRATE\s+created\s+CR-00531/);
    await c.shot('7-console-live', third);
    const cursor = (await crate.locator('.cursor').innerText()).trim();
    expect(await crate.getAttribute('data-cursor')).toBe(cursor);
    await third.locator('input[name=after]').fill(cursor);
    await third.getByRole('button', { name: 'Replay', exact: true }).click();
    await third.locator('#events-status', { hasText: `Events after ${cursor}` }).waitFor();
    await third.locator('#event-list li[data-cursor]', { hasText: 'newestCrateId' }).waitFor();
    const replayed = await third.locator('#event-list li[data-cursor]').allInnerTexts();
    expect(replayed).toHaveLength(1);
    expect(replayed[0]).toMatch(/WAREHOUSE\s+updated newestCrateId\s+North Dock/);
    await c.shot('7-console-replay', third);
  });
});
