import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrateDeploy } from '../../src/db/migrate.js';
import { buildWhatIsStale } from './build.js';

/**
 * Migrates one template SQLite file for the whole run; each test copies it (migrating takes ~1 s).
 * Brings dist/ up to date with the sources first: `npm start` and the pages are served from it.
 */
export default async function setup(project: TestProject) {
  buildWhatIsStale();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-test-'));
  const template = path.join(dir, 'template.db');
  await migrateDeploy({ ...process.env, DATABASE_URL: `file:${template}` });
  project.provide('templateDb', template);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDb: string;
  }
}
