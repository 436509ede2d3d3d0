import { DataMapperError, knownError } from './errors.js';
import type { Flavor } from './flavor.js';
import type { FastField, FastModel } from './model.js';

/**
 * SQLite as Prisma 6.19's better-sqlite3 adapter writes and reads it
 * (node_modules/@prisma/adapter-better-sqlite3/dist/index.mjs: mapArg, mapRow, mapDriverError)
 * and as the client's data mapper turns the rows into values.
 */

/** A time with an optional zone at the end of a stored DateTime (the client's own pattern). */
const TIME_AT_END = /\d{2}:\d{2}:\d{2}(?:\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

/** A stored DateTime text as the ISO form the client hands to `new Date`. */
export function normalizeDateTime(text: string): string {
  const match = TIME_AT_END.exec(text);
  if (match === null) return `${text}T00:00:00Z`; // a date alone
  const [time, zone, minutes] = match;
  let iso = text;
  if (zone !== undefined && zone !== 'Z' && minutes === undefined) iso = `${text}:00`;
  else if (zone === undefined) iso = `${text}Z`; // SQLite's CURRENT_TIMESTAMP form is UTC
  if (time.length === text.length) return `1970-01-01T${iso}`;
  const separator = match.index - 1;
  return iso[separator] === ' ' ? `${iso.slice(0, separator)}T${iso.slice(separator + 1)}` : iso;
}

/**
 * A stored value as the adapter hands it to the client's data mapper: integers as text (it reads
 * with safeIntegers on; an integral number from a source without them is taken as such an
 * integer), blobs as byte arrays.
 */
function adapterValue(value: unknown): unknown {
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value)))
    return String(value);
  if (value instanceof Uint8Array) return Array.from(value);
  return value;
}

function mismatch(expected: string, field: FastField, value: unknown): DataMapperError {
  return new DataMapperError(
    `Expected ${expected} in column '${field.column}', got ${typeof value}: ${value}`,
  );
}

/** The client's data mapper, case by case, with its messages. */
function decode(field: FastField, raw: unknown): unknown {
  if (field.type === 'DateTime') {
    if (typeof raw === 'number' || typeof raw === 'bigint') return new Date(Number(raw)); // unix ms
    if (typeof raw === 'string') return new Date(normalizeDateTime(raw));
    throw mismatch('a date', field, adapterValue(raw));
  }
  const value = adapterValue(raw);
  switch (field.type) {
    case 'Int': {
      if (typeof value === 'number') return Math.trunc(value);
      if (typeof value !== 'string') throw mismatch('an integer', field, value);
      const int = Math.trunc(Number(value));
      if (!Number.isFinite(int))
        throw new DataMapperError(`Expected an integer in column '${field.column}', got string: ${value}`);
      if (!Number.isSafeInteger(int)) {
        throw new DataMapperError(
          `Integer value in column '${field.column}' is too large to represent as a JavaScript number without loss of precision, got: ${value}. Consider using BigInt type.`,
        );
      }
      return int;
    }
    case 'BigInt':
      if (typeof value !== 'number' && typeof value !== 'string') throw mismatch('a bigint', field, value);
      return BigInt(value);
    case 'Float': {
      if (typeof value === 'number') return value;
      if (typeof value !== 'string') throw mismatch('a float', field, value);
      const float = Number(value);
      if (Number.isNaN(float) && !/^[-+]?nan$/.test(value.toLowerCase()))
        throw new DataMapperError(`Expected a float in column '${field.column}', got string: ${value}`);
      return float;
    }
    case 'Boolean':
      if (typeof value === 'number') return value === 1;
      if (value === 'true' || value === 'TRUE' || value === '1') return true;
      if (value === 'false' || value === 'FALSE' || value === '0') return false;
      if (Array.isArray(value)) return value.some((byte) => byte !== 0);
      throw mismatch('a boolean', field, value);
    case 'String':
      if (typeof value !== 'string') throw mismatch('a string', field, value);
      return value;
    case 'Enum':
      if (!field.enumValues?.has(String(value)))
        throw new DataMapperError(`Value '${value}' not found in enum '${field.typeName}'`);
      return String(value);
  }
}

function encode(field: FastField, value: unknown): unknown {
  // Prisma types Int parameters as bigint on SQLite, so they bind as INTEGER: a JS number binds
  // as REAL, and `quantity / 2` would then not divide as integers.
  if (field.type === 'Int') return BigInt(value as number);
  if (field.type === 'Boolean') return value ? 1 : 0;
  if (field.type === 'DateTime') return (value as Date).toISOString().replace('Z', '+00:00');
  return value;
}

interface DriverError {
  code: string;
  message: string;
}

function isDriverError(error: unknown): error is DriverError {
  return (
    error instanceof Error &&
    typeof (error as Partial<DriverError>).code === 'string' &&
    (error as Partial<DriverError>).code?.startsWith('SQLITE_') === true
  );
}

/** `Table.column, Table.column` after "constraint failed: ", as the adapter reads it. */
function constraintFields(message: string): string[] | undefined {
  return message
    .split('constraint failed: ')
    .at(1)
    ?.split(', ')
    .map((field) => field.split('.').pop() as string);
}

function mapError(error: unknown, model: FastModel, operation: string): unknown {
  if (!isDriverError(error)) return error;
  const base = { originalCode: error.code, originalMessage: error.message };
  const known = (code: string, text: string, cause: Record<string, unknown>) =>
    knownError(model, operation, code, text, {
      modelName: model.name,
      driverAdapterError: { name: 'DriverAdapterError', cause: { ...base, ...cause } },
    });
  const fields = constraintFields(error.message);
  const on = fields ? `fields: (${fields.map((f) => `\`${f}\``).join(', ')})` : '(not available)';
  const constraint = fields ? { fields } : undefined;
  switch (error.code) {
    case 'SQLITE_BUSY':
      return known('P1008', 'Operation has timed out', { kind: 'SocketTimeout' });
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
      return known('P2002', `Unique constraint failed on the ${on}`, {
        kind: 'UniqueConstraintViolation',
        constraint,
      });
    case 'SQLITE_CONSTRAINT_NOTNULL':
      return known('P2011', `Null constraint violation on the ${on}`, {
        kind: 'NullConstraintViolation',
        constraint,
      });
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
    case 'SQLITE_CONSTRAINT_TRIGGER':
      return known('P2003', 'Foreign key constraint violated on the foreign key', {
        kind: 'ForeignKeyConstraintViolation',
        constraint: { foreignKey: {} },
      });
    default:
      if (error.message.startsWith('no such table')) {
        const table = error.message.split(': ').at(1);
        return known('P2021', `The table \`${table}\` does not exist in the current database.`, {
          kind: 'TableDoesNotExist',
          table,
        });
      }
      // The adapter passes other SQLite errors (CHECK among them) through; the client then
      // reports the SQLite code itself.
      return knownError(model, operation, error.code, error.message, { modelName: model.name });
  }
}

export const sqlite: Flavor = {
  name: 'sqlite',
  // SQLITE_MAX_VARIABLE_NUMBER of the SQLite better-sqlite3 bundles (3.32 and later)
  maxParams: 32_766,
  unlimited: '-1',
  quote: (identifier) => `"${identifier.replaceAll('"', '""')}"`,
  placeholder: () => '?',
  encode,
  decode,
  mapError,
};
