import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Runs the Prisma CLI (`migrate deploy`, `migrate status`, ...) on a SQLite file, offline through
 * prisma.config.ts's driver adapter: what our migrator is compared with.
 */
export function prismaCli(args: string[], file: string): Promise<{ code: number | null; output: string }> {
  const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: `file:${file}` },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The repository's SQLite migrations folder. */
export const MIGRATIONS = path.join(root, 'prisma', 'migrations');

/**
 * A migrations folder of its own: the repository's migrations up to `upTo` (a name; all when
 * absent), then `extra` ones (name -> migration.sql). The folder is removed with `dir`.
 */
export function migrationsFolder(
  dir: string,
  { upTo, extra = {} }: { upTo?: string; extra?: Record<string, string> } = {},
): string {
  const out = fs.mkdtempSync(path.join(dir, 'migrations-'));
  for (const entry of fs.readdirSync(MIGRATIONS, { withFileTypes: true })) {
    if (!entry.isDirectory() || (upTo !== undefined && entry.name > upTo)) continue;
    fs.cpSync(path.join(MIGRATIONS, entry.name), path.join(out, entry.name), { recursive: true });
  }
  for (const [name, sql] of Object.entries(extra)) {
    fs.mkdirSync(path.join(out, name));
    fs.writeFileSync(path.join(out, name, 'migration.sql'), sql);
  }
  return out;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
