import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import Database from 'better-sqlite3';
import { expect, inject, vi } from 'vitest';
import {
  createFastPath,
  type FastModel,
  NOT_FAST,
  projectMetadata,
  type StatementSource,
} from '../../../src/db/fast/index.js';
import { Prisma, PrismaClient } from '../../../src/generated/prisma/client.js';

/**
 * Both sides of the differential test: two copies of the migrated database, a real PrismaClient
 * (official adapter) on one and the fast path on the other, and the comparison of their results,
 * errors and tables after each call.
 */

export type Args = Record<string, unknown>;
export type Op = { model: string; operation: string; args: Args };
export type Outcome = { value: unknown } | { error: unknown };

export const MODELS = [
  'Warehouse',
  'Crate',
  'InventoryItem',
  'Order',
  'Notification',
  'User',
  'AuthToken',
  'Event',
];
export const fast = createFastPath(projectMetadata());
export const model = (name: string): FastModel => fast.model(name) ?? fail(`no model ${name}`);
export function fail(message: string): never {
  throw new Error(message);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-fast-'));
const files = { prisma: path.join(dir, 'prisma.db'), fast: path.join(dir, 'fast.db') };
let prisma: PrismaClient;
let fastDb: Database.Database;
/** One plain connection per file: resets, seeds and table dumps. */
const admin: Record<'prisma' | 'fast', Database.Database> = {} as Record<
  'prisma' | 'fast',
  Database.Database
>;

/** The caller's statement cache: records every SQL text asked for. */
export const prepared: string[] = [];
let safeIntegers = true;
/** Whether the caller's statements read integers as bigint (the data layer's will). */
export function setSafeIntegers(on: boolean): void {
  safeIntegers = on;
}
const cache = new Map<string, Database.Statement>();
export const source: StatementSource = {
  prepare(sql) {
    prepared.push(sql);
    let statement = cache.get(sql);
    if (!statement) {
      statement = fastDb.prepare(sql);
      cache.set(sql, statement);
    }
    return statement.safeIntegers(safeIntegers);
  },
};

/** Opens both sides; call from beforeAll. */
export async function openBothSides(): Promise<void> {
  for (const file of Object.values(files)) fs.copyFileSync(inject('templateDb'), file);
  prisma = new PrismaClient({
    adapter: new PrismaBetterSQLite3({ url: `file:${files.prisma}` }),
    errorFormat: 'minimal',
  });
  await prisma.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  // Durability is not under test: without it the runs are not bound by fsync.
  await prisma.$executeRawUnsafe('PRAGMA synchronous = OFF');
  fastDb = new Database(files.fast);
  fastDb.pragma('foreign_keys = ON');
  fastDb.pragma('synchronous = OFF');
  admin.prisma = new Database(files.prisma);
  admin.fast = new Database(files.fast);
  for (const db of Object.values(admin)) db.pragma('synchronous = OFF');
  // Both sides stamp `now()` with JS time: one fixed clock makes their rows comparable.
  vi.useFakeTimers({ toFake: ['Date'] });
}

export async function closeBothSides(): Promise<void> {
  vi.useRealTimers();
  await prisma.$disconnect();
  fastDb.close();
  for (const db of Object.values(admin)) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

export const OPERATIONS = {
  findUnique: 0,
  findUniqueOrThrow: 0,
  findFirst: 0,
  findMany: 0,
  count: 0,
  create: 0,
  createMany: 0,
  createManyAndReturn: 0,
  update: 0,
  updateMany: 0,
  updateManyAndReturn: 0,
  deleteMany: 0,
};
type Delegate = Record<string, (args: unknown) => Promise<unknown>>;
const delegateOf = (client: unknown, name: string) =>
  (client as Record<string, Delegate>)[model(name).key] ?? fail(`no delegate ${name}`);

/**
 * What Prisma does. skipDuplicates, which Prisma refuses on SQLite, is what ON CONFLICT DO
 * NOTHING means: the rows whose unique values are taken (by a row already there or an earlier
 * row of the batch) are left out, and the rest go in by one Prisma createMany.
 */
function throughPrisma({ model: name, operation, args }: Op): Promise<unknown> {
  const { skipDuplicates, ...rest } = args;
  if (skipDuplicates !== true) return delegateOf(prisma, name)[operation]?.(rest) ?? fail(operation);
  const uniques = model(name).fields.filter((f) => f.isId || f.isUnique);
  return prisma.$transaction(async (tx) => {
    const kept: Args[] = [];
    for (const data of (Array.isArray(rest.data) ? rest.data : [rest.data]) as Args[]) {
      const given = uniques.filter((f) => data[f.name] !== undefined && data[f.name] !== null);
      const taken =
        given.length > 0 &&
        (await delegateOf(tx, name).findFirst?.({
          where: { OR: given.map((f) => ({ [f.name]: data[f.name] })) },
        }));
      if (!taken && !kept.some((k) => given.some((f) => k[f.name] === data[f.name]))) kept.push(data);
    }
    return delegateOf(tx, name)[operation]?.({ ...rest, data: kept });
  });
}

async function outcome(fn: () => unknown): Promise<Outcome> {
  try {
    return { value: await fn() };
  } catch (error) {
    return { error };
  }
}

/** A value with its key order and types spelled out: Date, bigint and number differ. */
export function canon(v: unknown): string {
  if (v instanceof Date) return `Date(${v.toISOString()})`;
  if (typeof v === 'bigint') return `${v}n`;
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (typeof v === 'object' && v !== null)
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}:${canon(x)}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? String(v);
}

function errorOf(error: unknown) {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return { other: String(error) };
  const meta = JSON.parse(JSON.stringify(error.meta ?? {}));
  return { code: error.code, meta, message: error.message, version: error.clientVersion };
}

function compare(op: Op, expected: Outcome, actual: Outcome | typeof NOT_FAST): void {
  const shown = `${op.model}.${op.operation}(${canon(op.args)})`;
  if (actual === NOT_FAST) {
    // Only what Prisma itself refuses as invalid may be left to Prisma.
    if (!('error' in expected && expected.error instanceof Prisma.PrismaClientValidationError))
      throw new Error(`fast path declined ${shown}; Prisma answered ${canon(expected)}`);
    return;
  }
  if ('error' in expected) {
    const notFound =
      expected.error instanceof Prisma.PrismaClientKnownRequestError && expected.error.code === 'P2025';
    if (op.operation === 'update' && notFound) {
      expect('value' in actual ? actual.value : actual.error, shown).toBeNull(); // the brief's contract
      return;
    }
    if (expected.error instanceof Prisma.PrismaClientValidationError)
      throw new Error(`fast path ran ${shown}, which Prisma refuses: ${expected.error.message}`);
    expect('error' in actual, `${shown} should fail: ${String(expected.error)}`).toBe(true);
    const err = 'error' in actual ? actual.error : null;
    expect(errorOf(err), shown).toEqual(errorOf(expected.error));
    return;
  }
  if ('error' in actual) throw new Error(`fast path failed ${shown}: ${String(actual.error)}`);
  expect(canon(withoutIds(op, actual.value)), shown).toBe(canon(withoutIds(op, expected.value)));
}

/**
 * ON CONFLICT DO NOTHING gives a skipped row an id before it skips it (a PostgreSQL sequence
 * does the same), so the rows after it in the batch get later ids than a conflict-free insert
 * would: with skipDuplicates, autoincrement ids may differ; all else must match.
 */
function withoutIds(op: Op, value: unknown): unknown {
  if (op.args.skipDuplicates !== true || !Array.isArray(value)) return value;
  return value.map((row: Args) => Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'id')));
}

