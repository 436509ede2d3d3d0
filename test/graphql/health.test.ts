import { expect, it } from 'vitest';
import { testApp } from '../support/app.js';

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
