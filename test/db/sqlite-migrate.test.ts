/**
 * SQLite: our migrator (src/db/dialects/sqlite/migrate.ts) against `prisma migrate deploy` on
 * real files: the same schema, the same `_prisma_migrations` rows, the same data after Prisma's
 * table redefinitions; and what it refuses or rolls back. (Beside running processes:
 * test/db/processes.test.ts and test/e2e/migrate.test.ts.)
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { migrateSqlite, pendingSqliteMigrations } from '../../src/db/dialects/sqlite/migrate.js';
import { MigrationError } from '../../src/db/migrate.js';
import { MIGRATIONS, migrationsFolder, prismaCli, tempDir } from '../support/prisma-cli.js';

const dir = tempDir('signalyard-sqlite-migrate-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A copy of the run's template (every migration applied by our migrator), or an empty path. */
function file(from: 'template' | 'empty' = 'template'): string {
  const out = path.join(dir, `db-${++files}.db`);
  if (from === 'template') fs.copyFileSync(inject('templateDb'), out);
  return out;
}

function open<T>(f: string, fn: (db: Database.Database) => T): T {
  const db = new Database(f);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const schemaOf = (f: string) =>
  open(f, (db) =>
    db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all(),
  );

const tableNames = (f: string) =>
  open(f, (db) =>
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all(),
  ) as string[];

/** `_prisma_migrations` rows with what varies per run (uuids, clock) reduced to its form. */
function historyShape(f: string) {
  return open(f, (db) => {
    const columns = db.prepare('PRAGMA table_info("_prisma_migrations")').all() as { name: string }[];
    const typed = columns.map((c) => `"${c.name}", typeof("${c.name}") AS "${c.name}:type"`).join(', ');
    const rows = db
      .prepare(`SELECT ${typed} FROM "_prisma_migrations" ORDER BY "migration_name"`)
      .all() as Record<string, unknown>[];
    return rows.map(
      (row): Record<string, unknown> => ({
        ...row,
        id: String(row.id).replace(/[0-9a-f]/g, 'x'),
        started_at: String(row.started_at).replace(/\d/g, '9'),
        finished_at: String(row.finished_at).replace(/\d/g, '9'),
      }),
    );
  });
}

/** Every row of every table but the history, in id order. */
function contents(f: string) {
  return open(f, (db) =>
    Object.fromEntries(
      tableNames(f)
        .filter((t) => t !== '_prisma_migrations')
        .map((t) => [t, db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all()]),
    ),
  );
}

const before = (name: string) =>
  fs
    .readdirSync(MIGRATIONS)
    .filter((n) => n < name)
    .sort()
    .at(-1) as string;

describe('our migrator and prisma migrate deploy', () => {
  it('build the same file from nothing: sqlite_master and _prisma_migrations rows alike, and prisma migrate status agrees', async () => {
    const byPrisma = file('empty');
    const deploy = await prismaCli(['migrate', 'deploy'], byPrisma);
    expect(deploy.code, deploy.output).toBe(0);
    const ours = inject('templateDb');
    expect(schemaOf(ours)).toEqual(schemaOf(byPrisma));
    const shape = historyShape(ours);
    expect(shape).toEqual(historyShape(byPrisma));
    expect(shape.map((r) => r.migration_name)).toEqual(
      fs
        .readdirSync(MIGRATIONS)
        .filter((n) => !n.endsWith('.toml'))
        .sort(),
    );
    // Prisma's CLI reads our history as its own
    const copy = file();
    const status = await prismaCli(['migrate', 'status'], copy);
    expect(status.code, status.output).toBe(0);
    expect(status.output).toMatch(/Database schema is up to date/);
  }, 60_000);

  it("keep the same rows through the hardening migration's table redefinitions (no ON DELETE CASCADE fires)", async () => {
    // A database of the release before 20261201220000_hardening, with users, their tokens,
    // orders and notifications (all ON DELETE CASCADE from User, which hardening rebuilds).
    const old = file('empty');
    await migrateSqlite(old, { dir: migrationsFolder(dir, { upTo: before('20261201220000_hardening') }) });
    open(old, (db) => {
      db.exec(`
        INSERT INTO "User" ("id", "username", "passwordHash") VALUES (1, 'Alice', 'x'), (2, 'alice', 'y'), (3, 'bob', 'z');
        INSERT INTO "AuthToken" ("tokenHash", "userId", "expiresAt") VALUES ('t1', 1, '2030-01-01'), ('t2', 2, '2030-01-01'), ('t3', 3, '2030-01-01');
        INSERT INTO "InventoryItem" ("id", "item", "itemCode", "itemCondition", "quantity") VALUES (1, 'pen', 1, 'new', 5);
        INSERT INTO "Order" ("id", "ordNumber", "inventoryItemId", "orderedById", "quantity") VALUES (1, 'ORD-1', 1, 2, 1);
        INSERT INTO "Notification" ("userId", "orderId", "message") VALUES (2, 1, 'placed');
        INSERT INTO "Warehouse" ("id", "name") VALUES (1, 'w');
        INSERT INTO "Crate" ("name", "warehouseId") VALUES ('c', 1);
      `);
    });
    const byPrisma = path.join(dir, 'old-prisma.db');
    fs.copyFileSync(old, byPrisma);
    const deploy = await prismaCli(['migrate', 'deploy'], byPrisma);
    expect(deploy.code, deploy.output).toBe(0);
    const { applied } = await migrateSqlite(old);
    expect(applied[0]).toBe('20261201220000_hardening');
    const ours = contents(old);
    expect(ours).toEqual(contents(byPrisma));
    expect(schemaOf(old)).toEqual(schemaOf(byPrisma));
    expect(ours.AuthToken).toHaveLength(3);
    expect(ours.Order).toHaveLength(1);
    expect(ours.Notification).toHaveLength(1);
    expect(ours.User).toMatchObject([
      { id: 1, username: 'alice', displayName: 'Alice' },
      { id: 2, username: 'alice-2', displayName: null },
      { id: 3, username: 'bob', displayName: null },
    ]);
    // foreign keys are on again for the rest, and hold
    open(old, (db) => expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]));
  }, 60_000);
});

