/**
 * GraphiQL's page and /console through yoga.fetch: a small page, no CDN, its assets separate,
 * compressed by Accept-Encoding, cacheable (hashed names immutable, the rest by ETag), and none
 * of it when the app is built with `graphiql: false` (production without GRAPHIQL=1).
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Realtime } from '../../src/realtime/index.js';
import { type App, createApp } from '../../src/server/yoga.js';
import { type TestApp, testApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

const get = (app: App, path: string, headers: Record<string, string> = {}) =>
  app.fetch(`http://yoga${path}`, { headers });

/** The asset URLs a page names in src/href attributes and in its scripts' JSON. */
function assetsOf(html: string, prefix: string): string[] {
  return [...new Set([...html.matchAll(new RegExp(`${prefix}[A-Za-z0-9._-]+`, 'g'))].map((m) => m[0]))];
}

describe('GraphiQL page', () => {
  it('is a small HTML page with no CDN that opens a tab per seed scenario', async () => {
    const response = await get(t.app, '/graphql', { accept: 'text/html' });
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(html.length).toBeLessThan(20_000);
    expect(html).not.toMatch(/https?:\/\//);
    for (const operation of [
      'mutation SignIn',
      'subscription Live',
      'query NewestCrate',
      'mutation StockCheck',
      'subscription BuyerNotified',
    ]) {
      expect(html).toContain(operation);
    }
    expect(html).toContain('"subscriptionsProtocol":"WS"');
  });

  it('serves each asset brotli or gzip by Accept-Encoding, identical once decoded, cached as immutable', async () => {
    const html = await (await get(t.app, '/graphql', { accept: 'text/html' })).text();
    const assets = assetsOf(html, '/graphiql/');
    // script, stylesheet, favicon and the three editor workers
    expect(assets).toHaveLength(6);
    for (const asset of assets) {
      const plain = await get(t.app, asset, { 'accept-encoding': 'identity' });
      expect(plain.status).toBe(200);
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const body = Buffer.from(await plain.arrayBuffer());
      const br = await get(t.app, asset, { 'accept-encoding': 'gzip, deflate, br' });
      expect(br.headers.get('content-encoding')).toBe('br');
      const brBody = Buffer.from(await br.arrayBuffer());
      expect(brotliDecompressSync(brBody).equals(body)).toBe(true);
      const gz = await get(t.app, asset, { 'accept-encoding': 'gzip' });
      expect(gz.headers.get('content-encoding')).toBe('gzip');
      expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).equals(body)).toBe(true);
      expect(br.headers.get('vary')).toBe('Accept-Encoding');
      if (asset.endsWith('.js')) expect(brBody.length).toBeLessThan(body.length / 3);
    }
  });

  it('answers 304 to a revalidation with the ETag it gave', async () => {
    const html = await (await get(t.app, '/graphql', { accept: 'text/html' })).text();
    const [asset] = assetsOf(html, '/graphiql/');
    const first = await get(t.app, asset ?? '', { 'accept-encoding': 'br' });
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^".+"$/);
    const again = await get(t.app, asset ?? '', { 'accept-encoding': 'br', 'if-none-match': etag });
    expect(again.status).toBe(304);
    // another representation has another tag
    const gz = await get(t.app, asset ?? '', { 'accept-encoding': 'gzip', 'if-none-match': etag });
    expect(gz.status).toBe(200);
  });

  it('refuses names that are not its files', async () => {
    for (const path of ['/graphiql/manifest.json', '/graphiql/..%2Fpackage.json', '/graphiql/nope.js']) {
      expect((await get(t.app, path)).status).toBe(404);
    }
  });
});

describe('/console', () => {
  it('is the built page, revalidated by ETag, with the contract selectors and hashed, compressed assets', async () => {
    const response = await get(t.app, '/console', { accept: 'text/html' });
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(html).not.toMatch(/https?:\/\//);
    for (const selector of [
      'name="username"',
      'name="password"',
      'type="submit"',
      'name="after"',
      '>Replay<',
    ]) {
      expect(html).toContain(selector);
    }
    const assets = assetsOf(html, '/console/assets/');
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    for (const asset of assets) {
      const r = await get(t.app, asset, { 'accept-encoding': 'br' });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-encoding')).toBe('br');
      expect(r.headers.get('cache-control')).toContain('immutable');
    }
    const etag = response.headers.get('etag') ?? '';
    expect((await get(t.app, '/console', { 'if-none-match': etag })).status).toBe(304);
    expect((await get(t.app, '/console/assets/..%2F..%2Fpackage.json')).status).toBe(404);
  });
});

describe('graphiql: false (production without GRAPHIQL=1)', () => {
  it('serves neither GraphiQL, its assets nor /console', async () => {
    const realtime = new Realtime(t.data, { retentionMs: 3_600_000 });
    const app = createApp({ data: t.data, realtime, tokenTtlMs: 3_600_000, graphiql: false });
    const html = await (await get(t.app, '/graphql', { accept: 'text/html' })).text();
    const [asset] = assetsOf(html, '/graphiql/');
    const page = await get(app, '/graphql', { accept: 'text/html' });
    expect(await page.text()).not.toContain('YogaGraphiQL');
    expect((await get(app, asset ?? '/graphiql/x')).status).toBe(404);
    expect((await get(app, '/console')).status).toBe(404);
    // GraphQL itself still answers
    const r = await app.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await r.json()).toEqual({ data: { __typename: 'Query' } });
    await realtime.stop();
  });
});
