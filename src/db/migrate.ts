import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const migrationsDir = path.join(root, 'prisma', 'migrations');

/**
 * The migrations of prisma/migrations not yet applied to the SQLite file, read without taking
 * any lock (a server may be writing to it).
 */
export function pendingMigrations(sqlitePath: string): string[] {
  const all = fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  if (!fs.existsSync(sqlitePath)) return all;
  const db = new Database(sqlitePath, { readonly: true, fileMustExist: true });
  try {
    const table = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'")
      .get();
    if (!table) return all;
    const applied = new Set(
      db
        .prepare(
          'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
        )
        .pluck()
        .all() as string[],
    );
    return all.filter((name) => !applied.has(name));
  } finally {
    db.close();
  }
}

function runCli(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
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
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The CLI's way of saying another connection held the lock (its adapter maps SQLITE_BUSY so). */
const LOCKED = /SocketTimeout|database is locked|SQLITE_BUSY/;

/**
 * Why a locked-out CLI keeps failing: Prisma's schema engine sets `locking_mode=EXCLUSIVE`, which
 * on a WAL database needs every other connection closed, so no retry succeeds while a server (or
 * a seed) has the file open. Only pending migrations run the CLI; without them start-up skips it.
 */
export class MigrationLockedError extends Error {
  override name = 'MigrationLockedError';
  constructor(pending: string[]) {
    super(
      `prisma migrate deploy could not lock the database: ${pending.length} migration(s) pending ` +
        `(${pending.join(', ')}) and another process has the file open (a running server or seed). ` +
        'Prisma applies migrations only with the file to itself: stop the other process, start this ' +
        'one (it migrates), then start the others again.',
    );
  }
}

/**
 * Applies pending migrations with `prisma migrate deploy` (offline: the CLI reaches the database
 * through the driver adapter of prisma.config.ts). With a SQLite path, nothing pending means no
 * CLI at all, so a second process beside a running server starts cleanly; when the database is
 * locked by another process the CLI is retried a few times (a process that is exiting lets go),
 * then fails with MigrationLockedError saying what to do. Resolves with the CLI's output.
 */
export async function migrateDeploy(
  env: Record<string, string | undefined>,
  sqlitePath?: string | null,
  attempts = 5,
): Promise<string> {
  let pending: string[] = [];
  if (sqlitePath) {
    // SQLite creates the file, not its folder.
    fs.mkdirSync(path.dirname(sqlitePath), { recursive: true });
    pending = pendingMigrations(sqlitePath);
    if (pending.length === 0) return 'No pending migrations to apply.';
  }
  for (let attempt = 1; ; attempt++) {
    const { code, output } = await runCli(env);
    if (code === 0) return output;
    const locked = LOCKED.test(output);
    if (locked && attempt >= attempts && sqlitePath) throw new MigrationLockedError(pending);
    if (attempt >= attempts || !locked) {
      throw new Error(`prisma migrate deploy failed (exit ${code}):\n${output.trim()}`);
    }
    await sleep(250 * 2 ** attempt * (0.5 + Math.random()));
  }
}
