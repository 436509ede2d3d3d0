import path from 'node:path';

/** Thrown for configuration that cannot work; main.ts prints its message as one line. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type DatabaseKind = 'sqlite' | 'postgresql';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** What one client may ask of the server. Every number has an environment variable (README). */
export interface Limits {
  /** Deepest selection set a document may nest (graphql-armor max-depth). */
  maxDepth: number;
  /** graphql-armor's cost of a document: objects 2, scalars 1, lists times their first/last. */
  maxCost: number;
  maxAliases: number;
  /** Lexer tokens of one document: also bounds nesting, so 3,000-deep documents are refused before they recurse. */
  maxTokens: number;
  maxDirectives: number;
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
  /** Parsed documents kept for reuse, counted by the bytes of their source. */
  parseCacheBytes: number;
  /** graphql-sse stream reservations (PUT) not yet connected, per client address and in total. */
  sseReservationsPerAddress: number;
  sseReservations: number;
  /** An unused reservation is dropped after this long. */
  sseReservationTtlMs: number;
  /** logIn / signUp attempts per client address per window. */
  authAttemptsPerAddress: number;
  /** Failed logIns per username per window. */
  authFailuresPerUsername: number;
  authWindowMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxDepth: 10,
  maxCost: 20_000,
  maxAliases: 15,
  maxTokens: 2_000,
  maxDirectives: 10,
  maxBodyBytes: 256 * 1024,
  parseCacheBytes: 4 * 1024 * 1024,
  sseReservationsPerAddress: 10,
  sseReservations: 1_000,
  sseReservationTtlMs: 30_000,
  authAttemptsPerAddress: 30,
  authFailuresPerUsername: 10,
  authWindowMs: 15 * 60_000,
};

