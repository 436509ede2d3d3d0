/**
 * Subscriptions through yoga.fetch (SSE): slow subscribers, retention, the log tailer, sessions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.js';
import { decodeCursor, encodeCursor } from '../../src/realtime/index.js';
import { issueToken } from '../../src/schema/auth.js';
import { appSubscriptions } from '../../src/server/yoga.js';
import { type TestApp, testApp } from '../support/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Opens an SSE subscription through yoga.fetch and returns a reader of its raw events. */
async function sse(app: TestApp, query: string, token: string, variables: Record<string, unknown> = {}) {
  const response = await app.app.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  // The stream starts (and the server subscribes) on the first read; keep exactly one read
  // pending, so a test decides when the client reads more.
  let pending = reader.read();
  // One take at a time: a second one awaiting the same read would append its chunk twice and
  // drop the next read's.
  let taking: Promise<boolean> | null = null;
  const take = () => {
    taking ??= (async () => {
      const chunk = await pending;
      if (chunk.value) text += decoder.decode(chunk.value);
      pending = reader.read();
      taking = null;
      return chunk.done;
    })();
    return taking;
  };
  return {
    /** Reads until `predicate(text)` holds or the stream ends. */
    async readUntil(predicate: (text: string) => boolean, timeoutMs = 5_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(text) && Date.now() < deadline) {
        const done = await Promise.race([take(), new Promise<false>((r) => setTimeout(() => r(false), 100))]);
        if (done === true) break;
      }
      return text;
    },
    cancel: () => reader.cancel(),
  };
}

const CRATES =
  'subscription($after: String) { postSave(model: CRATE, after: $after) { cursor node { ... on Crate { name } } } }';

async function setup(options: Parameters<typeof testApp>[0] = {}) {
  t = await testApp(options);
  const staff = (await t.staff()).token;
  const warehouse = await t.data.db.warehouse.create({ data: { name: 'W' } });
  return { app: t, staff, warehouse };
}

describe('a slow subscriber', () => {
  it('is closed with a reason once it falls behind, without slowing the writes', async () => {
    const { app, staff, warehouse } = await setup({ subscriberCapacity: 5 });
    const before = app.realtime.bus.subscriberCount;
    const stream = await sse(app, CRATES, staff);
    while (app.realtime.bus.subscriberCount === before) await new Promise((r) => setTimeout(r, 10));
    // the subscriber reads nothing while 400 crates are written
    for (let i = 0; i < 400; i++)
      await app.data.db.crate.create({ data: { name: `c${i}`, warehouseId: warehouse.id } });
    const text = await stream.readUntil((x) => x.includes('event: complete'));
    expect(text).toContain('fell 5 events behind and was closed: resubscribe with after');
    expect(text).toContain('SUBSCRIBER_TOO_SLOW');
    expect(text).toContain('event: complete'); // the subscription ends cleanly, with its last cursor
    expect(app.realtime.bus.subscriberCount).toBe(before); // its listener is gone
    await stream.cancel();
  });
});

describe('retention', () => {
  it('prunes events older than the retention, and a cursor from before is told to refetch', async () => {
    const { app, staff, warehouse } = await setup({ retentionMs: 1 });
    for (let i = 0; i < 3; i++)
      await app.data.db.crate.create({ data: { name: `old${i}`, warehouseId: warehouse.id } });
    const oldest = await app.data.reader.event.findFirst({ orderBy: { id: 'asc' } });
    await new Promise((r) => setTimeout(r, 20));
    // the tailer prunes on its own (every pass here, the retention being 1 ms)
    await new Promise((r) => setTimeout(r, 300));
    await app.realtime.tailer.prune();
    expect(await app.data.reader.event.count()).toBe(1); // the newest is kept as the anchor
    const stream = await sse(app, CRATES, staff, { after: encodeCursor(oldest?.id ?? 0) });
    const text = await stream.readUntil((x) => x.includes('retention'));
    expect(text).toMatch(/older than the event retention.*refetch/);
    expect(text).toContain('BAD_USER_INPUT');
    await stream.cancel();
  });
});

