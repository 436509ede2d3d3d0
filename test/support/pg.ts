import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL for tests. With TEST_DATABASE_URL (an admin URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres)
 * every fresh database is `CREATE DATABASE ... TEMPLATE` a template migrated once in the global
 * set-up; without it the suites run on SQLite files.
 */
export const pgAdminUrl: string | undefined = process.env.TEST_DATABASE_URL?.trim() || undefined;

/** The URL of database `name` on the admin URL's server. */
export function databaseUrl(admin: string, name: string): string {
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new database copied from `template`; returns its name. */
export async function createDatabase(
  adminUrl: string,
  template: string | null,
  prefix = 'sy_test',
): Promise<string> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(adminUrl, async (client) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
        return;
      } catch (error) {
        // Two copies of one template started at the same instant: PostgreSQL refuses the second.
        if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  });
  return name;
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await admin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/**
 * One value read by psql, a connection (and process) of its own: what another instance would see.
 * Synchronous like the SQLite form; `?` placeholders become psql variables (quoted literals).
 */
export function pgCommitted(url: string, sql: string, params: readonly unknown[]): unknown {
  let n = 0;
  const text = sql.replace(/\?/g, () => `:'p${++n}'`);
  const vars = params.flatMap((p, i) => ['-v', `p${i + 1}=${String(p)}`]);
  const out = execFileSync('psql', [url, '-X', '-A', '-t', '-q', ...vars], {
    input: text,
    encoding: 'utf8',
  }).trim();
  return /^-?\d+$/.test(out) ? Number(out) : out;
}

/**
 * Whether a test that needs PostgreSQL can run. Without TEST_DATABASE_URL it prints one line and
 * the caller skips; with CI_REQUIRE_SERVICES=1 (CI) a missing server fails the run instead.
 */
export function needsPostgres(what: string): boolean {
  if (pgAdminUrl) return true;
  if (process.env.CI_REQUIRE_SERVICES === '1') {
    throw new Error(
      `${what} needs PostgreSQL: set TEST_DATABASE_URL (CI_REQUIRE_SERVICES=1 forbids skipping)`,
    );
  }
  console.log(`[skip] ${what}: needs PostgreSQL, TEST_DATABASE_URL is not set`);
  return false;
}
