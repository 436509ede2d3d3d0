import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * What both migrators (src/db/dialects/sqlite/migrate.ts, src/db/dialects/postgresql/migrate.ts)
 * share: reading a migrations folder and deciding, from `_prisma_migrations`, what is left to
 * apply, with Prisma's rules, so `prisma migrate status` and our history agree.
 */

export interface MigrationFile {
  /** The folder's name: `<timestamp>_<name>`. */
  name: string;
  sql: string;
  /** What Prisma stores: the SHA-256 (hex) of migration.sql as it is on disk. */
  checksum: string;
}

/** One `_prisma_migrations` row, the columns the plan needs. */
export interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/** A migration that cannot be applied, or must not be: its message names it and says what to do. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/**
 * Whether a migration on disk is the one a `_prisma_migrations` checksum recorded, by Prisma's
 * rule (schema-connector's script_matches_checksum): the script as is, with CRLF made LF, or with
 * LF made CRLF (git may check a file out with either), and checksums Prisma once wrote without
 * zero-padding each byte. Otherwise a checkout with other line endings would be refused here
 * while `prisma migrate status` calls the database up to date.
 */
export function matchesChecksum(sql: string, recorded: string): boolean {
  const variants = [sql, sql.replaceAll('\r\n', '\n'), sql.replaceAll('\n', '\r\n')];
  return variants.some((script) => {
    const digest = createHash('sha256').update(script).digest();
    const hex =
      recorded.length > 0 && recorded.length !== 64
        ? [...digest].map((byte) => byte.toString(16)).join('')
        : digest.toString('hex');
    return hex === recorded;
  });
}

/**
 * The migrations of a folder, sorted by the full folder name as Prisma sorts them (two folders
 * may share a timestamp: `20261201220000_hardening` runs before `20261201220000_write_path`).
 * A folder without migration.sql is refused, as Prisma refuses it (P3015).
 */
export function readMigrations(dir: string): MigrationFile[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => {
      const file = path.join(dir, name, 'migration.sql');
      if (!fs.existsSync(file)) {
        throw new MigrationError(
          `migration ${name} has no migration.sql (${file}): restore it or delete the folder`,
        );
      }
      const sql = fs.readFileSync(file, 'utf8');
      return { name, sql, checksum: checksumOf(sql) };
    });
}

/**
 * The migrations still to apply, in order. A migration counts as applied when a row of it is
 * finished and not rolled back (a rolled-back one runs again, as with Prisma). Refused: a row
 * that started and never finished nor was rolled back (Prisma's P3009: the database may hold part
 * of it), and an applied migration whose file changed since (the database is not what the folder
 * says). Rows of migrations the folder does not have are left alone.
 */
export function planMigrations(
  local: readonly MigrationFile[],
  history: readonly HistoryRow[],
): MigrationFile[] {
  const applied = new Map<string, string>();
  for (const row of history) {
    if (row.rolled_back_at != null) continue;
    if (row.finished_at == null) {
      throw new MigrationError(
        `migration ${row.migration_name} is marked as failed in _prisma_migrations (started, never finished): ` +
          'the database may hold part of it. Repair the database, then run ' +
          `\`npx prisma migrate resolve --rolled-back ${row.migration_name}\` (or --applied) and start again.`,
      );
    }
    applied.set(row.migration_name, row.checksum);
  }
  const pending: MigrationFile[] = [];
  for (const migration of local) {
    const checksum = applied.get(migration.name);
    if (checksum === undefined) pending.push(migration);
    else if (!matchesChecksum(migration.sql, checksum)) {
      throw new MigrationError(
        `migration ${migration.name} was changed after it was applied to this database (checksum ` +
          `${checksum.slice(0, 12)}… recorded, ${migration.checksum.slice(0, 12)}… on disk): put the applied ` +
          'migration.sql back and make the change a new migration.',
      );
    }
  }
  return pending;
}

/** A migration's own failure, naming it; the caller has rolled it back. */
export function migrationFailed(name: string, error: unknown): MigrationError {
  const reason = error instanceof Error ? error.message : String(error);
  return new MigrationError(
    `migration ${name} failed and was rolled back (nothing of it applied): ${reason}`,
    {
      cause: error,
    },
  );
}
