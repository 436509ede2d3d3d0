/**
 * The relay against a real Redis and a real SQLite log: two relays that both believe they hold
 * the lease (one paused past its lease, say) still publish each event once, in cursor order,
 * because the stream's ids are the cursors and the append skips what the stream holds already.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Relay } from '../../src/realtime/redis/relay.js';
import { keysOf } from '../../src/realtime/redis/stream.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { testRedis } from '../support/redis.js';

const redis = await testRedis();
let t: TestDatabase;

beforeAll(async () => {
  if (redis) t = await freshDatabase();
});
afterAll(async () => {
  await t?.close();
  await redis?.close();
});

const write = async (n: number, label: string) => {
  for (let i = 0; i < n; i++) await t.data.db.warehouse.create({ data: { name: `${label} ${i}` } });
};

it.skipIf(!redis)(
  'two relays that both hold the lease publish each event once, in cursor order',
  async () => {
    if (!redis) return;
    const keys = keysOf(redis.prefix);
    const relay = (instanceId: string) =>
      new Relay(redis.client(), t.data, keys, {
        instanceId,
        leaseMs: 60_000,
        maxLength: 10_000,
        retentionMs: 3_600_000,
        logError: () => {},
      });
    const a = relay('a:1:x');
    const b = relay('b:2:y');
    await write(20, 'before');
    await a.tick();
    expect(a.isLeader).toBe(true);
    // the lease vanishes under a (it ran out while a was paused): b takes it, a still believes
    await redis.client().del(keys.lease);
    await b.tick();
    expect(a.isLeader && b.isLeader).toBe(true);
    await write(30, 'split');
    await Promise.all([a.kick(), b.kick(), a.kick(), b.kick()]);
    await write(10, 'after');
    await Promise.all([b.kick(), a.kick()]);

    const entries = await redis.client().xrange(keys.stream, '-', '+');
    const logged = (await t.data.log.readLog({ after: 0, limit: 1_000 })).map((e) => e.id);
    const events = entries.filter(([, fields]) => fields[0] === 'p').map(([id]) => Number(id.split('-')[0]));
    // a started at the log's newest event then (a mark says so), and published every later one once
    expect(entries[0]?.[1]).toEqual(['m', String(logged[19])]);
    expect(events).toEqual(logged.slice(20));
  },
);
