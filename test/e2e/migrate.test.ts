/**
 * SQLite migrations at `npm start`, between real server processes on one file: a new release
 * (a copy of the app with one more migration) started beside a running server migrates and
 * starts while the running one keeps answering and writing; two servers started at once on a
 * new file migrate it once.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { migrationsFolder, tempDir } from '../support/prisma-cli.js';
import { type Started, startServer } from '../support/server.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = tempDir('signalyard-migrate-e2e-');
const servers: Started[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string>, main?: string[]): Promise<Started> {
  const server = await startServer(env, main);
  servers.push(server);
  return server;
}

async function post<T>(
  server: Started,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

async function logIn(server: Started): Promise<string> {
  const { logIn } = await post<{ logIn: { token: string } }>(
    server,
    'mutation { logIn(input: { username: "admin", password: "admin-pass-1" }) { token } }',
  );
  return logIn.token;
}

/**
 * Another copy of the app, as a new release is deployed beside the running one: its own dist/,
 * schema and migrations (the repository's plus `extra`), the same node_modules.
 */
function release(extra: Record<string, string>): string[] {
  const out = fs.mkdtempSync(path.join(dir, 'release-'));
  fs.cpSync(path.join(root, 'dist'), path.join(out, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(out, 'package.json'));
  fs.mkdirSync(path.join(out, 'prisma'));
  fs.copyFileSync(path.join(root, 'prisma', 'schema.prisma'), path.join(out, 'prisma', 'schema.prisma'));
  fs.renameSync(migrationsFolder(dir, { extra }), path.join(out, 'prisma', 'migrations'));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(out, 'node_modules'));
  return [path.join(out, 'dist', 'server', 'main.js')];
}

function history(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare('SELECT "migration_name" FROM "_prisma_migrations" ORDER BY "migration_name"')
      .pluck()
      .all() as string[];
  } finally {
    db.close();
  }
}

/** A Prisma-style table redefinition (foreign keys off): Warehouse gains a column. */
const REDEFINE_WAREHOUSE = `PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Warehouse" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "address" TEXT,
    "note" TEXT,
    "newestCrateId" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Warehouse_newestCrateId_fkey" FOREIGN KEY ("newestCrateId") REFERENCES "Crate" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Warehouse_name_length" CHECK (length("name") BETWEEN 1 AND 128)
);
INSERT INTO "new_Warehouse" ("id", "name", "address", "newestCrateId", "createdAt")
SELECT "id", "name", "address", "newestCrateId", "createdAt" FROM "Warehouse";
DROP TABLE "Warehouse";
ALTER TABLE "new_Warehouse" RENAME TO "Warehouse";
CREATE UNIQUE INDEX "Warehouse_newestCrateId_key" ON "Warehouse"("newestCrateId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
`;

describe('npm start with migrations pending beside a running server', () => {
  it('the new release migrates and starts; the running server keeps answering and writing, and loses no row', async () => {
    const file = path.join(dir, 'running.db');
    fs.copyFileSync(inject('templateDb'), file);
    const env = { DATABASE_URL: `file:${file}`, ADMIN_PASSWORD: 'admin-pass-1' };
    const running = await start(env);
    const token = await logIn(running);
    const { createWarehouse } = await post<{ createWarehouse: { id: string } }>(
      running,
      'mutation { createWarehouse(input: { name: "busy dock" }) { id } }',
      {},
      token,
    );
    // The running server writes crates (ON DELETE CASCADE from Warehouse) all along.
    const created: string[] = [];
    const failures: unknown[] = [];
    let stop = false;
    let afterStart = -1;
    const writer = (async () => {
      while (!stop || created.length < afterStart + 5) {
        try {
          const { createCrate } = await post<{ createCrate: { id: string } }>(
            running,
            'mutation ($input: CreateCrateInput!) { createCrate(input: $input) { id } }',
            { input: { name: `crate ${created.length}`, warehouseId: createWarehouse.id } },
            token,
          );
          created.push(createCrate.id);
        } catch (error) {
          failures.push(error);
          if (failures.length > 5) return;
        }
      }
    })();
    while (created.length < 5) await new Promise((resolve) => setImmediate(resolve));

    const name = '29990101000000_warehouse_note';
    const next = await start(env, release({ [name]: REDEFINE_WAREHOUSE }));
    afterStart = created.length;
    stop = true; // five more writes after the new release is up, then the writer stops
    await writer;
    expect(failures).toEqual([]);
    expect(next.output()).toContain(`Applied migrations: ${name}`);
    expect(history(file)).toContain(name);

    // every crate the running server made is there (none cascaded away with the old Warehouse)
    const rowIds = created
      .map((id) => Number(Buffer.from(id, 'base64').toString().split(':')[1]))
      .sort((x, y) => x - y);
    const db = new Database(file, { readonly: true });
    try {
      const warehouseId = Number(Buffer.from(createWarehouse.id, 'base64').toString().split(':')[1]);
      expect(
        db.prepare('SELECT "id" FROM "Crate" WHERE "warehouseId" = ? ORDER BY "id"').pluck().all(warehouseId),
      ).toEqual(rowIds);
      expect(db.prepare('PRAGMA table_info("Warehouse")').all()).toContainEqual(
        expect.objectContaining({ name: 'note' }),
      );
      expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    } finally {
      db.close();
    }
    // and both servers read them, the running one through its old schema, the new one too
    const query = `query ($id: ID!) { node(id: $id) { ... on Warehouse { name newestCrate { id } crates(first: 3) { edges { node { id } } } } } }`;
    for (const server of [running, next]) {
      const { node } = await post<{
        node: { name: string; newestCrate: { id: string }; crates: { edges: { node: { id: string } }[] } };
      }>(server, query, { id: createWarehouse.id }, token);
      expect(node).toEqual({
        name: 'busy dock',
        newestCrate: { id: created.at(-1) },
        crates: { edges: created.slice(0, 3).map((id) => ({ node: { id } })) },
      });
    }
  }, 90_000);
});

describe('two servers started at once on a new file', () => {
  it('both start, and each migration is applied once', async () => {
    const file = path.join(dir, 'new', 'race.db');
    const env = { DATABASE_URL: `file:${file}`, ADMIN_PASSWORD: 'admin-pass-1' };
    const [a, b] = await Promise.all([start(env), start(env)]);
    const names = fs
      .readdirSync(path.join(root, 'prisma', 'migrations'))
      .filter((n) => !n.endsWith('.toml'))
      .sort();
    expect(history(file)).toEqual(names);
    const applied = [a, b].map(
      (s) => /Applied migrations: ([^"\n]*)/.exec(s.output())?.[1]?.split(', ') ?? [],
    );
    expect(applied.flat().sort()).toEqual(names);
    for (const server of [a, b]) expect(await logIn(server)).toMatch(/\S/);
  }, 90_000);
});
