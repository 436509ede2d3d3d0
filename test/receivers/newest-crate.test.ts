/**
 * The newest-crate invariant after random sequences of writes through the data layer (the path
 * seed scripts and other code take): create, createMany, update, move, bulk move, delete.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../src/db/index.js';
import { registerReceivers } from '../../src/receivers/index.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

let t: TestDatabase;
let db: Db;
beforeAll(async () => {
  t = await freshDatabase();
  db = t.data.db;
  registerReceivers();
});
afterAll(() => t.close());

/** mulberry32: a small seeded generator, so a failing sequence can be replayed from its seed. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** The newest crate of each warehouse, recomputed from scratch: the highest createdSeq there. */
async function violations(): Promise<string[]> {
  const warehouses = await db.warehouse.findMany({
    include: {
      crates: { select: { id: true, createdSeq: true }, orderBy: [{ createdSeq: 'desc' }, { id: 'desc' }] },
    },
  });
  return warehouses.flatMap((w) => {
    const expected = w.crates[0]?.id ?? null;
    return w.newestCrateId === expected
      ? []
      : [`warehouse ${w.id}: newest ${w.newestCrateId}, expected ${expected}`];
  });
}

it.each([1, 2, 3, 4, 5])('holds after 60 random writes (seed %i)', async (seed) => {
  const random = rng(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
  const warehouses = await Promise.all(
    [1, 2, 3, 4].map((i) => db.warehouse.create({ data: { name: `s${seed}-w${i}` } })),
  );
  const wIds = warehouses.map((w) => w.id);
  const log: string[] = [];
  for (let step = 0; step < 60; step++) {
    const crates = await db.crate.findMany({ where: { warehouseId: { in: wIds } }, select: { id: true } });
    const ids = crates.map((c) => c.id);
    const op =
      ids.length < 3
        ? 'create'
        : pick(['create', 'createMany', 'rename', 'move', 'bulkMove', 'delete', 'deleteMany']);
    log.push(op);
    switch (op) {
      case 'create':
        await db.crate.create({ data: { name: `c${step}`, warehouseId: pick(wIds) } });
        break;
      case 'createMany':
        await db.crate.createMany({
          data: [0, 1, 2].map((i) => ({ name: `m${step}-${i}`, warehouseId: pick(wIds) })),
        });
        break;
      case 'rename':
        await db.crate.update({ where: { id: pick(ids) }, data: { name: `r${step}` } });
        break;
      case 'move':
        await db.crate.update({ where: { id: pick(ids) }, data: { warehouseId: pick(wIds) } });
        break;
      case 'bulkMove': {
        const some = ids.filter(() => random() < 0.4);
        await db.crate.updateMany({ where: { id: { in: some } }, data: { warehouseId: pick(wIds) } });
        break;
      }
      case 'delete':
        await db.crate.delete({ where: { id: pick(ids) } });
        break;
      case 'deleteMany':
        await db.crate.deleteMany({ where: { id: { in: ids.filter(() => random() < 0.25) } } });
        break;
    }
    const broken = await violations();
    if (broken.length > 0) throw new Error(`seed ${seed}, after ${log.join(' → ')}: ${broken.join('; ')}`);
  }
  expect(await violations()).toEqual([]);
});

it('holds when a warehouse is deleted with its crates, and in a transaction that mixes writes', async () => {
  const a = await db.warehouse.create({ data: { name: 'tx-a' } });
  const b = await db.warehouse.create({ data: { name: 'tx-b' } });
  await db.$transaction(async (tx) => {
    const c1 = await tx.crate.create({ data: { name: 'one', warehouseId: a.id } });
    await tx.crate.create({ data: { name: 'two', warehouseId: a.id } });
    await tx.crate.update({ where: { id: c1.id }, data: { warehouseId: b.id } });
  });
  expect(await violations()).toEqual([]);
  await db.warehouse.delete({ where: { id: a.id } });
  expect(await db.crate.count({ where: { warehouseId: a.id } })).toBe(0);
  expect(await violations()).toEqual([]);
});

it('"newest" has one definition for create, move, delete and refresh: the most recently created, whatever the ids', async () => {
  const w = await db.warehouse.create({ data: { name: 'explicit ids' } });
  const elsewhere = await db.warehouse.create({ data: { name: 'elsewhere' } });
  const high = await db.crate.create({
    data: { id: 900_000, name: 'created first, high id', warehouseId: w.id },
  });
  const low = await db.crate.create({
    data: { id: 800_000, name: 'created second, low id', warehouseId: w.id },
  });
  const newestOf = async (id: number) =>
    (await db.warehouse.findUniqueOrThrow({ where: { id } })).newestCrateId;
  expect(await newestOf(w.id)).toBe(low.id);
  // a third crate passes through and leaves: the refresh must agree with the create
  const visitor = await db.crate.create({ data: { name: 'visitor', warehouseId: elsewhere.id } });
  await db.crate.update({ where: { id: visitor.id }, data: { warehouseId: w.id } });
  expect(await newestOf(w.id)).toBe(visitor.id);
  await db.crate.delete({ where: { id: visitor.id } });
  expect(await newestOf(w.id)).toBe(low.id);
  await db.crate.updateMany({ where: { id: high.id }, data: { name: 'renamed' } });
  expect(await newestOf(w.id)).toBe(low.id);
  await db.crate.delete({ where: { id: low.id } });
  expect(await newestOf(w.id)).toBe(high.id);
  expect(await violations()).toEqual([]);
});

it('createdSeq is assigned on create and cannot be changed afterwards', async () => {
  const w = await db.warehouse.create({ data: { name: 'seq' } });
  const a = await db.crate.create({ data: { name: 'a', warehouseId: w.id, createdSeq: -5 } });
  const b = await db.crate.create({ data: { name: 'b', warehouseId: w.id } });
  expect(b.createdSeq).toBeGreaterThan(a.createdSeq);
  expect(a.createdSeq).toBeGreaterThan(0);
  await expect(
    db.crate.update({ where: { id: a.id }, data: { createdSeq: b.createdSeq + 1 } }),
  ).rejects.toMatchObject({
    code: 'BAD_USER_INPUT',
  });
});
