/**
 * GraphiQL in real headless Chromium: the page fills the window, opens with a tab per seed
 * scenario, and the shipped Live example runs with a token typed into its Headers tab (the
 * token reaches the server in the subscribe message's extensions, over graphql-ws).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveServer, liveServer } from '../support/live.js';
import { type Chromium, openChromium } from './chromium.js';
import { openTab, paneText, run, setPane, waitForResponse } from './graphiql-ui.js';

let s: LiveServer;
let c: Chromium;
let staff: string;

beforeAll(async () => {
  s = await liveServer();
  staff = (await s.staff()).token;
  c = await openChromium('graphiql');
  await c.page.goto(s.url);
  await c.page.locator('button.graphiql-tab-button[title="SignIn"]').waitFor({ timeout: 30_000 });
}, 60_000);
afterAll(async () => {
  await c?.close();
  await s?.close();
});

describe('GraphiQL', () => {
  it('opens with the sign-in tab, the Live example and one tab per seed scenario', async () => {
    const titles = await c.page.locator('button.graphiql-tab-button').allInnerTexts();
    expect(titles).toEqual(['SignIn', 'Live', 'NewestCrate', 'StockCheck', 'BuyerNotified']);
    expect(await paneText(c.page, 'variables')).toContain('"username": "admin"');
    await c.shot('tabs');
  });

  it('fills the window: the editor is as tall as the viewport, not cut at ~700 px', async () => {
    const viewport = c.page.viewportSize();
    const box = await c.page.locator('#root > .graphiql-container').boundingBox();
    expect(viewport?.height).toBe(1000);
    expect(box?.height).toBe(viewport?.height);
    const editors = await c.page.locator('.graphiql-editors').boundingBox();
    expect(editors?.height ?? 0).toBeGreaterThan(900);
  });

  it('runs the shipped Live example with a token in the Headers tab and shows an event', async () => {
    await openTab(c.page, 'Live');
    expect(await paneText(c.page, 'headers')).toContain('Bearer <token>');
    await setPane(c.page, 'headers', `{ "Authorization": "Bearer ${staff}" }`);
    const before = s.realtime.bus.subscriberCount;
    await run(c.page);
    await s.subscribers(1, before);
    const warehouse = await s.data.db.warehouse.create({ data: { name: 'Browser Dock' } });
    await s.data.db.crate.create({ data: { name: 'CR-from-the-api', warehouseId: warehouse.id } });
    const text = await waitForResponse(c.page, /CR-from-the-api/);
    expect(text).toContain('"postSave"');
    expect(text).not.toContain('Sign in to use');
    await c.shot('live-event');
  });
});