const TABLES = [...MODELS, 'sqlite_sequence'];
function dump(db: Database.Database, tables = TABLES): string {
  return tables
    .map(
      (t) => `${t}: ${canon(db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).raw().safeIntegers().all())}`,
    )
    .join('\n');
}

/**
 * Tables must match, AUTOINCREMENT counters included. After skipDuplicates (see withoutIds) the
 * written table must match but for its ids and the counter may be ahead, never behind; then the
 * reference takes the fast side's table and counters, so that every later call compares exactly.
 */
function compareTables(op: Op): void {
  const shown = `tables after ${canon(op)}`;
  if (op.args.skipDuplicates !== true) {
    expect(dump(admin.fast), shown).toBe(dump(admin.prisma));
    return;
  }
  const others = TABLES.filter((t) => t !== op.model && t !== 'sqlite_sequence');
  expect(dump(admin.fast, others), shown).toBe(dump(admin.prisma, others));
  const rows = (db: Database.Database) =>
    db.prepare(`SELECT * FROM "${op.model}" ORDER BY rowid`).raw().safeIntegers().all() as unknown[][];
  const withoutId = (db: Database.Database) => canon(rows(db).map((row) => row.slice(1))); // id is the first column
  expect(withoutId(admin.fast), shown).toBe(withoutId(admin.prisma));
  const counters = (db: Database.Database) =>
    db.prepare('SELECT name, seq FROM sqlite_sequence').raw().safeIntegers().all() as [string, bigint][];
  const ahead = new Map(counters(admin.fast));
  for (const [name, seq] of counters(admin.prisma))
    expect(ahead.get(name) ?? 0n, shown).toBeGreaterThanOrEqual(seq);
  admin.prisma.pragma('foreign_keys = OFF');
  admin.prisma.prepare(`DELETE FROM "${op.model}"`).run();
  for (const row of rows(admin.fast))
    admin.prisma.prepare(`INSERT INTO "${op.model}" VALUES (${row.map(() => '?').join(', ')})`).run(...row);
  admin.prisma.prepare('DELETE FROM sqlite_sequence').run();
  for (const [name, seq] of ahead)
    admin.prisma.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)').run(name, seq);
  admin.prisma.pragma('foreign_keys = ON');
}

