/**
 * One JSON log line per request (id, operation, user, duration, outcome, code); the id in the
 * X-Request-Id header and in masked errors; client mistakes are that line only, with no stack.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createMaskError } from '../../src/schema/errors.js';
import { preSave } from '../../src/signals/index.js';
import { type TestApp, testApp } from '../support/app.js';

const lines: Array<Record<string, unknown>> = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  }),
);

let t: TestApp;
let staff: string;
beforeAll(async () => {
  t = await testApp({
    app: {
      logger,
      logError: (message, error, requestId) => logger.error({ err: error, requestId }, message),
    },
  });
  staff = (await t.staff()).token;
});
afterAll(() => t.close());

async function post(query: string, token?: string, operationName?: string) {
  const response = await t.app.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, operationName }),
  });
  const id = response.headers.get('x-request-id') ?? '';
  return {
    id,
    body: (await response.json()) as { errors?: Array<{ extensions?: Record<string, unknown> }> },
  };
}
const of = (id: string) => lines.filter((l) => l.requestId === id);

it('a request makes one line with its id, operation, user, duration and outcome', async () => {
  const { id } = await post('query Warehouses { warehouses { edges { node { id } } } }', staff, 'Warehouses');
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  const [line, ...more] = of(id);
  expect(more).toEqual([]);
  expect(line).toMatchObject({
    level: 30,
    operation: 'Warehouses',
    userId: expect.any(Number),
    status: 200,
    outcome: 'ok',
    code: null,
  });
  expect(line?.durationMs).toEqual(expect.any(Number));
});

it('a client mistake is that one line, with its code and no stack', async () => {
  const { id, body } = await post('mutation { createWarehouse(input: { name: "   " }) { id } }', staff);
  expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  const found = of(id);
  expect(found).toHaveLength(1);
  expect(found[0]).toMatchObject({ outcome: 'refused', code: 'BAD_USER_INPUT' });
  expect(JSON.stringify(found)).not.toMatch(/stack|\n\s+at /);
});

it('an unexpected error is masked with the request id that its log lines carry', async () => {
  const mask = createMaskError((message, error, requestId) =>
    logger.error({ err: error, requestId }, message),
  );
  const masked = mask(new Error('disk on fire'), 'Unexpected error.', 'req-1');
  expect(masked.message).toBe('Unexpected error.');
  expect(masked.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-1' });
  expect(of('req-1')[0]).toMatchObject({ level: 50, err: { message: 'disk on fire' } });

  // the same through the server: a receiver with a bug, on the real write path
  const disconnect = preSave.connect(
    () => {
      throw new Error('receiver bug: disk on fire');
    },
    { sender: 'Warehouse', dispatchUid: 'test.buggy-receiver' },
  );
  const { id, body } = await post('mutation { createWarehouse(input: { name: "W" }) { id } }', staff).finally(
    disconnect,
  );
  expect(body.errors?.[0]?.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: id });
  expect(JSON.stringify(body)).not.toMatch(/Prisma|SQLITE|\n\s+at /);
  const found = of(id);
  expect(found.some((l) => l.level === 50 && l.err !== undefined)).toBe(true);
  expect(found.find((l) => l.msg === 'request failed')).toMatchObject({
    outcome: 'error',
    code: 'INTERNAL_SERVER_ERROR',
  });
});
