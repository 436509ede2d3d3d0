/**
 * Prisma's own semantics, kept through the pipeline (with receivers and without), and no way
 * around the signals through the data layer.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DataLayer, type Db, type EventRow, muteSignals, openDatabase } from '../../src/db/index.js';
import { postSave, preDelete, preSave } from '../../src/signals/index.js';
import { signalSuite, type TestDatabase } from '../support/db.js';

const suite = signalSuite(['crate', 'warehouse', 'user']);
const { off } = suite;
let t: TestDatabase;
let db: Db;
const published: EventRow[] = [];
beforeAll(() => {
  ({ t, db } = suite);
  t.data.onCommittedEvents((events) => published.push(...events));
});
afterEach(() => {
  published.length = 0;
});

/** With a receiver on Crate the pipeline takes the per-row path; without, the one-statement path. */
const paths = [
  ['without receivers', () => {}],
  [
    'with receivers',
    () => {
      off.push(
        preSave.connect(() => {}, { sender: 'Crate', dispatchUid: 'test.pre' }),
        postSave.connect(() => {}, { sender: 'Crate', dispatchUid: 'test.post' }),
        preDelete.connect(() => {}, { sender: 'Crate', dispatchUid: 'test.preDelete' }),
      );
    },
  ],
] as const;

async function crates(n: number) {
  const w = await muteSignals(() => db.warehouse.create({ data: { name: 'W' } }));
  await muteSignals(() =>
    db.crate.createMany({
      data: Array.from({ length: n }, (_, i) => ({ name: `c${i}`, warehouseId: w.id })),
    }),
  );
  return w;
}

describe.each(paths)('limit on bulk writes, %s', (_name, setUp) => {
  it('deleteMany({ where, limit: 1 }) deletes one row', async () => {
    const w = await crates(3);
    setUp();
    expect(await db.crate.deleteMany({ where: { warehouseId: w.id }, limit: 1 })).toEqual({ count: 1 });
    expect(await db.crate.count({ where: { warehouseId: w.id } })).toBe(2);
  });

  it('updateMany({ where, data, limit: 2 }) updates two rows', async () => {
    const w = await crates(3);
    setUp();
    expect(
      await db.crate.updateMany({ where: { warehouseId: w.id }, data: { description: 'x' }, limit: 2 }),
    ).toEqual({
      count: 2,
    });
    expect(await db.crate.count({ where: { description: 'x' } })).toBe(2);
  });

  it('updateManyAndReturn({ where, data, limit: 1 }) updates and returns one row', async () => {
    const w = await crates(3);
    setUp();
    const rows = await db.crate.updateManyAndReturn({
      where: { warehouseId: w.id },
      data: { description: 'y' },
      limit: 1,
    });
    expect(rows).toHaveLength(1);
    expect(await db.crate.count({ where: { description: 'y' } })).toBe(1);
  });
});

describe('bulk creates', () => {
  it('skipDuplicates skips the rows that hit a unique constraint; a skipped row’s pre_save side effects roll back', async () => {
    await db.user.create({ data: { username: 'taken', passwordHash: 'x' } });
    const w = await db.warehouse.create({ data: { name: 'side effects' } });
    off.push(
      preSave.connect(
        async ({ instance, tx }) => {
          await tx.crate.create({
            data: { name: `made for ${String(instance.username)}`, warehouseId: w.id },
          });
        },
        { sender: 'User', dispatchUid: 'test.sideEffect' },
      ),
    );
    const result = await db.user.createMany({
      data: [
        { username: 'fresh', passwordHash: 'x' },
        { username: 'taken', passwordHash: 'y' },
      ],
      // @ts-expect-error Prisma's SQLite types leave skipDuplicates out (its engine refuses it); the pipeline implements it
      skipDuplicates: true,
    });
    expect(result).toEqual({ count: 1 });
    expect((await db.user.findMany({ orderBy: { username: 'asc' } })).map((u) => u.username)).toEqual([
      'fresh',
      'taken',
    ]);
    expect((await db.crate.findMany({ where: { warehouseId: w.id } })).map((c) => c.name)).toEqual([
      'made for fresh',
    ]);
  });

  it('createManyAndReturn honours include, select and omit', async () => {
    const w = await db.warehouse.create({ data: { name: 'Main' } });
    const data = [1, 2].map((i) => ({ name: `i${i}`, warehouseId: w.id }));
    const included = await db.crate.createManyAndReturn({ data, include: { warehouse: true } });
    expect(included.map((c) => [c.name, c.warehouse.name])).toEqual([
      ['i1', 'Main'],
      ['i2', 'Main'],
    ]);
    const selected = await db.crate.createManyAndReturn({ data, select: { name: true } });
    expect(selected).toEqual([{ name: 'i1' }, { name: 'i2' }]);
    const omitted = await db.crate.createManyAndReturn({ data, omit: { description: true } });
    expect(omitted.every((c) => !('description' in c) && c.name.startsWith('i'))).toBe(true);
  });
});

