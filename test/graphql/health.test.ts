import { expect, it } from 'vitest';
import { Realtime } from '../../src/realtime/index.js';
import { createApp } from '../../src/server/yoga.js';
import { testApp } from '../support/app.js';
import { freePort } from '../support/redis.js';

it('GET /health is 200 while the database answers and 503 when it does not', async () => {
  const t = await testApp();
  const up = await t.app.fetch('http://yoga/health');
  expect(up.status).toBe(200);
  expect(await up.json()).toEqual({ status: 'ok' });
  await t.close(); // the database is gone now
  const down = await t.app.fetch('http://yoga/health');
  expect(down.status).toBe(503);
  expect(await down.json()).toMatchObject({ status: 'unavailable' });
});

it('GET /health is 503 naming redis when REDIS_URL does not answer, and both parts when the database fails too', async () => {
  const t = await testApp();
  const port = await freePort(); // nothing listens there
  const realtime = new Realtime(t.data, {
    retentionMs: 3_600_000,
    logError: () => {},
    redis: { url: `redis://127.0.0.1:${port}`, prefix: 'health-test:' },
  }).start();
  const app = createApp({ data: t.data, realtime, tokenTtlMs: 3_600_000, databaseFile: t.file });
  try {
    const down = await app.fetch('http://yoga/health');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'unavailable', failing: 'redis' });
    await t.close();
    const both = await app.fetch('http://yoga/health');
    expect(both.status).toBe(503);
    expect(await both.json()).toMatchObject({ status: 'unavailable', failing: 'database, redis' });
  } finally {
    await realtime.stop();
  }
});
