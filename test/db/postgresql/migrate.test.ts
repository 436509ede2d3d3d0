/**
 * PostgreSQL: our migrator (prisma migrate deploy cannot run through adapter-pg, prisma#27403),
 * and the schema variant generated from prisma/schema.prisma staying in step with it.
 */
import fs from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { diffSql, variantOf, variantPath } from '../../../scripts/pg-schema.js';
import { migratePostgres, pgMigrationNames } from '../../../src/db/dialects/postgresql/migrate.js';
import { createDatabase, databaseUrl, dropDatabase, needsPostgres, pgAdminUrl } from '../../support/pg.js';

it('the committed PostgreSQL schema variant is what scripts/pg-schema.ts makes of prisma/schema.prisma', () => {
  const wanted = variantOf(fs.readFileSync('prisma/schema.prisma', 'utf8'));
  expect(fs.readFileSync(variantPath, 'utf8'), 'run: npx tsx scripts/pg-schema.ts <name>').toBe(wanted);
});

const created: string[] = [];
afterAll(async () => {
  if (pgAdminUrl) for (const name of created) await dropDatabase(pgAdminUrl, name);
});

async function emptyDatabase(): Promise<string> {
  const name = await createDatabase(pgAdminUrl as string, null, 'sy_migrate');
  created.push(name);
  return databaseUrl(pgAdminUrl as string, name);
}

async function query<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Columns, indexes and foreign keys as the catalog has them (what Prisma's model decides). */
const SHAPE = `
  SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS "item"
  FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT IN ('_prisma_migrations', 'EventPending')
  UNION ALL
  SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT IN ('_prisma_migrations', 'EventPending')
  UNION ALL
  SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
  WHERE connamespace = 'public'::regnamespace AND contype IN ('f', 'p', 'u')
    AND conrelid::regclass::text NOT IN ('_prisma_migrations', '"EventPending"')
  ORDER BY 1`;

describe.runIf(needsPostgres('PostgreSQL migrations'))('PostgreSQL migrations', () => {
  it('two migrators starting at once (two instances) apply each migration once', async () => {
    const url = await emptyDatabase();
    const [a, b] = await Promise.all([migratePostgres(url), migratePostgres(url)]);
    const names = pgMigrationNames();
    // One did all the work while holding the advisory lock; the other found nothing left.
    expect([a.applied, b.applied].sort((x, y) => y.length - x.length)).toEqual([names, []]);
    const history = await query<{ migration_name: string }>(
      url,
      'SELECT "migration_name" FROM "_prisma_migrations" ORDER BY "migration_name"',
    );
    expect(history.map((h) => h.migration_name)).toEqual(names);
    expect((await migratePostgres(url)).applied).toEqual([]);
  });

  it('the migrations build exactly the database the schema variant describes (no drift)', async () => {
    const migrated = await emptyDatabase();
    await migratePostgres(migrated);
    const direct = await emptyDatabase();
    const client = new pg.Client({ connectionString: direct });
    await client.connect();
    try {
      await client.query(diffSql(null, fs.readFileSync(variantPath, 'utf8')));
    } finally {
      await client.end();
    }
    const shape = async (url: string) => (await query<{ item: string }>(url, SHAPE)).map((r) => r.item);
    const want = await shape(direct);
    expect(want.length).toBeGreaterThan(30);
    expect(await shape(migrated)).toEqual(want);
  });
});
