import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migratePostgres } from '../../src/db/dialects/postgresql/index.js';
import { migrateSqlite } from '../../src/db/dialects/sqlite/migrate.js';
import { buildWhatIsStale } from './build.js';
import { createDatabase, databaseUrl, dropDatabase, pgAdminUrl } from './pg.js';

/**
 * Migrates one template for the whole run (with the migrator `npm start` runs): a SQLite file each test copies,
 * and with TEST_DATABASE_URL a PostgreSQL template database each test's database is created from.
 * Brings dist/ up to date with the sources first: `npm start` and the pages are served from it.
 */
export default async function setup(project: TestProject) {
  buildWhatIsStale();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-test-'));
  const template = path.join(dir, 'template.db');
  await migrateSqlite(template);
  project.provide('templateDb', template);
  let pgTemplate: string | null = null;
  if (pgAdminUrl) {
    pgTemplate = await createDatabase(pgAdminUrl, null, 'sy_template');
    await migratePostgres(databaseUrl(pgAdminUrl, pgTemplate));
  }
  project.provide('pgTemplate', pgTemplate);
  return async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    if (pgAdminUrl && pgTemplate) await dropDatabase(pgAdminUrl, pgTemplate);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDb: string;
    /** The migrated PostgreSQL template database, when TEST_DATABASE_URL is set. */
    pgTemplate: string | null;
  }
}
