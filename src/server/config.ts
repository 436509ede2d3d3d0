import path from 'node:path';

/** Thrown for configuration that cannot work; main.ts prints its message as one line. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type DatabaseKind = 'sqlite' | 'postgresql';

export interface Config {
  port: number;
  databaseUrl: string;
  databaseKind: DatabaseKind;
  /** Absolute path of the SQLite file (sqlite only). */
  sqlitePath: string | null;
  redisUrl: string | null;
  adminPassword: string | null;
  tokenTtlMs: number;
  eventRetentionMs: number;
  logQueries: boolean;
  /** NODE_ENV=production: no first-run admin (and, from the hardening work, no GraphiQL). */
  production: boolean;
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

function databaseOf(url: string, cwd: string): { kind: DatabaseKind; sqlitePath: string | null } {
  if (url.startsWith('file:')) {
    const file = url.slice('file:'.length).split('?')[0] ?? '';
    if (file === '')
      throw new ConfigError(`DATABASE_URL must name a file after "file:", got ${JSON.stringify(url)}`);
    return { kind: 'sqlite', sqlitePath: path.resolve(cwd, file) };
  }
  if (url.startsWith('postgresql://') || url.startsWith('postgres://')) {
    return { kind: 'postgresql', sqlitePath: null };
  }
  throw new ConfigError(
    `DATABASE_URL must start with "file:" (SQLite) or "postgresql://", got ${JSON.stringify(url)}`,
  );
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
  const adminPassword = env.ADMIN_PASSWORD ?? null;
  if (adminPassword !== null && adminPassword.length < 8) {
    throw new ConfigError('ADMIN_PASSWORD must be at least 8 characters long');
  }
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    databaseUrl,
    databaseKind: kind,
    sqlitePath,
    redisUrl,
    adminPassword,
    tokenTtlMs: integer(env, 'TOKEN_TTL_HOURS', 24 * 7, 1, 24 * 365) * 3_600_000,
    eventRetentionMs: integer(env, 'EVENT_RETENTION_HOURS', 24 * 7, 1, 24 * 365) * 3_600_000,
    logQueries: env.LOG_QUERIES === '1',
    production: env.NODE_ENV === 'production',
  };
}

/** The environment a child process (the Prisma CLI) needs to reach the same database. */
export function childEnv(config: Config): Env {
  return { ...process.env, DATABASE_URL: config.databaseUrl };
}
