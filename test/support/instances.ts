import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import { inject } from 'vitest';
import WebSocket from 'ws';
import { decodeCursor } from '../../src/realtime/index.js';
import { Collector } from './live.js';
import { freePort } from './redis.js';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * Several server instances on one database: what `npm start` runs (the compiled
 * dist/server/main.js, which the global set-up keeps up to date), each a real process on a
 * port of its own. The database is TEST_DATABASE_URL when set (PostgreSQL in CI's second run),
 * else a SQLite file of this test file's own, which several processes share as a server does.
 */
export interface SharedDatabase {
  url: string;
  close(): void;
}

export function sharedDatabase(): SharedDatabase {
  const given = process.env.TEST_DATABASE_URL?.trim();
  if (given) return { url: given, close: () => {} };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-instances-'));
  const file = path.join(dir, 'shared.db');
  fs.copyFileSync(inject('templateDb'), file); // migrated already: instances start at once
  return { url: `file:${file}`, close: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface Instance {
  child: ChildProcess;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  output(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

/** Starts `node dist/server/main.js` on a free loopback port; resolves once /health answers 200. */
export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/server/main.js'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
  });
  let output = '';
  const collect = (c: Buffer) => {
    output += c.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (c) => {
      code = c;
      resolve(c);
    }),
  );
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (code !== undefined) throw new Error(`instance exited (${code}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL'); // a server that never answered must not outlive the test run
      throw new Error(`instance did not start:\n${output}`);
    }
    const health = await fetch(new URL('/health', url)).catch(() => null);
    if (health?.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    url,
    output: () => output,
    exited,
    stop: async () => {
      if (code === undefined) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface GqlAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export async function gql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GqlAnswer<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GqlAnswer<T>;
}

/** The data of a call that must succeed. */
export async function ok<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
) {
  const answer = await gql<T>(url, query, variables, token);
  if (!answer.data || answer.errors) throw new Error(`${query}: ${JSON.stringify(answer.errors)}`);
  return answer.data;
}

export async function signIn(url: string, mutation: 'logIn' | 'signUp', username: string, password: string) {
  const data = await ok<{ auth: { token: string; user: { id: string } } }>(
    url,
    `mutation($input: CredentialsInput!) { auth: ${mutation}(input: $input) { token user { id } } }`,
    { input: { username, password } },
  );
  return { token: data.auth.token, id: data.auth.user.id };
}

export interface SaveEvent {
  cursor: string;
  model: string;
  created: boolean;
  node: { id: string } | null;
}

/** The event id behind a cursor (its order). */
export const idOf = (e: { cursor: string }) => decodeCursor(e.cursor);

/** A graphql-ws subscription to every postSave (STAFF), from `after` when given. */
export function subscribeSaves(url: string, token: string, after?: string) {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const events = new Collector<SaveEvent>();
  const stop = client.subscribe<{ postSave: SaveEvent }>(
    {
      query: 'subscription($after: String) { postSave(after: $after) { cursor model created node { id } } }',
      variables: { after: after ?? null },
    },
    events.sink((d: { postSave: SaveEvent }) => d.postSave),
  );
  return {
    events,
    async close() {
      stop();
      await client.dispose();
    },
  };
}

/** Waits until an event whose node is `id` arrived; returns every event up to it. */
export async function until(
  events: Collector<SaveEvent>,
  id: string,
  timeoutMs = 20_000,
): Promise<SaveEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const at = events.items.findIndex((e) => e.node?.id === id);
    if (at >= 0) return events.items.slice(0, at + 1);
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no event for ${id} among ${events.items.length}`);
    await events.count(events.items.length + 1, left).catch(() => {});
  }
}

const WAREHOUSE = 'mutation($n: String!) { createWarehouse(input: { name: $n }) { id } }';

export async function createWarehouse(url: string, token: string, name: string): Promise<string> {
  return (await ok<{ createWarehouse: { id: string } }>(url, WAREHOUSE, { n: name }, token)).createWarehouse
    .id;
}

/**
 * Writes on `url` until the subscriber receives a write: then its subscription is live (it
 * listens before it replays, so later writes all reach it). Returns the cursor of that write.
 */
export async function live(url: string, token: string, events: Collector<SaveEvent>): Promise<string> {
  for (let i = 0; ; i++) {
    const id = await createWarehouse(url, token, `probe ${i}`);
    try {
      const seen = await until(events, id, 500);
      return (seen.at(-1) as SaveEvent).cursor;
    } catch {
      if (i > 40) throw new Error('the subscription never became live');
    }
  }
}

/** Runs `tasks` with at most `width` in flight. */
export async function pool<T>(tasks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}