export interface Config {
  port: number;
  /** Bind address. */
  host: string;
  /** NODE_ENV=production: field suggestions off; GraphiQL, /console and introspection off unless GRAPHIQL=1; no first-run admin. */
  production: boolean;
  /** GraphiQL and /console served (and introspection answered, in production). */
  graphiql: boolean;
  databaseUrl: string;
  databaseKind: DatabaseKind;
  /** Absolute path of the SQLite file (sqlite only). */
  sqlitePath: string | null;
  /** Set: subscription events fan out across instances through this Redis (one relay publishes). */
  redisUrl: string | null;
  /** Prefix of the Redis keys and channel: deployments (or test runs) sharing one Redis keep apart by it. */
  redisPrefix: string;
  adminPassword: string | null;
  tokenTtlMs: number;
  /** How long a token's user is remembered in this process (0: never). */
  tokenCacheMs: number;
  eventRetentionMs: number;
  logQueries: boolean;
  logLevel: LogLevel;
  /** Origins allowed to call the API from a browser (exact `scheme://host[:port]`); empty: same-origin only. */
  corsOrigins: string[];
  /** Take the client address from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy: boolean;
  limits: Limits;
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new ConfigError(`${name} must be 1 or 0, got ${JSON.stringify(raw)}`);
}

function databaseOf(url: string, cwd: string): { kind: DatabaseKind; sqlitePath: string | null } {
  if (url.startsWith('file:')) {
    const file = url.slice('file:'.length).split('?')[0] ?? '';
    if (file === '')
      throw new ConfigError(`DATABASE_URL must name a file after "file:", got ${JSON.stringify(url)}`);
    return { kind: 'sqlite', sqlitePath: path.resolve(cwd, file) };
  }
  if (url.startsWith('postgresql://') || url.startsWith('postgres://')) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      // reported below, without echoing a password
    }
    if (!parsed?.hostname || parsed.pathname.length < 2) {
      throw new ConfigError(
        'DATABASE_URL: a PostgreSQL URL needs a host and a database, e.g. postgresql://user:password@127.0.0.1:5432/signalyard',
      );
    }
    return { kind: 'postgresql', sqlitePath: null };
  }
  throw new ConfigError(
    `DATABASE_URL must start with "file:" (SQLite) or "postgresql://", got ${JSON.stringify(url)}`,
  );
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevelOf(env: Env): LogLevel {
  const raw = env.LOG_LEVEL?.trim().toLowerCase() || 'info';
  const level = LOG_LEVELS.find((l) => l === raw);
  if (!level)
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`);
  return level;
}

function originsOf(env: Env): string[] {
  const raw = env.CORS_ORIGINS?.trim() ?? '';
  if (raw === '') return [];
  return raw.split(',').map((entry) => {
    const origin = entry.trim();
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = null;
    }
    // An origin is exactly scheme://host[:port]: no wildcard, path or trailing slash.
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(
        `CORS_ORIGINS must be a comma-separated list of origins like https://app.example.com, got ${JSON.stringify(origin)}`,
      );
    }
    return origin;
  });
}

function limitsOf(env: Env): Limits {
  const d = DEFAULT_LIMITS;
  const seconds = (name: string, fallbackMs: number, max: number) =>
    integer(env, name, fallbackMs / 1000, 1, max) * 1000;
  return {
    maxDepth: integer(env, 'MAX_DEPTH', d.maxDepth, 1, 1_000),
    maxCost: integer(env, 'MAX_COST', d.maxCost, 1, 10_000_000),
    maxAliases: integer(env, 'MAX_ALIASES', d.maxAliases, 0, 10_000),
    maxTokens: integer(env, 'MAX_TOKENS', d.maxTokens, 10, 1_000_000),
    maxDirectives: integer(env, 'MAX_DIRECTIVES', d.maxDirectives, 0, 10_000),
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', d.maxBodyBytes, 1_024, 100 * 1024 * 1024),
    parseCacheBytes: integer(env, 'PARSE_CACHE_BYTES', d.parseCacheBytes, 0, 1024 * 1024 * 1024),
    sseReservationsPerAddress: integer(
      env,
      'SSE_RESERVATIONS_PER_ADDRESS',
      d.sseReservationsPerAddress,
      1,
      100_000,
    ),
    sseReservations: integer(env, 'SSE_RESERVATIONS', d.sseReservations, 1, 1_000_000),
    sseReservationTtlMs: seconds('SSE_RESERVATION_TTL_SECONDS', d.sseReservationTtlMs, 3_600),
    authAttemptsPerAddress: integer(env, 'AUTH_ATTEMPTS_PER_ADDRESS', d.authAttemptsPerAddress, 1, 1_000_000),
    authFailuresPerUsername: integer(
      env,
      'AUTH_FAILURES_PER_USERNAME',
      d.authFailuresPerUsername,
      1,
      1_000_000,
    ),
    authWindowMs: seconds('AUTH_RATE_WINDOW_SECONDS', d.authWindowMs, 86_400),
  };
}

/** Reads and validates the environment. The only reader of process.env in src/. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const databaseUrl = env.DATABASE_URL?.trim() || 'file:./data/dev.db';
  const { kind, sqlitePath } = databaseOf(databaseUrl, cwd);
  const redisUrl = env.REDIS_URL?.trim() || null;
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError(
      `REDIS_URL must start with "redis://" or "rediss://", got ${JSON.stringify(redisUrl)}`,
    );
  }
  const redisPrefix = env.REDIS_PREFIX?.trim() || 'signalyard:';
  if (!/^[\w:.-]{1,64}$/.test(redisPrefix)) {
    throw new ConfigError(
      `REDIS_PREFIX must be 1 to 64 letters, digits or _ : . -, got ${JSON.stringify(redisPrefix)}`,
    );
  }
  const adminPassword = env.ADMIN_PASSWORD ?? null;
  if (adminPassword !== null && adminPassword.length < 8) {
    throw new ConfigError('ADMIN_PASSWORD must be at least 8 characters long');
  }
  const production = env.NODE_ENV?.trim() === 'production';
  const host = env.HOST?.trim() || '127.0.0.1';
  if (!/^[\w.:-]+$/.test(host))
    throw new ConfigError(`HOST must be an address or host name, got ${JSON.stringify(host)}`);
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host,
    production,
    graphiql: flag(env, 'GRAPHIQL', !production),
    databaseUrl,
    databaseKind: kind,
    sqlitePath,
    redisUrl,
    redisPrefix,
    adminPassword,
    tokenTtlMs: integer(env, 'TOKEN_TTL_HOURS', 24 * 7, 1, 24 * 365) * 3_600_000,
    tokenCacheMs: integer(env, 'TOKEN_CACHE_MS', 5_000, 0, 600_000),
    eventRetentionMs: integer(env, 'EVENT_RETENTION_HOURS', 24 * 7, 1, 24 * 365) * 3_600_000,
    logQueries: flag(env, 'LOG_QUERIES', false),
    logLevel: logLevelOf(env),
    corsOrigins: originsOf(env),
    trustProxy: flag(env, 'TRUST_PROXY', false),
    limits: limitsOf(env),
  };
}
