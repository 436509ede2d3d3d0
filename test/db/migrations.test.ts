import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, inject, it } from 'vitest';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-migrations-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Tables, columns, indexes and foreign keys of a SQLite file, in a comparable form. */
function shape(file: string) {
  const db = new Database(file, { readonly: true });
  const tables = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_prisma%' ORDER BY name",
    )
    .all() as { name: string }[];
  const result = Object.fromEntries(
    tables.map(({ name }) => [
      name,
      {
        columns: db.prepare(`PRAGMA table_info("${name}")`).all(),
        indexes: (db.prepare(`PRAGMA index_list("${name}")`).all() as { name: string; unique: number }[])
          .map((i) => ({ ...i, columns: db.prepare(`PRAGMA index_info("${i.name}")`).all() }))
          .sort((a, b) => a.name.localeCompare(b.name)),
        foreignKeys: db.prepare(`PRAGMA foreign_key_list("${name}")`).all(),
      },
    ]),
  );
  db.close();
  return result;
}

describe('migrations', () => {
  it('a new empty SQLite file migrated from nothing matches schema.prisma', () => {
    const migrated = inject('templateDb'); // our migrator on an empty file (global set-up)
    const fromSchema = path.join(dir, 'from-schema.db');
    const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
    // The SQL that builds schema.prisma from nothing, ignoring prisma/migrations: the two must agree.
    const run = spawnSync(
      process.execPath,
      [cli, 'migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/schema.prisma', '--script'],
      { env: { ...process.env, DATABASE_URL: `file:${fromSchema}` }, encoding: 'utf8', timeout: 30_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const db = new Database(fromSchema);
    db.exec(run.stdout);
    db.close();
    expect(shape(migrated)).toEqual(shape(fromSchema));
  });

  it('the database itself keeps stock >= 0 and text limits (CHECK constraints)', () => {
    const copy = path.join(dir, 'checks.db');
    fs.copyFileSync(inject('templateDb'), copy);
    const db = new Database(copy);
    const insert = db.prepare(
      'INSERT INTO "InventoryItem" (item, itemCode, itemCondition, quantity) VALUES (?, 1, ?, ?)',
    );
    expect(() => insert.run('apple', 'new', -1)).toThrow(/CHECK constraint failed/);
    expect(() => insert.run('a'.repeat(21), 'new', 1)).toThrow(/CHECK constraint failed/);
    expect(insert.run('apple', 'new', 0).changes).toBe(1);
    db.close();
  });
});
