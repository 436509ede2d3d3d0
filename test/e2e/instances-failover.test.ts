/**
 * Two instances on one database and one Redis of this file's own (it stops and restarts it):
 * the relay's instance killed mid-burst loses no acknowledged write and no event (the other
 * takes the lease and publishes from the log); Redis down: writes still commit, /health is 503
 * naming redis, and every event arrives once it is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createWarehouse,
  type Instance,
  idOf,
  live,
  ok,
  pool,
  type SaveEvent,
  type SharedDatabase,
  sharedDatabase,
  signIn,
  startInstance,
  subscribeSaves,
  until,
} from '../support/instances.js';
import { testRedis } from '../support/redis.js';

const redis = await testRedis({ needsOwn: true });
let db: SharedDatabase;
let env: Record<string, string>;
let instances: Instance[] = [];
let staff: string;

beforeAll(async () => {
  if (!redis) return;
  db = sharedDatabase();
  env = {
    DATABASE_URL: db.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    ADMIN_PASSWORD: 'admin-pass-1',
  };
  instances = [await startInstance(env), await startInstance(env)];
  staff = (await signIn(instances[0]?.url as string, 'logIn', 'admin', 'admin-pass-1')).token;
}, 60_000);

afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop()));
  db?.close();
  await redis?.close();
});

const CRATE = 'mutation($n: String!, $w: ID!) { createCrate(input: { name: $n, warehouseId: $w }) { id } }';
type Created = { createCrate: { id: string } };

/** The instance whose process holds the relay lease (its value starts host:pid:). */
async function relayInstance(among: Instance[] = instances): Promise<Instance> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const holder = await redis?.client().get(`${redis.prefix}relay`);
    const found = among.find((i) => holder?.split(':')[1] === String(i.child.pid));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no instance holds the lease (${holder})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function health(instance: Instance): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL('/health', instance.url));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What a subscriber got equals the log (a replay from the same start), each write's event once. */
async function expectEveryEventOnce(
  url: string,
  start: string,
  got: SaveEvent[],
  crates: string[],
  marker: string,
) {
  const ids = got.map(idOf);
  expect(ids).toEqual([...new Set(ids)].sort((x, y) => x - y));
  for (const crate of crates) expect(got.filter((e) => e.node?.id === crate && e.created)).toHaveLength(1);
  const replay = subscribeSaves(url, staff, start);
  const logged = await until(replay.events, marker);
  await replay.close();
  expect(got.map((e) => e.cursor)).toEqual(logged.map((e) => e.cursor));
}

describe.skipIf(!redis)('instances and Redis failing', () => {
  it('the relay instance killed with SIGKILL mid-burst loses no acknowledged write and no event', async () => {
    const relay = await relayInstance();
    const survivor = instances.find((i) => i !== relay) as Instance;
    const sub = subscribeSaves(survivor.url, staff);
    try {
      const start = await live(relay.url, staff, sub.events);
      const from = sub.events.items.length;
      const warehouse = await createWarehouse(survivor.url, staff, 'killed mid-burst');
      const acknowledged: string[] = [];
      let onRelay = 0;
      await pool(
        Array.from({ length: 200 }, (_, i) => async () => {
          const target = i % 2 ? relay : survivor;
          try {
            const { createCrate } = await ok<Created>(target.url, CRATE, { n: `k${i}`, w: warehouse }, staff);
            acknowledged.push(createCrate.id);
            if (target === relay) onRelay++;
          } catch {
            return; // sent to the killed instance: not acknowledged, so not promised
          }
          if (acknowledged.length === 60) relay.child.kill('SIGKILL');
        }),
        20,
      );
      await relay.exited;
      expect(onRelay).toBeGreaterThan(0);
      expect(acknowledged.length).toBeGreaterThan(100);
      // the survivor takes the lease once the dead one's runs out, and publishes what it left
      expect(await relayInstance([survivor])).toBe(survivor);
      const marker = await createWarehouse(survivor.url, staff, 'after the kill');
      const got = (await until(sub.events, marker, 30_000)).slice(from);
      await expectEveryEventOnce(survivor.url, start, got, acknowledged, marker);
      const found: (string | undefined)[] = [];
      for (let i = 0; i < acknowledged.length; i += 100) {
        const { nodes } = await ok<{ nodes: ({ id: string } | null)[] }>(
          survivor.url,
          'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
          { ids: acknowledged.slice(i, i + 100) },
          staff,
        );
        found.push(...nodes.map((n) => n?.id));
      }
      expect(found).toEqual(acknowledged);
    } finally {
      await sub.close();
      instances = [survivor, await startInstance(env)];
    }
  }, 120_000);

  it('Redis stopped and restarted: writes commit, /health 503 naming redis, no event lost', async () => {
    const [a, b] = instances as [Instance, Instance];
    const sub = subscribeSaves(b.url, staff);
    try {
      const start = await live(a.url, staff, sub.events);
      const from = sub.events.items.length;
      const warehouse = await createWarehouse(a.url, staff, 'redis outage');
      await redis?.stop();
      for (const instance of [a, b]) {
        await eventually(
          async () => (await health(instance)).status === 503,
          'health 503 while Redis is down',
        );
        expect((await health(instance)).body).toMatchObject({ status: 'unavailable', failing: 'redis' });
      }
      const crates = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          ok<Created>(i % 2 ? a.url : b.url, CRATE, { n: `r${i}`, w: warehouse }, staff),
        ),
      );
      await redis?.restart();
      for (const instance of [a, b]) {
        await eventually(
          async () => (await health(instance)).status === 200,
          'health 200 once Redis is back',
        );
      }
      const marker = await createWarehouse(a.url, staff, 'after the outage');
      const got = (await until(sub.events, marker, 30_000)).slice(from);
      await expectEveryEventOnce(
        b.url,
        start,
        got,
        crates.map((c) => c.createCrate.id),
        marker,
      );
    } finally {
      await sub.close();
    }
  }, 120_000);

  it('SIGTERM: the relay instance exits 0 and releases the lease (another takes it without waiting for it to run out)', async () => {
    const relay = await relayInstance();
    const other = instances.find((i) => i !== relay) as Instance;
    const sub = subscribeSaves(other.url, staff);
    try {
      await live(other.url, staff, sub.events);
      relay.child.kill('SIGTERM');
      expect(await relay.exited).toBe(0);
      // released, not run out: the key is gone or already the other's, never the stopped one's
      const holder = await redis?.client().get(`${redis.prefix}relay`);
      expect(holder?.split(':')[1]).not.toBe(String(relay.child.pid));
      const marker = await createWarehouse(other.url, staff, 'after SIGTERM');
      await until(sub.events, marker);
      expect(await relayInstance([other])).toBe(other);
    } finally {
      await sub.close();
      instances = [other, await startInstance(env)];
    }
  }, 60_000);
});
