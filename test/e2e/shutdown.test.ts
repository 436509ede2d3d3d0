/**
 * SIGTERM to the real `npm start` (the compiled server, plain node) during a burst of mutations,
 * with a graphql-ws and an SSE subscription open: every acknowledged mutation is in the database
 * with its event, both streams end with a reason, the exit code is 0 and no process is left.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SHUTDOWN_REASON } from '../../src/server/streams.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-shutdown-'));
const dbFile = path.join(dir, 'data', 'shutdown.db');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Every process whose parent chain leads to `pid` (from /proc). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(name), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Processes that have the test's database file open. */
function holdersOf(file: string): number[] {
  const holders: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      for (const fd of fs.readdirSync(`/proc/${name}/fd`)) {
        if (fs.readlinkSync(`/proc/${name}/fd/${fd}`).startsWith(file)) holders.push(Number(name));
      }
    } catch {
      // not ours to read, or gone
    }
  }
  return [...new Set(holders)];
}

let child: ChildProcess;
let output = '';
let url = '';
const exited = new Promise<number | null>((resolve) => {
  beforeAll(async () => {
    // dist/ is built from the current sources by the global set-up (test/support/build.ts)
    child = spawn('npm', ['start'], {
      cwd: root,
      env: {
        ...process.env,
        PORT: '0',
        DATABASE_URL: `file:${dbFile}`,
        ADMIN_PASSWORD: 'shutdown-pass-1',
        LOG_QUERIES: '1',
      },
    });
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.on('close', (code) => resolve(code));
    const deadline = Date.now() + 60_000;
    while (!url) {
      const match = /GraphQL at (http:\/\/[^\s"]+)/.exec(output);
      if (match?.[1]) url = match[1].replace('localhost', '127.0.0.1');
      else if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`server did not start:\n${output}`);
      else await new Promise((r) => setTimeout(r, 50));
    }
  }, 240_000);
});
afterAll(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
});

async function post(query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    data?: Record<string, { id?: string; token?: string }> | null;
    errors?: unknown[];
  };
}

it('stops cleanly on SIGTERM during a burst, with open WebSocket and SSE subscriptions', async () => {
  const login = await post(
    'mutation { logIn(input: { username: "admin", password: "shutdown-pass-1" }) { token } }',
    {},
  );
  const token = login.data?.logIn?.token ?? '';
  expect(token).not.toBe('');

  // graphql-ws: its events, its last result and the close frame
  const wsEvents: string[] = [];
  const wsErrors: unknown[] = [];
  let wsClose: { code: number; reason: string } | null = null;
  const ws = createClient({
    url: url.replace('http', 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    shouldRetry: () => false,
    on: {
      closed: (event) => {
        const e = event as { code: number; reason: string };
        wsClose = { code: e.code, reason: e.reason };
      },
    },
  });
  const wsDone = new Promise<void>((resolve) => {
    ws.subscribe<{ postSave: { cursor: string } }>(
      { query: 'subscription { postSave(model: WAREHOUSE) { cursor } }' },
      {
        next: (r) => (r.data ? wsEvents.push(r.data.postSave.cursor) : wsErrors.push(...(r.errors ?? []))),
        error: (e) => {
          wsErrors.push(e);
          resolve();
        },
        complete: resolve,
      },
    );
  });

  // SSE (distinct connections): the raw stream, to the end
  const sse = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query: 'subscription { postSave(model: WAREHOUSE) { cursor } }' }),
  });
  let sseBody = '';
  const sseText = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of sse.body as unknown as AsyncIterable<Uint8Array>)
      sseBody += decoder.decode(chunk);
    return sseBody;
  })();

  // both subscribers are listening once a marker write reaches both
  const deadline = Date.now() + 20_000;
  while ((wsEvents.length === 0 || !sseBody.includes('cursor')) && Date.now() < deadline) {
    const marker = await post('mutation { createWarehouse(input: { name: "marker" }) { id } }', {}, token);
    expect(marker.errors).toBeUndefined();
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(wsEvents.length).toBeGreaterThan(0);
  expect(sseBody).toContain('cursor');

  // the burst: mutations keep coming before, during and after the signal
  const tree = [child.pid as number, ...descendants(child.pid as number)];
  const acknowledged: string[] = [];
  const refused: unknown[] = [];
  const burst = Array.from({ length: 60 }, async (_, i) => {
    await new Promise((r) => setTimeout(r, i * 5));
    try {
      const r = await post(
        'mutation($n: String!) { createWarehouse(input: { name: $n }) { id } }',
        { n: `burst-${i}` },
        token,
      );
      if (r.data?.createWarehouse?.id) acknowledged.push(r.data.createWarehouse.id);
      else refused.push(r.errors);
    } catch (error) {
      refused.push(error); // connection refused: the server had stopped accepting
    }
  });
  await new Promise((r) => setTimeout(r, 60));
  child.kill('SIGTERM');
  await Promise.all(burst);
  const code = await exited;
  await sseText;
  await wsDone;

  expect(code, output).toBe(0);
  expect(output).toMatch(/signalyard: stopped/);
  expect(output).toMatch(/"sql":/); // LOG_QUERIES=1 logged statements
  // the signal fell inside the burst: some writes were acknowledged, later ones found no server
  expect(acknowledged.length).toBeGreaterThan(0);
  expect(refused.length).toBeGreaterThan(0);

  // both streams ended with the reason, then completed
  expect(JSON.stringify(wsErrors)).toContain(SHUTDOWN_REASON);
  expect(wsClose).toMatchObject({ code: 1001 });
  expect((wsClose as { reason: string } | null)?.reason).toMatch(/shutting down/);
  expect(sseBody).toContain(SHUTDOWN_REASON);
  expect(sseBody.trimEnd()).toMatch(/event: complete(\ndata:.*)?$/);

  // every acknowledged mutation is in the database, each with its committed event
  const db = new Database(dbFile, { readonly: true });
  const rows = db.prepare('SELECT id, name FROM "Warehouse"').all() as { id: number; name: string }[];
  const events = db
    .prepare(`SELECT "rowId" FROM "Event" WHERE model = 'Warehouse' AND kind = 'SAVE' AND created = 1`)
    .all() as { rowId: number }[];
  db.close();
  const ids = new Set(rows.map((r) => r.id));
  const withEvent = new Set(events.map((e) => e.rowId));
  for (const global of acknowledged) {
    const id = Number(Buffer.from(global, 'base64').toString().split(':')[1]);
    expect(ids.has(id)).toBe(true);
    expect(withEvent.has(id)).toBe(true);
  }
  // and no row without its event (a write is its row and its event, or neither)
  for (const row of rows) expect(withEvent.has(row.id)).toBe(true);

  // nothing left running, nothing holding the database
  expect(tree.filter(alive)).toEqual([]);
  expect(holdersOf(dbFile)).toEqual([]);
}, 120_000);
