/**
 * The token cache, logOut, rate-limit counters shared through the database, graphql-sse
 * reservations that expire, and the username migration of existing rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type DataLayer, openDatabase } from '../../src/db/index.js';
import { Realtime } from '../../src/realtime/index.js';
import { issueToken } from '../../src/schema/auth.js';
import { type App, createApp } from '../../src/server/yoga.js';
import { type TestApp, testApp } from '../support/app.js';

const ME = '{ me { username } }';

describe('the token cache', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ app: { tokenCacheMs: 60_000 } });
  });
  afterAll(() => t.close());

  it('a token is looked up once, then served from memory; logOut drops it at once', async () => {
    const { token } = await t.customer('cached');
    t.queries.length = 0;
    expect((await t.gql(ME, {}, token)).data).toEqual({ me: { username: 'cached' } });
    const first = t.queries.filter((q) => q.includes('AuthToken')).length;
    t.queries.length = 0;
    expect((await t.gql(ME, {}, token)).data).toEqual({ me: { username: 'cached' } });
    const second = t.queries.filter((q) => q.includes('AuthToken')).length;
    expect({ first, second }).toEqual({ first: 1, second: 0 });
    expect((await t.gql('mutation { logOut }', {}, token)).data).toEqual({ logOut: true });
    const after = await t.gql(ME, {}, token);
    expect(after.status).toBe(401);
  });

  it('a cached entry never outlives its token', async () => {
    const user = await t.data.db.user.create({
      data: { username: 'brief', passwordHash: 'x', role: 'CUSTOMER' },
    });
    const token = await issueToken(t.data, user.id, 300); // expires in 0.3 s, well inside the 60 s cache
    expect((await t.gql(ME, {}, token)).data).toEqual({ me: { username: 'brief' } });
    await new Promise((r) => setTimeout(r, 400));
    expect((await t.gql(ME, {}, token)).status).toBe(401);
  });

  it('a server with no cached entry (another process) refuses a revoked token at once; one with an entry, within TOKEN_CACHE_MS', async () => {
    const { token } = await t.customer('elsewhere');
    // a second app on the same file, with no cache: it reads the token row every time
    const realtime = new Realtime(t.data, { retentionMs: 3_600_000 });
    const other = createApp({ data: t.data, realtime, tokenTtlMs: 3_600_000, tokenCacheMs: 0 });
    const me = async () =>
      (
        await other.fetch('http://yoga/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: ME }),
        })
      ).status;
    expect(await me()).toBe(200);
    await t.gql('mutation { logOut }', {}, token);
    expect(await me()).toBe(401);
    await realtime.stop();
  });
});

describe('rate limits live in the database', () => {
  let a: TestApp;
  let otherData: DataLayer;
  let other: App;
  const limits = { authFailuresPerUsername: 4 };
  beforeAll(async () => {
    a = await testApp({ app: { limits } });
    // a second server on the same SQLite file: its own data layer, connections and limiter
    otherData = await openDatabase(a.config);
    other = createApp({
      data: otherData,
      realtime: new Realtime(otherData, { retentionMs: 3_600_000 }),
      tokenTtlMs: 3_600_000,
      limits,
    });
  });
  afterAll(async () => {
    await otherData.close();
    await a.close();
  });

  it('failures counted by two servers add up for one username', async () => {
    await a.customer('target');
    const wrong = async (app: App) => {
      const response = await app.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'mutation { logIn(input: { username: "target", password: "wrong-password" }) { token } }',
        }),
      });
      const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
      return body.errors?.[0]?.extensions?.code;
    };
    const codes: unknown[] = [];
    for (const app of [a.app, other, a.app, other, a.app]) codes.push(await wrong(app));
    expect(codes).toEqual([
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'TOO_MANY_REQUESTS',
    ]);
    const rows = await a.data.reader.rateLimit.findMany({ where: { key: { contains: 'target' } } });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.points).toBe(4);
  });

  it('SQLite (one writer): the counters are written in units of their own: no write transaction is open across the password check', async () => {
    // The statements are SQLite's and the point is its one writer: a SQLite app of its own.
    const a = await testApp({ sqlite: true, app: { limits } });
    onTestFinished(() => a.close());
    await a.customer('patient');
    a.queries.length = 0;
    const r = await a.gql<{ logIn: { token: string } }>(
      'mutation { logIn(input: { username: "patient", password: "password-123" }) { token } }',
    );
    expect(r.data?.logIn.token).toEqual(expect.any(String));
    const q = [...a.queries];
    const at = (pattern: RegExp, from = 0) => q.findIndex((s, i) => i >= from && pattern.test(s));
    const openUnits = (until: number) =>
      q.slice(0, until).filter((s) => s.startsWith('BEGIN')).length -
      q.slice(0, until).filter((s) => s === 'COMMIT' || s === 'ROLLBACK').length;
    // scrypt runs right after the user is read: the group-commit writer must be free meanwhile
    // Prisma's SQL (`main`.`User`) or the fast path's ("User"), whichever ran the call.
    const lookup = at(/^SELECT .* FROM (`main`\.`User`|"User") WHERE/);
    const counted = at(/^(INSERT INTO|UPDATE) (`main`\.`RateLimit`|"RateLimit")/);
    const token = at(/^INSERT INTO (`main`\.`AuthToken`|"AuthToken")/);
    const cleared = at(
      /^DELETE FROM (`main`\.`RateLimit` WHERE `main`\.`RateLimit`\.`key`|"RateLimit" WHERE "key") = \?$/,
      token,
    );
    expect({
      counted: counted >= 0 && counted < lookup,
      token: token > lookup,
      cleared: cleared > token,
    }).toEqual({ counted: true, token: true, cleared: true });
    expect(openUnits(lookup)).toBe(0);
    // the token's unit began after the password check, and the success was counted after it committed
    expect(q.lastIndexOf('BEGIN IMMEDIATE', token)).toBeGreaterThan(lookup);
    expect(openUnits(q.lastIndexOf('BEGIN IMMEDIATE', cleared))).toBe(0);
  });
});

describe('graphql-sse reservations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({
      app: { limits: { sseReservationsPerAddress: 2, sseReservations: 3, sseReservationTtlMs: 300 } },
    });
  });
  afterAll(() => t.close());

  const reserve = async (from: string) =>
    t.app.fetch('http://yoga/graphql', { method: 'PUT', headers: { 'x-forwarded-for': from } });

  it('are bounded per address and in total, and unused ones expire', async () => {
    // without TRUST_PROXY every request here comes from the same (unknown) address
    const expiring = await (await reserve('a')).text();
    expect((await reserve('a')).status).toBe(201);
    const third = await reserve('a');
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({
      errors: [{ extensions: { code: 'TOO_MANY_REQUESTS', retryAfter: 1 } }],
    });
    await new Promise((r) => setTimeout(r, 400)); // past the reservations' lifetime
    expect((await reserve('a')).status).toBe(201);
    // graphql-sse forgot the expired stream: its token no longer opens it
    const late = await t.app.fetch('http://yoga/graphql', {
      headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': expiring },
    });
    expect(late.status).not.toBe(200);
    await late.body?.cancel();
  });

  it('a reservation that is used stops counting', async () => {
    await new Promise((r) => setTimeout(r, 400));
    const token = await (await reserve('b')).text();
    const stream = await t.app.fetch('http://yoga/graphql', {
      headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': token },
    });
    expect(stream.status).toBe(200);
    await stream.body?.cancel();
    expect((await reserve('b')).status).toBe(201);
    expect((await reserve('b')).status).toBe(201);
  });
});

describe('the username migration', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-usernames-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lower-cases existing names, keeps the typed form, and keys a confusable duplicate apart', () => {
    const root = path.resolve(import.meta.dirname, '../../prisma/migrations');
    const [init, index, hardening] = fs
      .readdirSync(root)
      .filter((d) => /^\d/.test(d))
      .sort();
    const db = new Database(path.join(dir, 'old.db'));
    for (const m of [init, index])
      db.exec(fs.readFileSync(path.join(root, String(m), 'migration.sql'), 'utf8'));
    const add = db.prepare('INSERT INTO "User" (username, passwordHash, role) VALUES (?, ?, ?)');
    add.run('alice', 'h', 'CUSTOMER');
    add.run('Bob', 'h', 'CUSTOMER');
    add.run('ALICE', 'h', 'CUSTOMER');
    db.exec(fs.readFileSync(path.join(root, String(hardening), 'migration.sql'), 'utf8'));
    const rows = db.prepare('SELECT username, displayName FROM "User" ORDER BY id').all();
    expect(rows).toEqual([
      { username: 'alice', displayName: null },
      { username: 'bob', displayName: 'Bob' },
      { username: 'alice-3', displayName: 'ALICE' },
    ]);
    expect(() => add.run('Carol', 'h', 'CUSTOMER')).toThrow(/CHECK constraint failed/);
    db.close();
  });
});
