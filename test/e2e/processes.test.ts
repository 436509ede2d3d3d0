/**
 * Two real processes on one SQLite file: `npm run seed` while `npm start` serves and writes.
 * Both succeed, and the server's live subscribers get every event, the seed's included, in
 * cursor order. A second `npm start` beside the first starts too (nothing to migrate).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeCursor } from '../../src/realtime/index.js';
import { Collector } from '../support/live.js';
import { type Started, startServer } from '../support/server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-processes-'));
const file = path.join(dir, 'shared.db');
const env = { DATABASE_URL: `file:${file}`, ADMIN_PASSWORD: 'admin-pass-1' };
let server: Started;

async function post<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

function npmRunSeed(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', 'seed'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: { ...process.env, ...env },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  server = await startServer(env);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('npm run seed while npm start is serving the same file', () => {
  it('both succeed; a live subscriber gets every event of both, in cursor order', async () => {
    const { logIn } = await post<{ logIn: { token: string } }>(
      'mutation { logIn(input: { username: "admin", password: "admin-pass-1" }) { token } }',
      {},
    );
    const token = logIn.token;
    const client = createClient({
      url: server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    const events = new Collector<{ cursor: string; model: string }>();
    const ready = new Promise<void>((resolve) => client.on('connected', () => resolve()));
    const stop = client.subscribe<{ postSave: { cursor: string; model: string } }>(
      { query: 'subscription { postSave { cursor model } }' },
      events.sink((d: { postSave: { cursor: string; model: string } }) => d.postSave),
    );
    await ready;
    // An inventory item of the server's own (the seed then adds none, but makes its warehouses).
    const { createInventoryItem } = await post<{ createInventoryItem: { id: string } }>(
      'mutation { createInventoryItem(input: { item: "server stock", itemCode: 9, itemCondition: "new", quantity: 100000 }) { id } }',
      {},
      token,
    );
    await events.count(1); // the subscription is live

    // The server keeps writing (orders: order, stock and notification events) while the seed runs.
    let writing = true;
    const serverWrites = (async () => {
      let n = 0;
      while (writing) {
        await post(
          'mutation($i: ID!) { placeOrder(input: { inventoryItemId: $i, quantity: 1 }) { id } }',
          { i: createInventoryItem.id },
          token,
        );
        n++;
      }
      return n;
    })();
    const seed = await npmRunSeed();
    writing = false;
    const written = await serverWrites;
    expect(seed.output).not.toMatch(/database is locked|SocketTimeout|failed/i);
    expect(seed.code).toBe(0);
    expect(seed.output).toMatch(/North Dock: 5 crates, newest CR-1005/);
    expect(written).toBeGreaterThan(0);

    const db = new Database(file, { readonly: true });
    const logged = db.prepare(`SELECT id, model FROM "Event" WHERE kind = 'SAVE' ORDER BY id`).all() as {
      id: number;
      model: string;
    }[];
    db.close();
    const got = await events.count(logged.length, 30_000);
    const ids = got.map((e) => decodeCursor(e.cursor));
    expect(ids).toEqual(logged.map((e) => e.id));
    // the seed's rows are among them (its crates), and so are the server's (its orders)
    expect(got.filter((e) => e.model === 'CRATE')).toHaveLength(10);
    expect(got.filter((e) => e.model === 'ORDER')).toHaveLength(written);
    stop();
    await client.dispose();
  }, 120_000);

  it('a second npm start on the same file starts while the first one runs', async () => {
    const second = await startServer(env);
    try {
      const response = await fetch(new URL('/health', second.url));
      expect(response.status).toBe(200);
    } finally {
      await second.stop();
    }
  }, 60_000);
});
