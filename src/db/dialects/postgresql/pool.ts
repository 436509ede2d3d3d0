import pg from 'pg';

export type PgRole = 'writer' | 'reader';

export interface PoolOptions {
  url: string;
  role: PgRole | 'sequencer';
  max: number;
  /** Longest one statement may run on these connections. */
  statementTimeoutMs: number;
  onQuery?: (sql: string, role: PgRole) => void;
  logError: (message: string, error: unknown) => void;
}

type QueryFn = pg.PoolClient['query'];

/**
 * A pg pool whose sessions run in UTC (Prisma's DateTime is `timestamp(3)` holding UTC, and the
 * outbox sets createdAt by the database clock), with a statement timeout, and read-only for the
 * reader: a write that reached the read pool by mistake fails instead of bypassing the pipeline.
 */
export function createPool(options: PoolOptions): pg.Pool {
  const settings = [
    '-c TimeZone=UTC',
    `-c statement_timeout=${Math.max(1, Math.round(options.statementTimeoutMs))}`,
    // A session left idle inside a transaction (a crashed unit) must not hold row locks forever.
    `-c idle_in_transaction_session_timeout=${Math.max(1_000, Math.round(options.statementTimeoutMs * 2))}`,
    ...(options.role === 'reader' ? ['-c default_transaction_read_only=on'] : []),
    // Units run READ COMMITTED (./unit.ts) whatever the server's default: set per session, a
    // unit's BEGIN needs no SET TRANSACTION round trip of its own.
    ...(options.role === 'writer' ? ['-c default_transaction_isolation=read\\ committed'] : []),
  ];
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    options: settings.join(' '),
    application_name: `signalyard-${options.role}`,
  });
  // An idle client losing its server (a restart) is reported here instead of crashing the process.
  pool.on('error', (error) => options.logError(`[signalyard] PostgreSQL ${options.role} pool:`, error));
  const onQuery = options.onQuery;
  if (onQuery) {
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      // pg's query() is overloaded; the wrapper only looks at the SQL text and passes all on.
      client.query = ((...args: unknown[]) => {
        const [first] = args;
        const sql = typeof first === 'string' ? first : (first as { text?: string } | null)?.text;
        if (sql) onQuery(sql, options.role === 'reader' ? 'reader' : 'writer');
        return query(...args);
      }) as QueryFn;
    });
  }
  return pool;
}

/** The PostgreSQL error code (SQLSTATE) behind an error, through Prisma's and the adapter's wrapping. */
export function sqlState(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
    const record = current as Record<string, unknown>;
    if (record.code === 'P2034') return '40001';
    // Prisma's own codes (P1xxx-P6xxx) wrap the driver's; PL/pgSQL's P0001.. are SQLSTATEs.
    const prismaCode = typeof record.code === 'string' && /^P[1-9]\d{3}$/.test(record.code);
    if (!prismaCode && typeof record.code === 'string' && /^[0-9A-Z]{5}$/.test(record.code))
      return record.code;
    const meta = record.meta as Record<string, unknown> | undefined;
    const adapterError = meta?.driverAdapterError as Record<string, unknown> | undefined;
    current = adapterError?.cause ?? adapterError ?? record.cause;
  }
  if (error instanceof Error && /deadlock detected/.test(error.message)) return '40P01';
  if (error instanceof Error && /could not serialize access/.test(error.message)) return '40001';
  return undefined;
}
