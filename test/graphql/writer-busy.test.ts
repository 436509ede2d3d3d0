/**
 * SQLite's one writer not free in time, as a client sees it: a write queued behind a transaction
 * that may run longer than `lockWaitMs`, or refused the write lock by another process, gets
 * SERVICE_UNAVAILABLE (retryable, nothing written), not a masked error; behind an ordinary
 * transaction (the default `lockWaitMs` is the transaction timeout) it waits and succeeds.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { TransactionTimeoutError } from '../../src/db/index.js';
import { type TestApp, testApp } from '../support/app.js';

const CREATE = 'mutation ($name: String!) { createWarehouse(input: { name: $name }) { name } }';
const opened: TestApp[] = [];
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close();
});

async function app(db: NonNullable<Parameters<typeof testApp>[0]>['db']) {
  const logged: string[] = [];
  const t = await testApp({ sqlite: true, db: { ...db, logError: (message) => logged.push(message) } });
  opened.push(t);
  return { t, logged, staff: (await t.staff()).token };
}

/**
 * Opens a unit of work that holds the writer until `until` settles; resolves once it holds it,
 * with the unit's own outcome (in an object: a promise returned bare would be awaited).
 */
async function holdWriter(t: TestApp, until: Promise<unknown>, timeout?: number) {
  let holding!: () => void;
  const held = new Promise<void>((resolve) => {
    holding = resolve;
  });
  const unit = t.data.db
    .$transaction(
      async (tx) => {
        await tx.warehouse.create({ data: { name: 'holder' } });
        holding();
        await until.catch(() => {});
      },
      timeout === undefined ? undefined : { timeout },
    )
    .then(
      () => 'committed' as const,
      (error: unknown) => error,
    );
  await held;
  return { outcome: unit };
}

const count = (t: TestApp, name: string) => t.data.db.warehouse.count({ where: { name } });

describe('a write queued behind a long transaction', () => {
  it('behind one allowed to run longer than lockWaitMs: refused with SERVICE_UNAVAILABLE (WRITER_BUSY), logged once, nothing written; the retry succeeds', async () => {
    const { t, logged, staff } = await app({ lockWaitMs: 200 });
    let settle!: () => void;
    const mutationDone = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const { outcome } = await holdWriter(t, mutationDone);
    const refused = await t.gql(CREATE, { name: 'queued' }, staff).finally(settle);
    expect(refused.status).toBe(503);
    expect(refused.errors).toMatchObject([
      {
        message: expect.stringMatching(
          /^The database writer is held by a long transaction .*nothing was written; retry/,
        ),
        extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'WRITER_BUSY', retryAfter: 1 },
      },
    ]);
    expect(t.masked).toEqual([]);
    expect(await outcome).toBe('committed'); // the long transaction itself goes on
    expect(logged).toEqual([expect.stringMatching(/^\[signalyard\] 1 write\(s\) refused: .*deadlock/)]);
    expect(await count(t, 'queued')).toBe(0);
    const retried = await t.gql(CREATE, { name: 'queued' }, staff);
    expect(retried.errors).toBeUndefined();
    expect(await count(t, 'queued')).toBe(1);
  });

  it('with an Idempotency-Key: the same SERVICE_UNAVAILABLE (WRITER_BUSY), nothing kept, and the retry with that key runs', async () => {
    const { t, staff } = await app({ lockWaitMs: 200 });
    const send = async () =>
      await t.app.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${staff}`,
          'idempotency-key': 'busy-1',
        },
        body: JSON.stringify({ query: CREATE, variables: { name: 'keyed' } }),
      });
    let settle!: () => void;
    const mutationDone = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const { outcome } = await holdWriter(t, mutationDone);
    const refused = await send().finally(settle);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { errors: unknown[] }).errors).toMatchObject([
      { extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'WRITER_BUSY', retryAfter: 1 } },
    ]);
    expect(t.masked).toEqual([]);
    expect(await outcome).toBe('committed');
    const retried = await send();
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(((await retried.json()) as { errors?: unknown }).errors).toBeUndefined();
    expect(await count(t, 'keyed')).toBe(1);
  });

  it('by default lockWaitMs is the transaction timeout: behind an ordinary transaction the write waits, even past that one timing out', async () => {
    const { t, staff } = await app({ transactionTimeoutMs: 600 });
    const { outcome } = await holdWriter(t, new Promise(() => {})); // never lets go by itself
    const waited = await t.gql(CREATE, { name: 'waited' }, staff);
    expect(waited.errors).toBeUndefined();
    expect(await outcome).toBeInstanceOf(TransactionTimeoutError);
    expect(await count(t, 'waited')).toBe(1);
  });

  it('by default, behind a transaction allowed longer than the transaction timeout, the write is refused past that timeout', async () => {
    const { t, staff } = await app({ transactionTimeoutMs: 600 });
    let settle!: () => void;
    const mutationDone = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const { outcome } = await holdWriter(t, mutationDone, 20_000);
    const refused = await t.gql(CREATE, { name: 'refused' }, staff).finally(settle);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      reason: 'WRITER_BUSY',
    });
    expect(await outcome).toBe('committed');
    expect(await count(t, 'refused')).toBe(0);
  });
});

describe('another process holding the write lock past busyTimeoutMs', () => {
  it('refused with SERVICE_UNAVAILABLE (WRITE_LOCKED), logged, nothing written; the retry succeeds', async () => {
    const { t, logged, staff } = await app({ busyTimeoutMs: 300 });
    const other = new Database(t.file);
    try {
      other.exec('BEGIN IMMEDIATE');
      const refused = await t.gql(CREATE, { name: 'locked out' }, staff);
      expect(refused.status).toBe(503);
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        reason: 'WRITE_LOCKED',
        retryAfter: 1,
      });
      expect(t.masked).toEqual([]);
      expect(logged).toEqual([expect.stringMatching(/^\[signalyard\] 1 write\(s\) refused:/)]);
      other.exec('ROLLBACK');
      expect((await t.gql(CREATE, { name: 'locked out' }, staff)).errors).toBeUndefined();
      expect(await count(t, 'locked out')).toBe(1);
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    }
  });
});
