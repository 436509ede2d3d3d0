import type { Call } from './call.js';
import { decline, isPlainObject, type Query } from './flavor.js';
import type { FastField, FastModel } from './model.js';
import { decodeRow } from './projection.js';
import { type Args, onlyKeys, whereClause } from './reads.js';
import { acceptable, isNumeric } from './values.js';
import { compileUniqueWhere, compileWhere } from './where.js';

/**
 * create, createMany(AndReturn), update, updateMany(AndReturn) and deleteMany: one statement
 * each, so a failing call leaves nothing behind, as Prisma's own statements do.
 */

const ARITHMETIC: Record<string, string> = { increment: '+', decrement: '-', multiply: '*', divide: '/' };

function fieldOf(model: FastModel, key: string): FastField {
  // relation writes (connect, create, ...) and unknown keys go to Prisma
  return model.byName.get(key) ?? decline();
}

/** A create's values in data order, with the fields Prisma stamps in JS (`now()`, `@updatedAt`). */
function createValues(model: FastModel, data: unknown, now: Date): Map<FastField, unknown> {
  if (!isPlainObject(data)) decline();
  const values = new Map<FastField, unknown>();
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    const field = fieldOf(model, key);
    if (value === null ? field.required : !acceptable(field, value)) decline();
    values.set(field, value);
  }
  for (const field of model.stampedOnCreate) if (!values.has(field)) values.set(field, now);
  for (const field of model.fields) {
    // Prisma: "Argument `name` is missing."
    if (field.required && field.default === null && !values.has(field)) decline();
  }
  return values;
}

/**
 * One VALUES list for every row. A field some rows leave out is written as NULL when it has no
 * default; one the database would fill (autoincrement, a literal default) cannot be expressed
 * in a shared column list, so such a call goes to Prisma.
 */
function insert(call: Call, q: Query, rows: Map<FastField, unknown>[], skipDuplicates: boolean): string {
  const columns: FastField[] = [];
  const seen = new Set<FastField>();
  for (const row of rows) {
    for (const field of row.keys()) {
      if (!seen.has(field)) {
        seen.add(field);
        columns.push(field);
      }
    }
  }
  for (const row of rows) {
    if (row.size === columns.length) continue;
    for (const field of columns) if (!row.has(field) && (field.required || field.default !== null)) decline();
  }
  if (rows.length * columns.length > call.flavor.maxParams) decline();
  const table = call.table();
  const conflict = skipDuplicates ? ' ON CONFLICT DO NOTHING' : '';
  if (columns.length === 0) {
    if (rows.length !== 1) decline();
    return `INSERT INTO ${table} DEFAULT VALUES${conflict}`;
  }
  const values = rows.map(
    (row) =>
      `(${columns.map((field) => q.bindField(field, row.has(field) ? row.get(field) : null)).join(', ')})`,
  );
  return `INSERT INTO ${table} (${columns.map((f) => q.column(f)).join(', ')}) VALUES ${values.join(', ')}${conflict}`;
}

function assignment(q: Query, field: FastField, value: unknown): string {
  if (value === null) {
    if (field.required) decline();
    return q.bind(null);
  }
  if (!isPlainObject(value)) {
    if (!acceptable(field, value)) decline();
    return q.bindField(field, value);
  }
  const operations = Object.entries(value).filter(([, operand]) => operand !== undefined);
  if (operations.length !== 1) decline();
  const [operation, operand] = operations[0] as [string, unknown];
  if (operation === 'set') return assignment(q, field, operand);
  const symbol = ARITHMETIC[operation];
  if (!symbol || !isNumeric(field) || !acceptable(field, operand)) decline();
  return `(${q.column(field)} ${symbol} ${q.bindField(field, operand)})`;
}

/** SET terms in data order, plus `@updatedAt` fields the data leaves out; none for empty data. */
function assignments(call: Call, q: Query, data: unknown, now: Date): string[] {
  if (!isPlainObject(data)) decline();
  const terms: string[] = [];
  const written = new Set<FastField>();
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    const field = fieldOf(call.model, key);
    terms.push(`${q.column(field)} = ${assignment(q, field, value)}`);
    written.add(field);
  }
  if (terms.length === 0) return terms;
  for (const field of call.model.stampedOnUpdate) {
    if (!written.has(field)) terms.push(`${q.column(field)} = ${q.bindField(field, now)}`);
  }
  return terms;
}

/** WHERE for a bulk write; with `limit`, the first rows the filter finds, as Prisma's subquery. */
function bulkWhere(call: Call, q: Query, args: Args): string {
  const { limit } = args;
  if (limit === undefined) return whereClause(compileWhere(q, call.model, args.where));
  if (!Number.isSafeInteger(limit) || (limit as number) < 1) decline();
  const id = call.model.id ?? decline();
  const inner = `SELECT ${q.column(id)} FROM ${call.table()}${whereClause(compileWhere(q, call.model, args.where))}`;
  // Limit 1 (the pipeline's update of one row) as a scalar subquery: the same rows, without the
  // ephemeral table SQLite builds for IN (~60 µs of a ~6 µs UPDATE on a warm connection).
  if (limit === 1) return ` WHERE ${q.column(id)} = (${inner} LIMIT 1)`;
  return ` WHERE ${q.column(id)} IN (${inner} LIMIT ${q.bind(limit)})`;
}

