import {
  type ArgType,
  type ColumnType,
  ColumnTypeEnum,
  DriverAdapterError,
  type MappedError,
} from '@prisma/driver-adapter-utils';

/**
 * The value conversions Prisma's query compiler expects from a SQLite driver adapter, the same
 * as @prisma/adapter-better-sqlite3 6.19 performs (its dist/index.mjs is the reference):
 * arguments in, column types and rows out, driver errors mapped to Prisma's error kinds.
 */

/** An argument as Prisma sends it -> a value better-sqlite3 binds. */
export function toSqlite(arg: unknown, type: ArgType | undefined): unknown {
  if (arg === null || arg === undefined) return null;
  const scalar = type?.scalarType;
  if (typeof arg === 'string') {
    switch (scalar) {
      case 'int':
        return Number.parseInt(arg, 10);
      case 'float':
      case 'decimal':
        return Number.parseFloat(arg);
      case 'bigint':
        return BigInt(arg);
      case 'datetime':
        return isoDate(new Date(arg));
      case 'bytes':
        return Buffer.from(arg, 'base64');
      default:
        return arg;
    }
  }
  if (typeof arg === 'boolean') return arg ? 1 : 0;
  if (arg instanceof Date) return isoDate(arg);
  if (Array.isArray(arg) && scalar === 'bytes') return Buffer.from(arg as number[]);
  return arg;
}

/** Prisma stores DateTime on SQLite as ISO 8601 text with an explicit UTC offset. */
function isoDate(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}

const DECLARED: Record<string, ColumnType> = {
  DECIMAL: ColumnTypeEnum.Numeric,
  FLOAT: ColumnTypeEnum.Float,
  DOUBLE: ColumnTypeEnum.Double,
  'DOUBLE PRECISION': ColumnTypeEnum.Double,
  NUMERIC: ColumnTypeEnum.Double,
  REAL: ColumnTypeEnum.Double,
  TINYINT: ColumnTypeEnum.Int32,
  SMALLINT: ColumnTypeEnum.Int32,
  MEDIUMINT: ColumnTypeEnum.Int32,
  INT: ColumnTypeEnum.Int32,
  INTEGER: ColumnTypeEnum.Int32,
  SERIAL: ColumnTypeEnum.Int32,
  INT2: ColumnTypeEnum.Int32,
  BIGINT: ColumnTypeEnum.Int64,
  'UNSIGNED BIG INT': ColumnTypeEnum.Int64,
  INT8: ColumnTypeEnum.Int64,
  DATETIME: ColumnTypeEnum.DateTime,
  TIMESTAMP: ColumnTypeEnum.DateTime,
  TIME: ColumnTypeEnum.Time,
  DATE: ColumnTypeEnum.Date,
  TEXT: ColumnTypeEnum.Text,
  CLOB: ColumnTypeEnum.Text,
  CHARACTER: ColumnTypeEnum.Text,
  VARCHAR: ColumnTypeEnum.Text,
  'VARYING CHARACTER': ColumnTypeEnum.Text,
  NCHAR: ColumnTypeEnum.Text,
  'NATIVE CHARACTER': ColumnTypeEnum.Text,
  NVARCHAR: ColumnTypeEnum.Text,
  BLOB: ColumnTypeEnum.Bytes,
  BOOLEAN: ColumnTypeEnum.Boolean,
  JSONB: ColumnTypeEnum.Json,
};

/** A column's type from its declaration; null for an expression column (no declared type). */
export function declaredType(declared: string | null): ColumnType | null {
  if (declared === null || declared === '') return null;
  return DECLARED[declared.toUpperCase()] ?? null;
}

function inferredType(value: unknown): ColumnType {
  switch (typeof value) {
    case 'string':
      return ColumnTypeEnum.Text;
    case 'bigint':
      return ColumnTypeEnum.Int64;
    case 'boolean':
      return ColumnTypeEnum.Boolean;
    case 'number':
      return ColumnTypeEnum.UnknownNumber;
    default:
      if (value instanceof ArrayBuffer || Buffer.isBuffer(value)) return ColumnTypeEnum.Bytes;
      throw new TypeError(`unexpected SQLite value of type ${typeof value}: ${String(value)}`);
  }
}