describe('updateFields', () => {
  it('a key set to undefined is not written and not in updateFields', async () => {
    const w = await crates(1);
    const [crate] = await db.crate.findMany({ where: { warehouseId: w.id } });
    published.length = 0;
    const seen: unknown[] = [];
    off.push(postSave.connect(({ updateFields }) => void seen.push(updateFields), { sender: 'Crate' }));
    await db.crate.update({ where: { id: crate?.id }, data: { name: 'renamed', description: undefined } });
    expect(seen).toEqual([['name']]);
    expect(published.filter((e) => e.model === 'Crate').map((e) => e.updateFields)).toEqual(['["name"]']);
  });

  it('post_save and the Event row list the same fields, as pre_save receivers left the data', async () => {
    const w = await crates(1);
    const [crate] = await db.crate.findMany({ where: { warehouseId: w.id } });
    published.length = 0;
    const seen: unknown[] = [];
    off.push(
      preSave.connect(
        ({ instance, created }) => {
          if (!created) instance.description = 'stamped by a receiver';
        },
        { sender: 'Crate', dispatchUid: 'test.stamp' },
      ),
      postSave.connect(({ updateFields }) => void seen.push(updateFields), { sender: 'Crate' }),
    );
    await db.crate.update({ where: { id: crate?.id }, data: { name: 'renamed' } });
    expect(seen).toEqual([['name', 'description']]);
    expect(published.filter((e) => e.model === 'Crate').map((e) => e.updateFields)).toEqual([
      '["name","description"]',
    ]);
  });
});

describe('no way around the signals', () => {
  it('the read client is read-only in its type and at run time', async () => {
    const w = await db.warehouse.create({ data: { name: 'ro' } });
    // @ts-expect-error create is not part of the read client's type
    expect(() => t.data.reader.crate.create({ data: { name: 'x', warehouseId: w.id } })).toThrow(TypeError);
    // @ts-expect-error nor is deleteMany
    expect(() => t.data.reader.crate.deleteMany({})).toThrow(/read-only.*data\.db\.crate\.deleteMany/);
    // @ts-expect-error nor $executeRawUnsafe
    expect(() => t.data.reader.$executeRawUnsafe('DELETE FROM "Crate"')).toThrow(TypeError);
    await expect(t.data.reader.$queryRawUnsafe('DELETE FROM "Warehouse" RETURNING "id"')).rejects.toThrow(
      TypeError,
    );
    expect(await db.warehouse.count({ where: { id: w.id } })).toBe(1);
    expect(await t.data.reader.warehouse.count({ where: { id: w.id } })).toBe(1);
  });

  it('$extends, $connect, $disconnect and $on are refused with a message', () => {
    const client = db as unknown as Record<string, () => unknown>;
    expect(() => client.$extends?.()).toThrow(/\$extends is refused/);
    expect(() => client.$disconnect?.()).toThrow(/data\.close/);
    expect(() => client.$connect?.()).toThrow(TypeError);
    expect(() => client.$on?.()).toThrow(/onQuery/);
  });

  it('$queryRaw whose statement writes runs on the writer (in a unit), not on the read connection', async () => {
    const ran: Array<{ sql: string; client: string }> = [];
    let layer: DataLayer | undefined;
    try {
      layer = await openDatabase(t.config, {
        onQuery: (sql, client) => ran.push({ sql, client }),
        logError: () => {},
      });
      // A tagged template: Prisma writes the placeholder each engine wants.
      const rows = await layer.db.$queryRaw<
        { id: number }[]
      >`INSERT INTO "Warehouse" ("name") VALUES (${'raw insert'}) RETURNING "id"`;
      expect(rows).toHaveLength(1);
      expect(ran.filter((q) => q.sql.startsWith('INSERT INTO "Warehouse"')).map((q) => q.client)).toEqual([
        'writer',
      ]);
      const read = await layer.db.$queryRaw<
        { n: bigint }[]
      >`SELECT COUNT(*) AS n FROM "Warehouse" WHERE "name" = ${'raw insert'}`;
      expect(Number(read[0]?.n)).toBe(1);
      expect(ran.filter((q) => q.sql.startsWith('SELECT COUNT(*) AS n')).map((q) => q.client)).toEqual([
        'reader',
      ]);
    } finally {
      await layer?.close();
    }
  });
});