describe('the event log tailer', () => {
  it('publishes what another process commits to the same file, interleaved with local commits, in cursor order', async () => {
    const { app, staff, warehouse } = await setup();
    // Another process (a seed script, a second server): its own data layer on the same file.
    const other = await openDatabase(app.config, { logError: () => {} });
    try {
      const before = app.realtime.bus.subscriberCount;
      const stream = await sse(app, CRATES, staff);
      while (app.realtime.bus.subscriberCount === before) await new Promise((r) => setTimeout(r, 10));
      const names: string[] = [];
      for (let i = 0; i < 6; i++) {
        const db = i % 2 === 0 ? other.db : app.data.db;
        const name = `${i % 2 === 0 ? 'elsewhere' : 'here'}-${i}`;
        names.push(name);
        await db.crate.create({ data: { name, warehouseId: warehouse.id } });
      }
      const text = await stream.readUntil((x) => x.includes(names.at(-1) ?? ''));
      const seen = [...text.matchAll(/"name":"([^"]+)"/g)].map((m) => m[1]);
      expect(seen).toEqual(names);
      const cursors = [...text.matchAll(/"cursor":"([^"]+)"/g)].map((m) => decodeCursor(m[1] ?? ''));
      expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
      await stream.cancel();
    } finally {
      await other.close();
    }
  });
});

