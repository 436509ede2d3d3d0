import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrateDeploy } from '../../src/db/migrate.js';

/** Migrates one template SQLite file for the whole run; each test copies it (migrating takes ~1 s). */
export default async function setup(project: TestProject) {
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