describe('what the migrator refuses or rolls back', () => {
  const seeded = () => {
    const f = file();
    open(f, (db) => {
      db.exec(`INSERT INTO "Warehouse" ("id", "name") VALUES (1, 'kept');
               INSERT INTO "Crate" ("name", "warehouseId") VALUES ('a', 1), ('b', 1);`);
    });
    return f;
  };

  it('a failing migration leaves nothing of itself, names itself, and the ones before it stay applied', async () => {
    const f = seeded();
    const migrations = migrationsFolder(dir, {
      extra: {
        '29990101000000_fine': 'CREATE TABLE "Fine" ("id" INTEGER PRIMARY KEY);',
        '29990102000000_broken':
          'CREATE TABLE "Half" ("id" INTEGER);\nUPDATE "Warehouse" SET "name" = \'changed\';\nINSERT INTO "Nope" VALUES (1);',
      },
    });
    const error = await migrateSqlite(f, { dir: migrations }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(
      /^migration 29990102000000_broken failed and was rolled back .*no such table: Nope/,
    );
    expect(tableNames(f)).toContain('Fine');
    expect(tableNames(f)).not.toContain('Half');
    expect(contents(f).Warehouse).toMatchObject([{ name: 'kept' }]);
    expect(pendingSqliteMigrations(f, migrations).map((m) => m.name)).toEqual(['29990102000000_broken']);
    expect(
      open(f, (db) =>
        db
          .prepare('SELECT COUNT(*) FROM "_prisma_migrations" WHERE "migration_name" LIKE \'2999%\'')
          .pluck()
          .get(),
      ),
    ).toBe(1);
  });

  it('a table redefinition (foreign keys off) that fails after its DROP TABLE is rolled back whole', async () => {
    const f = seeded();
    const redefine = (last: string) => `PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Warehouse" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL, "address" TEXT,
  "newestCrateId" INTEGER, "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP);
INSERT INTO "new_Warehouse" SELECT "id", "name", "address", "newestCrateId", "createdAt" FROM "Warehouse";
DROP TABLE "Warehouse";
ALTER TABLE "new_Warehouse" RENAME TO "Warehouse";
${last}
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;`;
    const schema = schemaOf(f);
    const failing = migrationsFolder(dir, {
      extra: { '29990101000000_redefine': redefine('SELECT * FROM "Nope";') },
    });
    await expect(migrateSqlite(f, { dir: failing })).rejects.toThrow(
      /29990101000000_redefine failed .*no such table: Nope/,
    );
    expect(schemaOf(f)).toEqual(schema);
    expect(contents(f).Crate).toHaveLength(2);
    // the same redefinition, whole: the crates (ON DELETE CASCADE from Warehouse) survive it
    const whole = migrationsFolder(dir, { extra: { '29990101000000_redefine': redefine('') } });
    expect((await migrateSqlite(f, { dir: whole })).applied).toEqual(['29990101000000_redefine']);
    expect(contents(f).Crate).toHaveLength(2);
  });

  it('a migration with foreign keys off that leaves dangling references fails foreign_key_check and is rolled back', async () => {
    const f = seeded();
    const migrations = migrationsFolder(dir, {
      extra: {
        '29990101000000_orphans':
          'PRAGMA foreign_keys=OFF;\nDELETE FROM "Warehouse";\nPRAGMA foreign_keys=ON;',
      },
    });
    await expect(migrateSqlite(f, { dir: migrations })).rejects.toThrow(
      /29990101000000_orphans failed .*2 row\(s\) referring to missing rows .*"Crate" rowid \d+ -> "Warehouse"/,
    );
    expect(contents(f).Warehouse).toHaveLength(1);
  });

  it('an applied migration whose file changed is refused, naming it, before anything else is applied', async () => {
    const f = file();
    const migrations = migrationsFolder(dir, {
      extra: { '29990101000000_later': 'CREATE TABLE "Later" ("id" INTEGER);' },
    });
    const edited = path.join(migrations, '20261202205926_idempotency_keys', 'migration.sql');
    fs.appendFileSync(edited, '\n-- edited after the fact\n');
    const error = await migrateSqlite(f, { dir: migrations }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(
      /^migration 20261202205926_idempotency_keys was changed after it was applied/,
    );
    expect(tableNames(f)).not.toContain('Later');
  });

  it('an applied migration checked out with other line endings (CRLF) counts as applied, as Prisma counts it', async () => {
    // Prisma's schema engine compares a script with its recorded checksum as is, with CRLF made
    // LF and with LF made CRLF (schema-connector checksum.rs, script_matches_checksum): a checkout
    // with core.autocrlf is not a changed migration, and `prisma migrate status` says up to date.
    const f = file();
    const migrations = migrationsFolder(dir, {
      extra: { '29990101000000_later': 'CREATE TABLE "Later" ("id" INTEGER);\n' },
    });
    for (const name of fs.readdirSync(migrations)) {
      const script = path.join(migrations, name, 'migration.sql');
      fs.writeFileSync(script, fs.readFileSync(script, 'utf8').replace(/\r?\n/g, '\r\n'));
    }
    expect(pendingSqliteMigrations(f, migrations).map((m) => m.name)).toEqual(['29990101000000_later']);
    expect((await migrateSqlite(f, { dir: migrations })).applied).toEqual(['29990101000000_later']);
    // and back: the database migrated from CRLF files, the folder with LF again
    const lf = migrationsFolder(dir, {
      extra: { '29990101000000_later': 'CREATE TABLE "Later" ("id" INTEGER);\n' },
    });
    expect(pendingSqliteMigrations(f, lf)).toEqual([]);
  });

  it('a file that is not a SQLite database is refused naming the file', async () => {
    const f = path.join(dir, 'not-a-database.db');
    fs.writeFileSync(f, 'these are notes, not a database\n'.repeat(10));
    const error = await migrateSqlite(f).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toContain(f);
    expect((error as Error).message).toMatch(/file is not a database/);
  });

  it('a migration Prisma left marked failed (started, never finished) is refused, saying how to resolve it', async () => {
    const f = file();
    open(f, (db) =>
      db
        .prepare(
          `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at") VALUES ('x', 'y', '29990101000000_half', '2026-01-01T00:00:00.000+00:00')`,
        )
        .run(),
    );
    const migrations = migrationsFolder(dir, {
      extra: { '29990101000000_half': 'CREATE TABLE "Half" ("id" INTEGER);' },
    });
    await expect(migrateSqlite(f, { dir: migrations })).rejects.toThrow(
      /29990101000000_half is marked as failed .*prisma migrate resolve --rolled-back 29990101000000_half/,
    );
    expect(tableNames(f)).not.toContain('Half');
  });

  it('waits for a write lock another connection holds, and past its bound gives up saying so, with nothing applied', async () => {
    const f = file();
    const migrations = migrationsFolder(dir, {
      extra: { '29990101000000_later': 'CREATE TABLE "Later" ("id" INTEGER);' },
    });
    const holder = new Database(f);
    try {
      holder.pragma('journal_mode = WAL');
      holder.exec('BEGIN IMMEDIATE');
      const error = await migrateSqlite(f, { dir: migrations, busyTimeoutMs: 300 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toMatch(
        /^migration 29990101000000_later on .* not applied: another process kept the write lock for \d+ ms \(SQLITE_BUSY\)/,
      );
      expect(tableNames(f)).not.toContain('Later');
      // held briefly: the migration waits for it and applies
      setTimeout(() => holder.exec('COMMIT'), 200);
      expect((await migrateSqlite(f, { dir: migrations })).applied).toEqual(['29990101000000_later']);
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
    }
  });
  it('reading what is pending waits for a lock that blocks readers too (a file not in WAL yet, e.g. restored from a backup), then applies', async () => {
    const f = file();
    const migrations = migrationsFolder(dir, {
      extra: { '29990101000000_later': 'CREATE TABLE "Later" ("id" INTEGER);' },
    });
    const holder = new Database(f);
    try {
      holder.pragma('journal_mode = DELETE');
      // an exclusive lock in rollback-journal mode keeps readers out as well
      holder.exec('BEGIN EXCLUSIVE');
      const error = await migrateSqlite(f, { dir: migrations, busyTimeoutMs: 300 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toMatch(
        /^migrations on .* not applied: another process kept the write lock for \d+ ms \(SQLITE_BUSY\)/,
      );
      setTimeout(() => holder.exec('COMMIT'), 200);
      expect((await migrateSqlite(f, { dir: migrations })).applied).toEqual(['29990101000000_later']);
      expect(tableNames(f)).toContain('Later');
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
    }
  });
});
