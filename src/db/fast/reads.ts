import type { Call } from './call.js';
import { recordNotFound } from './errors.js';
import { decline, isPlainObject, type Query } from './flavor.js';
import { decodeRow, type Projection } from './projection.js';
import { compileUniqueWhere, compileWhere } from './where.js';

/** findUnique(OrThrow), findFirst, findMany and count, with Prisma's ordering and paging rules. */

export type Args = Record<string, unknown>;

/** Declines a call that passes anything but `allowed` (include, cursor, distinct, ...). */
export function onlyKeys(args: Args, allowed: ReadonlySet<string>): void {
  for (const key in args) if (args[key] !== undefined && !allowed.has(key)) decline();
}

interface Paging {
  take: number | undefined;
  skip: number;
}

function paging(args: Args): Paging {
  const { take, skip } = args;
  if (take !== undefined && !Number.isSafeInteger(take)) decline(); // Prisma truncates floats
  if (skip !== undefined && !(Number.isSafeInteger(skip) && (skip as number) >= 0)) decline();
  return { take: take as number | undefined, skip: (skip as number | undefined) ?? 0 };
}

/**
 * ORDER BY as Prisma writes it: the caller's order, or the id when paging without one (a skip
 * of 0 is no paging); a negative take reads backwards and the rows are turned round afterwards.
 */
function orderBy(call: Call, q: Query, args: Args, page: Paging): string {
  const items: unknown[] = Array.isArray(args.orderBy)
    ? args.orderBy
    : args.orderBy === undefined
      ? []
      : [args.orderBy];
  const backwards = page.take !== undefined && page.take < 0;
  const terms: string[] = [];
  for (const item of items) {
    if (!isPlainObject(item)) decline();
    const entries = Object.entries(item).filter(([, direction]) => direction !== undefined);
    if (entries.length === 0) continue;
    const [name, direction] = entries[0] as [string, unknown];
    const field = call.model.byName.get(name);
    // several keys in one object, relations, _count and { sort, nulls } go to Prisma
    if (entries.length > 1 || !field || (direction !== 'asc' && direction !== 'desc')) decline();
    terms.push(`${q.column(field)} ${(direction === 'desc') !== backwards ? 'DESC' : 'ASC'}`);
  }
  if (terms.length === 0 && (page.take !== undefined || page.skip > 0)) {
    const id = call.model.id;
    if (!id) decline();
    terms.push(`${q.column(id)} ${backwards ? 'DESC' : 'ASC'}`);
  }
  return terms.length === 0 ? '' : ` ORDER BY ${terms.join(', ')}`;
}

function limit(call: Call, q: Query, take: number | undefined, skip: number): string {
  if (take === undefined && skip === 0) return '';
  const count = take === undefined ? call.flavor.unlimited : q.bind(Math.abs(take));
  return skip === 0 ? ` LIMIT ${count}` : ` LIMIT ${count} OFFSET ${q.bind(skip)}`;
}

function selectFrom(call: Call, projection: Projection): string {
  return `SELECT ${projection.columns} FROM ${call.table()}`;
}

export function whereClause(condition: string | null): string {
  return condition === null ? '' : ` WHERE ${condition}`;
}

const UNIQUE_KEYS = new Set(['where', 'select', 'omit']);
const MANY_KEYS = new Set(['where', 'select', 'omit', 'orderBy', 'take', 'skip']);
const COUNT_KEYS = new Set(['where', 'orderBy', 'take', 'skip']);

export function findUnique(call: Call, args: Args, orThrow: boolean): unknown {
  onlyKeys(args, UNIQUE_KEYS);
  const projection = call.projections.of(call.model, args.select, args.omit);
  const q = call.query();
  const sql = `${selectFrom(call, projection)} WHERE ${compileUniqueWhere(q, call.model, args.where)} LIMIT 1`;
  const row = call.rows(sql, q)[0];
  if (row) return decodeRow(call.flavor, projection, row);
  if (orThrow) throw recordNotFound(call.model, call.operation);
  return null;
}

export function findMany(call: Call, args: Args, first: boolean): unknown {
  onlyKeys(args, MANY_KEYS);
  const page = paging(args);
  // Prisma: "The 'findFirst' operation cannot be used with a 'take' argument that isn't 1 or -1"
  if (first && page.take !== undefined && Math.abs(page.take) !== 1) decline();
  const projection = call.projections.of(call.model, args.select, args.omit);
  const q = call.query();
  // `+` evaluates left to right: the parameters bind in the order they appear in the text.
  const sql =
    selectFrom(call, projection) +
    whereClause(compileWhere(q, call.model, args.where)) +
    orderBy(call, q, args, page) +
    limit(call, q, first ? (page.take ?? 1) : page.take, page.skip);
  if (page.take === 0) return []; // Prisma answers without a statement
  const rows = call.rows(sql, q);
  if (first) return rows[0] ? decodeRow(call.flavor, projection, rows[0]) : null;
  const decoded = rows.map((row) => decodeRow(call.flavor, projection, row));
  return page.take !== undefined && page.take < 0 ? decoded.reverse() : decoded;
}

export function count(call: Call, args: Args): number {
  onlyKeys(args, COUNT_KEYS);
  const page = paging(args);
  const q = call.query();
  const where = whereClause(compileWhere(q, call.model, args.where));
  const order = orderBy(call, q, args, page);
  const paged = limit(call, q, page.take, page.skip);
  let sql = `SELECT COUNT(*) FROM ${call.table()}${where}`;
  if (paged !== '') {
    const id = call.model.id ?? decline();
    sql = `SELECT COUNT(*) FROM (SELECT ${q.column(id)} FROM ${call.table()}${where}${order}${paged}) AS ${call.flavor.quote('sub')}`;
  }
  const row = call.rows(sql, q)[0];
  return Number(row?.[0] ?? 0);
}
