import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type HistoryRow, migrationFailed, planMigrations, readMigrations } from '../../migrate.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const PG_MIGRATIONS_DIR = path.join(root, 'prisma', 'postgresql', 'migrations');

/** The advisory lock key migrators share ('sy' 'mig'): several instances starting at once migrate once. */
const MIGRATION_LOCK = 0x7379_6d69;

/**
 * `_prisma_migrations` as Prisma's CLI keeps it, so `prisma migrate status` reads our history.
 * (`prisma migrate deploy` itself cannot run through adapter-pg in prisma.config: prisma#27403.)
 */
const HISTORY = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export function pgMigrationNames(dir = PG_MIGRATIONS_DIR): string[] {
  return readMigrations(dir).map((m) => m.name);
}

const HISTORY_ROWS =
  'SELECT "migration_name", "checksum", "finished_at", "rolled_back_at" FROM "_prisma_migrations" ORDER BY "started_at"';

export interface PgMigrateResult {
  applied: string[];
}

/**
 * Applies the pending migrations of prisma/postgresql/migrations in name order, each in its own
 * transaction with its history row, under a session advisory lock: a second migrator waits, then
 * finds nothing left to do. A migration whose file changed after it was applied stops start-up.
 */
export async function migratePostgres(url: string, dir = PG_MIGRATIONS_DIR): Promise<PgMigrateResult> {
  const client = new pg.Client({ connectionString: url, options: '-c TimeZone=UTC' });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(HISTORY);
    const done = await client.query<HistoryRow>(HISTORY_ROWS);
    for (const { name, sql, checksum } of planMigrations(readMigrations(dir), done.rows)) {
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "applied_steps_count")
           VALUES ($1, $2, now(), $3, 1)`,
          [randomUUID(), checksum, name],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw migrationFailed(name, error);
      }
      applied.push(name);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    await client.end();
  }
  return { applied };
}

/** The names of migrations not yet applied (no lock taken). */
export async function pendingPgMigrations(url: string, dir = PG_MIGRATIONS_DIR): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = await client.query(`SELECT to_regclass('"_prisma_migrations"') AS "t"`);
    if (!table.rows[0]?.t) return pgMigrationNames(dir);
    const done = await client.query<HistoryRow>(HISTORY_ROWS);
    return planMigrations(readMigrations(dir), done.rows).map((m) => m.name);
  } finally {
    await client.end();
  }
}