describe('cursors and sessions', () => {
  it('a subscription whose stream fails (a refused cursor) leaves the live set: nothing of it is kept', async () => {
    const { app, staff, warehouse } = await setup();
    await app.data.db.crate.create({ data: { name: 'only one', warehouseId: warehouse.id } });
    const newest = await app.data.reader.event.findFirstOrThrow({ orderBy: { id: 'desc' } });
    const live = appSubscriptions(app.app);
    const ahead = await sse(app, CRATES, staff, { after: encodeCursor(newest.id + 5) });
    expect(await ahead.readUntil((x) => x.includes('CURSOR_AHEAD'))).toContain('BAD_USER_INPUT');
    // the server ends it without the client hanging up (shutdown would otherwise wait for it)
    for (let i = 0; i < 500 && live.count > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(live.count).toBe(0);
    expect(app.realtime.bus.subscriberCount).toBe(0);
    await ahead.cancel();
  });

  it('a cursor the log has not reached is BAD_USER_INPUT with reason CURSOR_AHEAD', async () => {
    const { app, staff, warehouse } = await setup();
    await app.data.db.crate.create({ data: { name: 'only one', warehouseId: warehouse.id } });
    const newest = await app.data.reader.event.findFirstOrThrow({ orderBy: { id: 'desc' } });
    const ahead = await sse(app, CRATES, staff, { after: encodeCursor(newest.id + 5) });
    const text = await ahead.readUntil((x) => x.includes('CURSOR_AHEAD'));
    expect(text).toContain('"reason":"CURSOR_AHEAD"');
    expect(text).toContain('BAD_USER_INPUT');
    await ahead.cancel();
    // the newest cursor itself is fine: nothing to replay, then live
    const before = app.realtime.bus.subscriberCount;
    const fine = await sse(app, CRATES, staff, { after: encodeCursor(newest.id) });
    while (app.realtime.bus.subscriberCount === before) await new Promise((r) => setTimeout(r, 10));
    await app.data.db.crate.create({ data: { name: 'after newest', warehouseId: warehouse.id } });
    expect(await fine.readUntil((x) => x.includes('after newest'))).toContain('after newest');
    await fine.cancel();
  });

  it('a subscription ends with UNAUTHENTICATED when its token is revoked', async () => {
    const { app, staff, warehouse } = await setup();
    const before = app.realtime.bus.subscriberCount;
    const stream = await sse(app, CRATES, staff);
    while (app.realtime.bus.subscriberCount === before) await new Promise((r) => setTimeout(r, 10));
    await app.data.db.crate.create({ data: { name: 'still signed in', warehouseId: warehouse.id } });
    await stream.readUntil((x) => x.includes('still signed in'));
    await app.data.db.authToken.deleteMany({}); // logOut, or an administrator revoking every session
    const text = await stream.readUntil((x) => x.includes('event: complete'));
    expect(text).toContain('UNAUTHENTICATED');
    expect(text).toMatch(/session was revoked/);
    expect(app.realtime.bus.subscriberCount).toBe(before);
    expect(app.realtime.sessions.size).toBe(0);
    await stream.cancel();
  });

  it('a token revoked during a replay ends the replay too: UNAUTHENTICATED next, its lastCursor the last event sent', async () => {
    const { app, staff, warehouse } = await setup();
    const first = await app.data.db.crate.create({ data: { name: 'c0', warehouseId: warehouse.id } });
    const start = await app.data.reader.event.findFirstOrThrow({
      where: { model: 'Crate', rowId: first.id },
    });
    // A backlog of several pages: the replay, one execution per event, is still under way when
    // the token is revoked after the first event arrived (40 were all on their way by then).
    const total = 3000;
    await app.data.db.crate.createMany({
      data: Array.from({ length: total }, (_, i) => ({ name: `c${i + 1}`, warehouseId: warehouse.id })),
    });
    const stream = await sse(app, CRATES, staff, { after: encodeCursor(start.id) });
    await stream.readUntil((x) => x.includes('"c1"'));
    await app.data.db.authToken.deleteMany({});
    await app.realtime.sessions.check();
    const text = await stream.readUntil((x) => x.includes('event: complete'));
    const payloads = [...text.matchAll(/^data: (.+)$/gm)].map(
      (m) =>
        JSON.parse(m[1] as string) as {
          data?: { postSave: { cursor: string; node: { name: string } } } | null;
          errors?: { extensions: { code: string; lastCursor?: string } }[];
        },
    );
    const sent = payloads.filter((p) => p.data?.postSave).map((p) => p.data?.postSave);
    const end = payloads.at(-1)?.errors?.[0]?.extensions;
    expect(end?.code).toBe('UNAUTHENTICATED');
    // not the rest of the backlog: the revoked token is sent no more events than were on their way
    expect(sent.length).toBeLessThan(total);
    expect(end?.lastCursor).toBe(sent.at(-1)?.cursor);
    await stream.cancel();
  });

  it("a token's subscriptions are watched together: one leaving keeps the other watched, revoking ends it", async () => {
    const { app, staff, warehouse } = await setup();
    const before = app.realtime.bus.subscriberCount;
    const leaving = await sse(app, CRATES, staff);
    const staying = await sse(app, CRATES, staff);
    while (app.realtime.bus.subscriberCount < before + 2) await new Promise((r) => setTimeout(r, 10));
    expect(app.realtime.sessions.size).toBe(2);
    await leaving.cancel();
    while (app.realtime.bus.subscriberCount > before + 1) await new Promise((r) => setTimeout(r, 10));
    expect(app.realtime.sessions.size).toBe(1);
    await app.data.db.crate.create({ data: { name: 'one left', warehouseId: warehouse.id } });
    await staying.readUntil((x) => x.includes('one left'));
    await app.data.db.authToken.deleteMany({});
    const text = await staying.readUntil((x) => x.includes('event: complete'));
    expect(text).toMatch(/session was revoked/);
    expect(app.realtime.sessions.size).toBe(0);
    expect(app.realtime.bus.subscriberCount).toBe(before);
    await staying.cancel();
  });

  it('a subscription ends with UNAUTHENTICATED when its token expires', async () => {
    const { app, warehouse } = await setup();
    const admin = await app.data.db.user.findUniqueOrThrow({ where: { username: 'admin' } });
    const shortLived = await issueToken(app.data, admin.id, 400);
    const before = app.realtime.bus.subscriberCount;
    const stream = await sse(app, CRATES, shortLived);
    while (app.realtime.bus.subscriberCount === before) await new Promise((r) => setTimeout(r, 10));
    await app.data.db.crate.create({ data: { name: 'before expiry', warehouseId: warehouse.id } });
    const text = await stream.readUntil((x) => x.includes('event: complete'), 10_000);
    expect(text).toContain('before expiry');
    expect(text).toContain('UNAUTHENTICATED');
    expect(text).toMatch(/session expired/);
    await stream.cancel();
  });
});

describe('postSave(id:)', () => {
  it('follows one row only; an ID of a model without events is BAD_USER_INPUT', async () => {
    const { app, staff, warehouse } = await setup();
    const a = await app.data.db.crate.create({ data: { name: 'a', warehouseId: warehouse.id } });
    const b = await app.data.db.crate.create({ data: { name: 'b', warehouseId: warehouse.id } });
    const idOf = (id: number) => Buffer.from(`Crate:${id}`).toString('base64');
    const query =
      'subscription($id: ID) { postSave(id: $id) { updateFields node { ... on Crate { name } } } }';
    const before = app.realtime.bus.subscriberCount;
    const stream = await sse(app, query, staff, { id: idOf(a.id) });
    while (app.realtime.bus.subscriberCount === before) await new Promise((r) => setTimeout(r, 10));
    await app.data.db.crate.update({ where: { id: b.id }, data: { name: 'b2' } });
    await app.data.db.crate.update({ where: { id: a.id }, data: { name: 'a2' } });
    const text = await stream.readUntil((x) => x.includes('a2'));
    expect(text).toContain('"name":"a2"');
    expect(text).not.toContain('b2');
    await stream.cancel();
    const user = await sse(app, query, staff, { id: Buffer.from('User:1').toString('base64') });
    expect(await user.readUntil((x) => x.includes('BAD_USER_INPUT'))).toContain(
      'is not the ID of a model with events',
    );
    await user.cancel();
  });
});