/**
 * Column types of a result: declared ones as they are, expression columns inferred from the first
 * row that has a value (Int32 when none does).
 */
export function columnTypes(
  declared: readonly (ColumnType | null)[],
  rows: readonly unknown[][],
): ColumnType[] {
  return declared.map((type, column) => {
    if (type !== null) return type;
    for (const row of rows) {
      const value = row[column];
      if (value !== null && value !== undefined) return inferredType(value);
    }
    return ColumnTypeEnum.Int32;
  });
}

/** A better-sqlite3 row (safe integers on) -> the values Prisma reads. */
export function fromSqlite(row: unknown[], types: readonly ColumnType[]): unknown[] {
  const out = new Array<unknown>(row.length);
  for (let i = 0; i < row.length; i++) {
    const value = row[i];
    const type = types[i];
    if (Buffer.isBuffer(value) || value instanceof ArrayBuffer) {
      out[i] = Array.from(new Uint8Array(value));
    } else if (
      typeof value === 'number' &&
      (type === ColumnTypeEnum.Int32 || type === ColumnTypeEnum.Int64) &&
      !Number.isInteger(value)
    ) {
      out[i] = Math.trunc(value);
    } else if ((typeof value === 'number' || typeof value === 'bigint') && type === ColumnTypeEnum.DateTime) {
      out[i] = new Date(Number(value)).toISOString();
    } else if (typeof value === 'bigint') {
      out[i] = value.toString();
    } else {
      out[i] = value;
    }
  }
  return out;
}

interface SqliteError {
  code: string;
  message: string;
}

function isSqliteError(error: unknown): error is SqliteError {
  if (!(error instanceof Error) || !('code' in error)) return false;
  return typeof error.code === 'string' && error.code.startsWith('SQLITE_');
}

export function isBusy(error: unknown): boolean {
  return isSqliteError(error) && error.code.startsWith('SQLITE_BUSY');
}

/** `UNIQUE constraint failed: Crate.name, Crate.warehouseId` -> ['name', 'warehouseId'] */
function constraintFields(message: string): { fields: string[] } | undefined {
  const list = message.split('constraint failed: ')[1];
  if (list === undefined) return undefined;
  return { fields: list.split(', ').map((field) => field.split('.').pop() ?? field) };
}

function mapped(error: SqliteError): MappedError | null {
  if (error.code.startsWith('SQLITE_BUSY')) return { kind: 'SocketTimeout' };
  switch (error.code) {
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
      return { kind: 'UniqueConstraintViolation', constraint: constraintFields(error.message) };
    case 'SQLITE_CONSTRAINT_NOTNULL':
      return { kind: 'NullConstraintViolation', constraint: constraintFields(error.message) };
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
    case 'SQLITE_CONSTRAINT_TRIGGER':
      return { kind: 'ForeignKeyConstraintViolation', constraint: { foreignKey: {} } };
  }
  const { message } = error;
  if (message.startsWith('no such table'))
    return { kind: 'TableDoesNotExist', table: message.split(': ')[1] };
  if (message.startsWith('no such column')) return { kind: 'ColumnNotFound', column: message.split(': ')[1] };
  if (message.includes('has no column named ')) {
    return { kind: 'ColumnNotFound', column: message.split('has no column named ')[1] };
  }
  return null;
}

/** Rethrows a driver error as Prisma's DriverAdapterError when Prisma knows its kind, else as it is. */
export function adapterError(error: unknown): never {
  if (isSqliteError(error)) {
    const kind = mapped(error);
    if (kind) {
      throw new DriverAdapterError({ ...kind, originalCode: error.code, originalMessage: error.message });
    }
  }
  throw error;
}
