import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import type { GraphQLError } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { NOT_FAST } from '../../src/db/fast/index.js';
import { Prisma } from '../../src/generated/prisma/client.js';
import { createMaskError } from '../../src/schema/errors.js';
import { ops, seeds } from './fast/arbitraries.js';
import {
  type Args,
  check,
  closeBothSides,
  count,
  OPERATIONS,
  type Op,
  type Outcome,
  openBothSides,
  reset,
  setSafeIntegers,
} from './fast/both-sides.js';

/**
 * The fast path against Prisma itself: the same rows in two copies of the migrated database, the
 * same calls through a real PrismaClient on one and through the fast path on the other; results,
 * errors and every table must come out identical (test/db/fast/both-sides.ts).
 */

beforeAll(openBothSides);
afterAll(closeBothSides);

describe('fast path: differential against Prisma', () => {
  it('random rows and calls give identical results, errors and tables', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(seeds, ops, fc.boolean(), async (seed, list, safe) => {
        reset(seed);
        setSafeIntegers(safe);
        for (const [i, op] of list.entries()) {
          vi.setSystemTime(Date.UTC(2026, 0, 1) + i * 1000);
          await check(op);
        }
      }),
      // Math.random repeats from run to run under vitest and Date is faked: a seed of our own.
      { numRuns: 80, seed: randomInt(2 ** 31) },
    );
    // Wide margins (each is seen 2-20 times as often): the runs are random, the check must not be.
    const handled = Object.keys(OPERATIONS).reduce((sum, key) => sum + count(key), 0);
    for (const key of Object.keys(OPERATIONS)) expect(count(key), key).toBeGreaterThan(15);
    for (const key of ['P2002', 'P2003', 'P2025', 'SQLITE_CONSTRAINT_CHECK'])
      expect(count(key), key).toBeGreaterThan(3);
    expect(count('answered')).toBeGreaterThan(handled / 4); // a result with rows in it, not []/null
    expect(count('declined')).toBeLessThan(handled / 10);
  });
});

const at = '2025-01-01 00:00:00';
const errorCode = (o: Outcome | typeof NOT_FAST) =>
  o !== NOT_FAST && 'error' in o && o.error instanceof Prisma.PrismaClientKnownRequestError
    ? o.error.code
    : null;