const CREATE_KEYS = new Set(['data', 'select', 'omit']);
const CREATE_MANY_KEYS = new Set(['data', 'skipDuplicates']);
const CREATE_MANY_RETURN_KEYS = new Set(['data', 'skipDuplicates', 'select', 'omit']);
const UPDATE_KEYS = new Set(['where', 'data', 'select', 'omit']);
const UPDATE_MANY_KEYS = new Set(['where', 'data', 'limit']);
const UPDATE_MANY_RETURN_KEYS = new Set(['where', 'data', 'limit', 'select', 'omit']);
const DELETE_MANY_KEYS = new Set(['where', 'limit']);

function writable(model: FastModel): void {
  if (model.createUnsupported !== null) decline();
}

export function create(call: Call, args: Args): unknown {
  onlyKeys(args, CREATE_KEYS);
  writable(call.model);
  const projection = call.projections.of(call.model, args.select, args.omit);
  const q = call.query();
  const values = createValues(call.model, args.data, new Date());
  const sql = `${insert(call, q, [values], false)} RETURNING ${projection.columns}`;
  const row = call.rows(sql, q)[0];
  if (!row) throw new Error(`fast path: ${call.model.name}.create returned no row`);
  return decodeRow(call.flavor, projection, row);
}

/**
 * skipDuplicates is `ON CONFLICT DO NOTHING`, which Prisma refuses on SQLite. A skipped row still
 * advances SQLite's AUTOINCREMENT counter, as a PostgreSQL sequence advances under Prisma's own
 * skipDuplicates: ids stay unique and increasing, not gap-free.
 */
export function createMany(call: Call, args: Args, returnRows: boolean): unknown {
  onlyKeys(args, returnRows ? CREATE_MANY_RETURN_KEYS : CREATE_MANY_KEYS);
  writable(call.model);
  const { skipDuplicates } = args;
  if (skipDuplicates !== undefined && typeof skipDuplicates !== 'boolean') decline();
  const projection = returnRows ? call.projections.of(call.model, args.select, args.omit) : null;
  const now = new Date(); // one clock reading per call, as Prisma's
  const list: unknown[] = Array.isArray(args.data) ? args.data : [args.data];
  const rows = list.map((data) => createValues(call.model, data, now));
  if (rows.length === 0) return projection ? [] : { count: 0 };
  const q = call.query();
  const sql = insert(call, q, rows, skipDuplicates === true);
  if (!projection) return { count: call.changes(sql, q) };
  return call
    .rows(`${sql} RETURNING ${projection.columns}`, q)
    .map((row) => decodeRow(call.flavor, projection, row));
}

/** update by a unique selector: the row, or null when none matched (the pipeline says NOT_FOUND). */
export function update(call: Call, args: Args): unknown {
  onlyKeys(args, UPDATE_KEYS);
  const projection = call.projections.of(call.model, args.select, args.omit);
  const q = call.query();
  const terms = assignments(call, q, args.data, new Date());
  const where = compileUniqueWhere(q, call.model, args.where);
  let sql: string;
  if (terms.length > 0)
    sql = `UPDATE ${call.table()} SET ${terms.join(', ')} WHERE ${where} RETURNING ${projection.columns}`;
  else if (call.model.stampedOnUpdate.length > 0) decline();
  // Nothing to write: Prisma reads the row instead.
  else sql = `SELECT ${projection.columns} FROM ${call.table()} WHERE ${where} LIMIT 1`;
  const row = call.rows(sql, q)[0];
  return row ? decodeRow(call.flavor, projection, row) : null;
}

export function updateMany(call: Call, args: Args, returnRows: boolean): unknown {
  onlyKeys(args, returnRows ? UPDATE_MANY_RETURN_KEYS : UPDATE_MANY_KEYS);
  const projection = returnRows ? call.projections.of(call.model, args.select, args.omit) : null;
  const q = call.query();
  const terms = assignments(call, q, args.data, new Date());
  if (terms.length === 0) decline(); // Prisma answers { count: 0 } without writing: not worth copying
  const sql = `UPDATE ${call.table()} SET ${terms.join(', ')}${bulkWhere(call, q, args)}`;
  if (!projection) return { count: call.changes(sql, q) };
  return call
    .rows(`${sql} RETURNING ${projection.columns}`, q)
    .map((row) => decodeRow(call.flavor, projection, row));
}

export function deleteMany(call: Call, args: Args): { count: number } {
  onlyKeys(args, DELETE_MANY_KEYS);
  const q = call.query();
  return { count: call.changes(`DELETE FROM ${call.table()}${bulkWhere(call, q, args)}`, q) };
}
