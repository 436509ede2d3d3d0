/**
 * PostgreSQL's savepoints with deferred releases (src/db/dialects/postgresql/unit.ts): a done
 * savepoint stays held until COMMIT or until 16 are held, and everything a caught failure
 * undoes is still exactly its own frame's rows, however many done savepoints sit around it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerReceivers } from '../../../src/receivers/index.js';
import { freshDatabase, type TestDatabase } from '../../support/db.js';
import { needsPostgres } from '../../support/pg.js';

describe.runIf(needsPostgres('PostgreSQL savepoints'))('PostgreSQL savepoints', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
    registerReceivers();
  });
  afterAll(async () => {
    await t?.close();
  });

  const statements = (from: number, pattern: RegExp) =>
    t.queries.slice(from).filter((sql) => pattern.test(sql)).length;

  it('a crate and its receiver write send no RELEASE: COMMIT ends their savepoints', async () => {
    const warehouse = await t.data.db.warehouse.create({ data: { name: 'no release' } });
    const from = t.queries.length;
    const crate = await t.data.db.crate.create({ data: { name: 'c', warehouseId: warehouse.id } });
    // the receiver's write is a savepoint inside the crate's own unit
    expect(statements(from, /^\s*SAVEPOINT /i)).toBeGreaterThan(0);
    expect(statements(from, /^\s*RELEASE /i)).toBe(0);
    const after = await t.data.reader.warehouse.findUnique({ where: { id: warehouse.id } });
    expect(after?.newestCrateId).toBe(crate.id);
  });

  it('40 writes, then a caught failing write: only that write is undone, the unit commits the rest', async () => {
    const from = t.queries.length;
    const names = Array.from({ length: 40 }, (_, i) => `many-${i}`);
    await t.data.db.$transaction(async (tx) => {
      for (const name of names) await tx.warehouse.create({ data: { name } });
      // A crate into a warehouse that does not exist: the FK fails inside pre_save's work
      // (the warehouse lock and the crate number were taken in the same savepoint).
      await expect(tx.crate.create({ data: { name: 'orphan', warehouseId: 999_999 } })).rejects.toThrow();
      await tx.warehouse.create({ data: { name: 'after the failure' } });
    });
    // Releases were batched: far fewer than one per write, but the nesting stayed bounded.
    const releases = statements(from, /^\s*RELEASE /i);
    expect(releases).toBeGreaterThan(0);
    expect(releases).toBeLessThan(names.length / 4);
    const kept = await t.data.reader.warehouse.findMany({
      where: { name: { in: [...names, 'after the failure'] } },
    });
    expect(kept).toHaveLength(41);
    expect(await t.data.reader.crate.count({ where: { name: 'orphan' } })).toBe(0);
  });

  it('a nested transaction failing after its own nested write succeeded undoes both, and only them', async () => {
    const from = t.queries.length;
    await t.data.db.$transaction(async (tx) => {
      await tx.warehouse.create({ data: { name: 'outer kept' } });
      await expect(
        tx.$transaction(async (inner) => {
          await inner.warehouse.create({ data: { name: 'inner gone 1' } });
          await inner.$transaction(async (innermost) => {
            await innermost.warehouse.create({ data: { name: 'inner gone 2' } });
          });
          throw new Error('give up');
        }),
      ).rejects.toThrow('give up');
      await tx.warehouse.create({ data: { name: 'outer kept too' } });
    });
    expect(statements(from, /^\s*ROLLBACK TO SAVEPOINT /i)).toBe(1);
    const rows = await t.data.reader.warehouse.findMany({
      where: { name: { in: ['outer kept', 'inner gone 1', 'inner gone 2', 'outer kept too'] } },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => r.name)).toEqual(['outer kept', 'outer kept too']);
    // The outbox followed the rows: every Warehouse event is of a warehouse that exists (this
    // file deletes none), so the rolled-back ones left no event behind.
    await t.data.log.sequence();
    const events = await t.data.log.readLog({ after: 0, limit: 10_000, where: { model: 'Warehouse' } });
    const existing = new Set(
      (await t.data.reader.warehouse.findMany({ select: { id: true } })).map((w) => w.id),
    );
    expect(events.length).toBeGreaterThan(0);
    expect(events.filter((e) => !existing.has(e.rowId))).toEqual([]);
    for (const row of rows) expect(events.some((e) => e.rowId === row.id && e.created)).toBe(true);
    const gone = await t.data.reader.warehouse.count({ where: { name: { startsWith: 'inner gone' } } });
    expect(gone).toBe(0);
  });
});