describe('fast path: known edge cases', () => {
  const stamp = { createdAt: at };
  beforeEach(() =>
    reset({
      Warehouse: [
        { name: 'w1', address: null, newestCrateId: 1, ...stamp },
        { name: 'w2', address: 'x', newestCrateId: null, createdAt: Date.UTC(2025, 0, 1) },
        { name: 'w1', address: 'x', newestCrateId: null, createdAt: '2025-01-01T00:00:00.000Z' },
        { name: 'w2', address: 'y', newestCrateId: null, createdAt: '2025-01-01T00:00:00.000+00:00' },
      ],
      // ids out of (warehouseId, id) index order: a plan through the index reads 2, 1, 3
      Crate: [
        { name: 'c', description: null, warehouseId: 2, ...stamp },
        { name: 'd', description: null, warehouseId: 1, ...stamp },
        { name: 'e', description: null, warehouseId: 2, ...stamp },
      ],
      User: [{ username: 'ann', passwordHash: 'h', role: 'STAFF', ...stamp }],
      InventoryItem: [{ item: 'i', itemCode: -1, itemCondition: 'new', quantity: 3, ...stamp }],
      Order: [
        { ordNumber: 'o1', inventoryItemId: 1, orderedById: 1, quantity: 1, status: 'PLACED', ...stamp },
      ],
      // a Boolean stored as 2 (by hand): Prisma reads only 1 as true
      Event: [1, 2].map((created) => ({
        model: 'Crate',
        kind: 'SAVE',
        rowId: 1,
        created,
        updateFields: null,
        audience: 'staff',
        ...stamp,
      })),
    }),
  );

  const failures: [code: string, op: Op][] = [
    ['P2002', { model: 'User', operation: 'create', args: { data: { username: 'ann', passwordHash: 'h' } } }],
    ['P2002', { model: 'Warehouse', operation: 'create', args: { data: { id: 1, name: 'again' } } }],
    [
      'P2002',
      { model: 'Warehouse', operation: 'update', args: { where: { id: 2 }, data: { newestCrateId: 1 } } },
    ],
    ['P2003', { model: 'Crate', operation: 'create', args: { data: { name: 'c', warehouseId: 99 } } }],
    ['P2003', { model: 'InventoryItem', operation: 'deleteMany', args: { where: { id: 1 } } }], // RESTRICT
    [
      'P2011',
      {
        model: 'InventoryItem',
        operation: 'update',
        args: { where: { id: 1 }, data: { quantity: { divide: 0 } } },
      },
    ],
    [
      'SQLITE_CONSTRAINT_CHECK',
      { model: 'Crate', operation: 'create', args: { data: { name: '', warehouseId: 1 } } },
    ],
    [
      'SQLITE_CONSTRAINT_CHECK',
      { model: 'InventoryItem', operation: 'updateMany', args: { data: { quantity: { decrement: 5 } } } },
    ],
    [
      'SQLITE_CONSTRAINT_CHECK',
      {
        model: 'Order',
        operation: 'createManyAndReturn',
        args: { data: [{ ordNumber: 'o2', inventoryItemId: 1, orderedById: 1, quantity: 0 }] },
      },
    ],
    ['P2025', { model: 'Warehouse', operation: 'findUniqueOrThrow', args: { where: { id: 99 } } }],
  ];
  it.each(failures)(
    '%s: %j fails alike on both sides and maps to the same GraphQL error',
    async (code, op) => {
      const { expected, actual } = await check(op);
      expect([errorCode(expected), errorCode(actual)]).toEqual([code, code]);
      const mask = createMaskError(() => {});
      const masked = (o: Outcome | typeof NOT_FAST) =>
        o !== NOT_FAST && 'error' in o ? (mask(o.error, 'masked') as GraphQLError).extensions : null;
      const viaFast = masked(actual);
      expect(viaFast).toEqual(masked(expected));
      if (code === 'P2002') expect(viaFast?.code).toBe('BAD_USER_INPUT');
    },
  );

  it('update answers null where Prisma throws P2025', async () => {
    const { actual } = await check({
      model: 'Crate',
      operation: 'update',
      args: { where: { id: 99 }, data: { name: 'x' } },
    });
    expect(actual).toEqual({ value: null });
  });

  const w = (args: Args): Op => ({
    model: 'Warehouse',
    operation: 'findMany',
    args: { ...args, select: { id: true } },
  });
  const answers: Op[] = [
    w({ where: { NOT: [{ name: 'w1' }, { address: 'x' }] } }), // NOT a AND NOT b, not NOT (a AND b)
    w({ where: { NOT: { name: 'w1', address: 'x' } } }),
    w({ where: { id: { not: { gt: 1, lt: 3 } } } }), // each operator negated
    w({ where: { id: { not: { not: 2 } } } }), // Prisma reads a nested `not: value` as "not equal"
    w({ where: { id: { not: { lt: 2, gte: 4 } } } }), // bounds included: >= 2 AND < 4
    w({ where: { id: { not: { lte: 2, gt: 3 } } } }),
    w({ where: { address: { not: 'x' } } }), // NULL rows are not "not x"
    w({ where: { address: { notIn: [] } } }),
    w({ where: { address: { not: { in: [] } } } }),
    w({ where: { OR: [] } }),
    w({ where: { OR: [{}] } }),
    w({ where: { AND: [{ OR: [] }] } }), // an empty OR below the top is dropped, not false
    w({ where: { NOT: { OR: [] } } }),
    w({ where: { createdAt: new Date(Date.UTC(2025, 0, 1)) } }), // text comparison of the stored forms
    w({ orderBy: { name: 'asc' }, take: -3 }),
    w({ take: -2, skip: 1 }),
    { model: 'Crate', operation: 'findMany', args: { where: { warehouseId: { in: [1, 2] } }, skip: 1 } }, // id order
    { model: 'Crate', operation: 'findMany', args: { where: { warehouseId: { in: [1, 2] } }, take: 2 } },
    { model: 'Warehouse', operation: 'findMany', args: { select: { name: true, id: true } } },
    { model: 'Warehouse', operation: 'findMany', args: {} }, // every stored DateTime form
    { model: 'Event', operation: 'findMany', args: { where: { created: false } } },
    { model: 'Event', operation: 'findMany', args: {} }, // Prisma's DataMapperError for the 2
    { model: 'Crate', operation: 'count', args: { where: { warehouseId: 2 }, skip: 1 } },
    {
      model: 'InventoryItem',
      operation: 'updateManyAndReturn',
      args: { data: { quantity: { divide: 2 }, itemCode: { divide: -2 } } },
    },
    {
      model: 'Warehouse',
      operation: 'updateMany',
      args: { where: { name: 'w1' }, data: { address: 'z' }, limit: 1 },
    },
    { model: 'Crate', operation: 'deleteMany', args: { where: { warehouseId: { in: [1, 2] } }, limit: 2 } },
    { model: 'Warehouse', operation: 'deleteMany', args: { where: { id: 2 } } }, // cascades to crates
    {
      model: 'User',
      operation: 'createManyAndReturn',
      args: {
        data: [
          { username: 'ann', passwordHash: 'h' },
          { username: 'bo', passwordHash: 'h' },
        ],
        skipDuplicates: true,
      },
    },
    {
      model: 'Crate',
      operation: 'createMany',
      args: {
        data: [
          { name: 'x', warehouseId: 1 },
          { name: 'y', warehouseId: 1, description: 'd' },
        ],
      },
    },
    { model: 'Crate', operation: 'update', args: { where: { id: 1 }, data: {} } }, // Prisma reads instead
  ];
  it.each(answers)('%j answers (or fails) as Prisma does', async (op) => {
    const { actual } = await check(op);
    expect(actual).not.toBe(NOT_FAST);
  });
});