/**
 * A dangling reference of the seed points far past any id a run can assign. Otherwise a row
 * created later may adopt it, and SQLite's foreign-key check counts that adoption against the
 * new row's own violation: with skipDuplicates, whose skipped rows use up ids on the fast side
 * only (see withoutIds), the two sides would adopt different orphans and one statement would
 * fail where the other does not.
 */
function farOrphans(db: Database.Database): void {
  const orphans = db.pragma('foreign_key_check') as { table: string; rowid: number; fkid: number }[];
  for (const { table, rowid, fkid } of orphans) {
    const keys = db.pragma(`foreign_key_list("${table}")`) as { id: number; from: string }[];
    const column = keys.find((k) => k.id === fkid)?.from ?? fail(`no foreign key ${fkid} on ${table}`);
    db.prepare(`UPDATE "${table}" SET "${column}" = "${column}" + 1000000 WHERE rowid = ?`).run(rowid);
  }
}

export function reset(seed: Partial<Record<string, Record<string, unknown>[]>>): void {
  for (const db of Object.values(admin)) {
    db.pragma('foreign_keys = OFF'); // the seed may point at rows it does not have, as real data can
    for (const t of TABLES) db.prepare(`DELETE FROM "${t}"`).run();
    for (const name of MODELS) {
      (seed[name] ?? []).forEach((row, i) => {
        const columns = ['id', ...Object.keys(row)];
        const sql = `INSERT OR IGNORE INTO "${name}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
        db.prepare(sql).run(i + 1, ...Object.values(row));
      });
    }
    farOrphans(db);
    db.pragma('foreign_keys = ON');
  }
}

/** What the runs exercised, so that a fast path declining (or a generator missing) a shape shows. */
const seen = new Map<string, number>();
function tally(op: Op, expected: Outcome, actual: Outcome | typeof NOT_FAST): void {
  const bump = (key: string) => seen.set(key, count(key) + 1);
  if (actual === NOT_FAST) {
    bump('declined');
    return;
  }
  bump(op.operation);
  if ('error' in expected && expected.error instanceof Prisma.PrismaClientKnownRequestError)
    bump(expected.error.code);
  if (
    'value' in expected &&
    (Array.isArray(expected.value) ? expected.value.length > 0 : expected.value !== null)
  )
    bump('answered');
}
export const count = (key: string) => seen.get(key) ?? 0;

/** One call through both sides, compared: result or error, then every table. */
export async function check(op: Op): Promise<{ expected: Outcome; actual: Outcome | typeof NOT_FAST }> {
  const expected = await outcome(() => throughPrisma(structuredClone(op)));
  let actual: Outcome | typeof NOT_FAST;
  try {
    const value = fast.run(source, op.model, op.operation, structuredClone(op.args));
    actual = value === NOT_FAST ? NOT_FAST : { value };
  } catch (error) {
    actual = { error };
  }
  compare(op, expected, actual);
  tally(op, expected, actual);
  compareTables(op);
  return { expected, actual };
}
