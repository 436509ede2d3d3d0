/**
 * The two servers the load benchmarks compare, each its own process: compiled signalyard
 * (`node dist/server/main.js` with `npm start`'s flags) and the bare stack (bench/bare, through
 * tsx), on a migrated SQLite file of its own or on a PostgreSQL database given by URL (bench/pg.ts).
 * Each comes back seeded with a STAFF bearer token, a warehouse and 10 inventory items (or with
 * the seed of another instance on the same database), and with its process's CPU time and RSS
 * readable.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWhatIsStale } from '../test/support/build.js';
import { benchFile } from './support.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux
const STOP_MS = 10_000;
/** node's flags in package.json's `start` script (README, Operations). */
const START_FLAGS = ['--max-semi-space-size=32'];

/** What the load sends with: a STAFF bearer token and global ids. */
export interface Seed {
  token: string;
  warehouseId: string;
  items: string[];
}

/** Only the seed's own fields (a Server is a Seed too: spreading one would copy its url and stop). */
const seedOf = (s: Seed): Seed => ({ token: s.token, warehouseId: s.warehouseId, items: [...s.items] });

export interface Server extends Seed {
  name: 'signalyard' | 'bare';
  url: string;
  /** The SQLite file (null on PostgreSQL). */
  file: string | null;
  /** User + system CPU time of the server process so far, ms (from /proc). */
  cpuMs(): number;
  rssMiB(): number;
  stop(): Promise<void>;
}

function procCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS; // utime, stime
}

function procRssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

function handle(
  name: Server['name'],
  child: ChildProcess,
  url: string,
  file: string | null,
  cleanup: () => void,
): Omit<Server, keyof Seed> {
  const pid = child.pid as number;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    url,
    file,
    cpuMs: () => procCpuMs(pid),
    rssMiB: () => procRssMiB(pid),
    async stop() {
      child.kill('SIGTERM');
      // A server that does not finish its shutdown must not hang the benchmark (or outlive it).
      const late = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), STOP_MS).unref()),
      ]);
      if (late) {
        console.log(`${name} (pid ${pid}) had not exited ${STOP_MS / 1000} s after SIGTERM: killed`);
        child.kill('SIGKILL');
        await exited;
      }
      cleanup();
    },
  };
}

async function gql<T>(url: string, query: string, token?: string): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`${query.slice(0, 40)}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const STOCK = Number(process.env.BENCH_STOCK ?? 1_000_000);

export interface StartOptions {
  /** e.g. `--cpu-prof` (bench/profile.ts). */
  nodeArgs?: string[];
  /** A postgresql:// database instead of a fresh SQLite file (signalyard migrates it at start). */
  databaseUrl?: string;
  /** More environment for the server (REDIS_URL, ...). */
  env?: Record<string, string>;
  /** Another instance on the same database seeded it already: load with its token and ids. */
  seeded?: Seed;
}

async function waitForHealth(port: number, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function seedSignalyard(url: string): Promise<Seed> {
  const { logIn } = await gql<{ logIn: { token: string } }>(
    url,
    'mutation { logIn(input: { username: "admin", password: "bench-password" }) { token } }',
  );
  const token = logIn.token;
  const { createWarehouse } = await gql<{ createWarehouse: { id: string } }>(
    url,
    'mutation { createWarehouse(input: { name: "bench" }) { id } }',
    token,
  );
  const items: string[] = [];
  for (let i = 0; i < 10; i++) {
    const { createInventoryItem } = await gql<{ createInventoryItem: { id: string } }>(
      url,
      `mutation { createInventoryItem(input: { item: "item-${i}", itemCode: ${i}, itemCondition: "new", quantity: ${STOCK} }) { id } }`,
      token,
    );
    items.push(createInventoryItem.id);
  }
  return { token, warehouseId: createWarehouse.id, items };
}

export async function startSignalyard(port: number, options: StartOptions = {}): Promise<Server> {
  buildWhatIsStale();
  const sqlite = options.databaseUrl === undefined ? await benchFile('signalyard') : null;
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), ...START_FLAGS, path.join(root, 'dist/server/main.js')],
    {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: sqlite ? `file:${sqlite.file}` : (options.databaseUrl as string),
        PORT: String(port),
        ADMIN_PASSWORD: 'bench-password',
        LOG_LEVEL: 'error',
        NODE_ENV: 'production',
        // GraphiQL and /console served, as in development: idle RSS shows what they cost at start
        GRAPHIQL: '1',
        ...options.env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitForHealth(port, child, 'signalyard');
  const seed = options.seeded ? seedOf(options.seeded) : await seedSignalyard(url);
  return {
    ...handle('signalyard', child, url, sqlite?.file ?? null, () => sqlite?.cleanup()),
    ...seed,
  };
}

/**
 * The bare stack on a fresh SQLite file, or on `options.databaseUrl` (a migrated PostgreSQL
 * database: bench/bare/server.ts has a PostgreSQL mode).
 */
export async function startBare(
  port: number,
  options: Pick<StartOptions, 'databaseUrl' | 'seeded'> = {},
): Promise<Server> {
  const sqlite = options.databaseUrl === undefined ? await benchFile('bare') : null;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(root, 'bench/bare/server.ts'),
      sqlite?.file ?? (options.databaseUrl as string),
      String(port),
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        BENCH_STOCK: String(STOCK),
        ...(options.seeded && { BARE_SEEDED: JSON.stringify(seedOf(options.seeded)) }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf('\n');
      if (end >= 0) resolve(out.slice(0, end));
    });
    child.once('exit', (code) => reject(new Error(`bare server exited (${code})`)));
  });
  const seeded = seedOf(JSON.parse(line) as Seed);
  const url = `http://127.0.0.1:${port}/graphql`;
  return { ...handle('bare', child, url, sqlite?.file ?? null, () => sqlite?.cleanup()), ...seeded };
}
