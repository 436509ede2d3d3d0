// SQLite only: about its group-commit writer and the SQLite fast path (their statements).
/**
 * Group commit on SQLite (issue 9 item 3) and the fast path wired into the data layer: many
 * units waiting at once share one transaction, each in its own savepoint; a failing unit takes
 * only its own rows and events with it; callers get their own results; events come out in
 * cursor order without a gap.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { AppError, type Db, type EventRow } from '../../src/db/index.js';
import { registerReceivers } from '../../src/receivers/index.js';
import { type Disconnect, preSave } from '../../src/signals/index.js';
import { freshSqliteDatabase, type TestDatabase } from '../support/db.js';

let t: TestDatabase;
let db: Db;
const published: EventRow[][] = [];
const off: Disconnect[] = [];
beforeAll(async () => {
  t = await freshSqliteDatabase();
  db = t.data.db;
  registerReceivers();
  t.data.onCommittedEvents((events) => published.push(events));
});
afterAll(() => t.close());
afterEach(() => {
  for (const d of off.splice(0)) d();
  published.length = 0;
});

describe('group commit', () => {
  it('200 concurrent creates, every 10th rejected by a receiver: exactly the others commit, in batches, events gap-free', async () => {
    const warehouse = await db.warehouse.create({ data: { name: 'batch' } });
    // A test-only rule: names ending in "!" are refused inside the write's savepoint.
    off.push(
      preSave.connect(
        ({ instance }) => {
          if (String(instance.name).endsWith('!')) throw new AppError('BAD_USER_INPUT', 'refused');
        },
        { sender: 'Crate', dispatchUid: 'test.refuseBang' },
      ),
    );
    published.length = 0;
    t.queries.length = 0;
    const names = Array.from({ length: 200 }, (_, i) => (i % 10 === 9 ? `c${i}!` : `c${i}`));
    const outcomes = await Promise.allSettled(
      names.map((name) => db.crate.create({ data: { name, warehouseId: warehouse.id } })),
    );

    outcomes.forEach((outcome, i) => {
      if (i % 10 === 9) {
        expect(outcome.status, names[i]).toBe('rejected');
        if (outcome.status === 'rejected') expect((outcome.reason as AppError).code).toBe('BAD_USER_INPUT');
      } else {
        expect(outcome.status, names[i]).toBe('fulfilled');
        // each caller gets its own row
        if (outcome.status === 'fulfilled') expect(outcome.value.name).toBe(names[i]);
      }
    });
    const stored = await db.crate.findMany({ where: { warehouseId: warehouse.id }, orderBy: { id: 'asc' } });
    expect(stored.map((c) => c.name).sort()).toEqual(names.filter((n) => !n.endsWith('!')).sort());

    // The writer took the waiting units together: 200 units in a few transactions of up to 64
    // (without group commit: 200 COMMITs; bounded by 2 ms alone: one per 2-3 units).
    const commits = t.queries.filter((q) => q === 'COMMIT').length;
    expect(commits).toBeGreaterThanOrEqual(4);
    expect(commits).toBeLessThanOrEqual(10);
    // Savepoints are named by depth in SQL: a few statements, prepared once (not one per savepoint).
    const savepointStatements = new Set(t.queries.filter((q) => /^(SAVEPOINT|RELEASE|ROLLBACK TO) /.test(q)));
    expect([...savepointStatements].sort()).toEqual([
      'RELEASE sy_1',
      'RELEASE sy_2',
      'ROLLBACK TO sy_1',
      'SAVEPOINT sy_1',
      'SAVEPOINT sy_2',
    ]);

    // Each accepted create: the crate's event and its warehouse's (newest-crate receiver).
    const events = published.flat();
    expect(events).toHaveLength(180 * 2);
    events.forEach((event, i) => {
      if (i > 0) expect(event.id).toBe((events[i - 1] as EventRow).id + 1);
    });
    const crateEvents = events.filter((e) => e.model === 'Crate').map((e) => e.rowId);
    expect(crateEvents).toEqual(stored.map((c) => c.id));
    const warehouseAfter = await db.warehouse.findUniqueOrThrow({ where: { id: warehouse.id } });
    expect(warehouseAfter.newestCrateId).toBe(stored.at(-1)?.id);
  });

  it('units arriving in separate turns of the event loop, as requests read from their sockets do, share a transaction', async () => {
    // A batch bound no slow machine reaches: what is counted is the turns, not the clock.
    const own = await freshSqliteDatabase({ batchMs: 600_000 });
    onTestFinished(() => own.close());
    const warehouse = await own.data.db.warehouse.create({ data: { name: 'turns' } });
    own.queries.length = 0;
    // Each create starts in its own macrotask, the first one's batch open before the others
    // start: a unit runs on microtasks, so they reach the writer only if the batch gives them a
    // turn of the event loop.
    const names = Array.from({ length: 20 }, (_, i) => `turn-${i}`);
    const created = await Promise.all(
      names.map(
        (name) =>
          new Promise<{ name: string }>((resolve, reject) => {
            setImmediate(() => {
              own.data.db.crate.create({ data: { name, warehouseId: warehouse.id } }).then(resolve, reject);
            });
          }),
      ),
    );
    expect(created.map((c) => c.name)).toEqual(names);
    // without the turn: one COMMIT per unit
    expect(own.queries.filter((q) => q === 'COMMIT')).toHaveLength(1);
    const stored = await own.data.db.crate.findMany({
      where: { warehouseId: warehouse.id },
      orderBy: { id: 'asc' },
    });
    expect(stored.map((c) => c.name)).toEqual(names);
  });

  it("a unit that fails rolls back only its savepoint: the batch's others commit", async () => {
    const warehouse = await db.warehouse.create({ data: { name: 'sp' } });
    const [ok1, failed, ok2] = await Promise.allSettled([
      db.$transaction(async (tx) => tx.crate.create({ data: { name: 'kept-1', warehouseId: warehouse.id } })),
      db.$transaction(async (tx) => {
        await tx.crate.create({ data: { name: 'gone', warehouseId: warehouse.id } });
        throw new Error('this unit fails after its write');
      }),
      db.$transaction(async (tx) => tx.crate.create({ data: { name: 'kept-2', warehouseId: warehouse.id } })),
    ]);
    expect([ok1.status, failed.status, ok2.status]).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const kept = await db.crate.findMany({ where: { warehouseId: warehouse.id }, orderBy: { id: 'asc' } });
    expect(kept.map((c) => c.name).sort()).toEqual(['kept-1', 'kept-2']);
    // The failed unit's event went with its savepoint: only the kept crates' events were published.
    const crateEvents = published.flat().filter((e) => e.model === 'Crate');
    expect(crateEvents.map((e) => e.rowId)).toEqual(kept.map((c) => c.id));
  });
});

describe('the fast path is wired in', () => {
  it("simple model calls run as the fast path's statements, not through Prisma's compiler", async () => {
    const warehouse = await db.warehouse.create({ data: { name: 'fast' } });
    t.queries.length = 0;
    await db.crate.create({ data: { name: 'f', warehouseId: warehouse.id } });
    await t.data.reader.crate.findUnique({ where: { id: 1 } });
    // Prisma writes `main`.`Crate`; the fast path writes "Crate".
    expect(t.queries.filter((q) => q.includes('`main`'))).toEqual([]);
    expect(t.queries.some((q) => q.startsWith('INSERT INTO "Crate"'))).toBe(true);
  });

  it('fastPath: false sends the same calls to Prisma', async () => {
    const plain = await freshSqliteDatabase({ fastPath: false });
    try {
      const w = await plain.data.db.warehouse.create({ data: { name: 'plain' } });
      plain.queries.length = 0;
      await plain.data.db.crate.update({ where: { id: 1 }, data: { name: 'x' } }).catch(() => null);
      await plain.data.reader.warehouse.findUnique({ where: { id: w.id } });
      expect(plain.queries.some((q) => q.includes('`main`'))).toBe(true);
    } finally {
      await plain.close();
    }
  });
});
