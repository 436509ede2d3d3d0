/**
 * The two servers the load benchmark compares, each its own process on its own migrated SQLite
 * file: compiled signalyard (`node dist/server/main.js` with `npm start`'s flags) and the bare
 * stack (bench/bare, through tsx). Each comes back seeded with a STAFF bearer token, a
 * warehouse and 10 inventory items, and with its process's CPU time and RSS readable.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWhatIsStale } from '../test/support/build.js';
import { benchFile } from './support.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux
/** node's flags in package.json's `start` script (README, Operations). */
const START_FLAGS = ['--max-semi-space-size=32'];

export interface Server {
  name: 'signalyard' | 'bare';
  url: string;
  file: string;
  token: string;
  warehouseId: string;
  items: string[];
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
  file: string,
  cleanup: () => void,
): Omit<Server, 'token' | 'warehouseId' | 'items'> {
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
      await exited;
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

/** `nodeArgs`: e.g. `--cpu-prof` (bench/profile.ts). */
export async function startSignalyard(port: number, nodeArgs: string[] = []): Promise<Server> {
  buildWhatIsStale();
  const { file, cleanup } = await benchFile('signalyard');
  const child = spawn(
    process.execPath,
    [...nodeArgs, ...START_FLAGS, path.join(root, 'dist/server/main.js')],
    {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: `file:${file}`,
        PORT: String(port),
        ADMIN_PASSWORD: 'bench-password',
        LOG_LEVEL: 'error',
        NODE_ENV: 'production',
        // GraphiQL and /console served, as in development: idle RSS shows what they cost at start
        GRAPHIQL: '1',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('signalyard did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
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
  return {
    ...handle('signalyard', child, url, file, cleanup),
    token,
    warehouseId: createWarehouse.id,
    items,
  };
}

export async function startBare(port: number): Promise<Server> {
  const { file, cleanup } = await benchFile('bare');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'bench/bare/server.ts'), file, String(port)],
    { cwd: root, env: { ...process.env, BENCH_STOCK: String(STOCK) }, stdio: ['ignore', 'pipe', 'inherit'] },
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
  const seeded = JSON.parse(line) as { token: string; warehouseId: string; items: string[] };
  const url = `http://127.0.0.1:${port}/graphql`;
  return { ...handle('bare', child, url, file, cleanup), ...seeded };
}
