import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Applies pending migrations with `prisma migrate deploy` (offline: the CLI reaches the database
 * through the driver adapter of prisma.config.ts). Resolves with the CLI's output; rejects with it.
 */
export function migrateDeploy(
  env: Record<string, string | undefined>,
  sqlitePath?: string | null,
): Promise<string> {
  // SQLite creates the file, not its folder.
  if (sqlitePath) fs.mkdirSync(path.dirname(sqlitePath), { recursive: true });
  const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'migrate', 'deploy'], { cwd: root, env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`prisma migrate deploy failed (exit ${code}):\n${output.trim()}`));
    });
  });
}
