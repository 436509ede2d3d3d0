/**
 * Fan-out: N concurrent subscribers (SSE or WebSocket, in a separate client process) of one
 * event, on signalyard and on a plain yoga createPubSub server (bench/plain-pubsub.ts) doing the
 * same, both in this process one after the other (BENCH_FANOUT_ROUNDS interleaved rounds per
 * size, default 1, then medians). Prints delivery time (write or publish
 * started → each subscriber's receipt) p50/p99/max, the server's heap and RSS per subscriber,
 * how many row queries and executions of the selection the event cost, and the p99 ratio to plain.
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Realtime } from '../src/realtime/index.js';
import { registerReceivers } from '../src/receivers/index.js';
import { ensureAdmin, issueToken } from '../src/schema/auth.js';
import { createHttpServer, listen } from '../src/server/http.js';
import { appEventExecutions, authenticate, createApp } from '../src/server/yoga.js';
import { startPlainPubSub } from './plain-pubsub.js';
import { benchDataLayer } from './support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const gc = (globalThis as { gc?: () => void }).gc;
const SIZES = (process.env.BENCH_FANOUT_SIZES ?? '1000,10000').split(',').map(Number);
/** Interleaved rounds per size (the side going first alternates); figures are their medians. */
const ROUNDS = Number(process.env.BENCH_FANOUT_ROUNDS ?? 1);

type Row = Record<string, string | number>;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Each numeric figure's median over the rounds, printed as the single run prints it. */
function medianRow(runs: Row[]): Row {
  const first = runs[0] as Row;
  const out: Row = {};
  for (const [key, value] of Object.entries(first)) {
    if (typeof value === 'string' && !/^-?[\d.]+$/.test(value)) out[key] = value;
    else {
      const m = median(runs.map((r) => Number(r[key])));
      out[key] = typeof value === 'number' ? m : m.toFixed(1);
    }
  }
  if (runs.length > 1) out.rounds = runs.length;
  return out;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function settle() {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  return process.memoryUsage();
}

interface Target {
  server: 'signalyard' | 'plain';
  url: string;
  token: string;
  subscribers(): number;
  trigger(name: string): Promise<unknown>;
  queries(): number;
  /** Executions of the subscription's selection (plain: one per subscriber, as yoga runs it). */
  executions(): number | null;
}

async function measure(
  target: Target,
  transport: 'sse' | 'ws',
  n: number,
): Promise<Record<string, string | number>> {
  const base = target.subscribers();
  const before = await settle();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'fanout-client.ts'), transport, String(n), target.url, target.token],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('close', r));
  const deadline = Date.now() + 180_000;
  while (target.subscribers() < base + n) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(
        `${target.server} ${transport}: only ${target.subscribers() - base} of ${n} subscribed`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
  const during = await settle();
  const queriesBefore = target.queries();
  const executionsBefore = target.executions();
  const t0 = performance.timeOrigin + performance.now();
  await target.trigger(`fan-${transport}-${n}`);
  await exited;
  const receipts = JSON.parse(out.trim().split('\n').pop() ?? '[]') as number[];
  const latencies = receipts.map((r) => r - t0).sort((a, b) => a - b);
  while (target.subscribers() > base) await new Promise((r) => setTimeout(r, 20));
  return {
    server: target.server,
    transport,
    subscribers: n,
    received: latencies.length,
    'p50 ms': percentile(latencies, 50).toFixed(1),
    'p99 ms': percentile(latencies, 99).toFixed(1),
    'max ms': (latencies.at(-1) ?? Number.NaN).toFixed(1),
    'heap KiB/sub': ((during.heapUsed - before.heapUsed) / 1024 / n).toFixed(1),
    'rss KiB/sub': ((during.rss - before.rss) / 1024 / n).toFixed(1),
    'row queries': target.queries() - queriesBefore,
    executions: executionsBefore === null ? n : (target.executions() ?? 0) - executionsBefore,
  };
}

/**
 * signalyard in this process (so its heap can be read), listening on a free loopback port as
 * `npm start` listens, with the receivers, an admin and one warehouse. Also bench/profile-fanout.ts.
 */
export async function inProcessSignalyard(name: string) {
  registerReceivers();
  const { data, close } = await benchDataLayer(name);
  const realtime = new Realtime(data, { retentionMs: 3_600_000 }).start();
  const app = createApp({ data, realtime, tokenTtlMs: 3_600_000, logError: (m, e) => console.error(m, e) });
  const http = createHttpServer(app, (a) => authenticate(data, a));
  // as `npm start` listens: its backlog takes 10,000 subscribers connecting at once
  await listen(http.server, 0, '127.0.0.1');
  await ensureAdmin(data, 'bench-password');
  const admin = await data.db.user.findUniqueOrThrow({ where: { username: 'admin' } });
  const warehouse = await data.db.warehouse.create({ data: { name: 'fan-out' } });
  const url = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}/graphql`;
  const stop = async () => {
    for (const client of http.wss.clients) client.terminate();
    await http.close();
    await realtime.stop();
    await close();
  };
  return { data, realtime, app, http, admin, warehouse, url, stop };
}

export async function benchFanout(sizes = SIZES): Promise<Record<string, string | number>[]> {
  const { data, realtime, app, admin, warehouse, url, stop } = await inProcessSignalyard('fanout');
  const signalyard: Target = {
    server: 'signalyard',
    url,
    token: await issueToken(data, admin.id, 3_600_000),
    subscribers: () => realtime.bus.subscriberCount,
    trigger: (name) => data.db.crate.create({ data: { name, warehouseId: warehouse.id } }),
    queries: () => realtime.rows.queries,
    executions: () => appEventExecutions(app),
  };
  const plainServer = await startPlainPubSub({ backlog: 8_192 });
  const plain: Target = {
    server: 'plain',
    url: plainServer.url,
    token: 'none',
    subscribers: () => plainServer.subscribers(),
    trigger: async (name) => plainServer.publish(name),
    queries: () => 0,
    executions: () => null,
  };

  const rows: Record<string, string | number>[] = [];
  for (const transport of ['ws', 'sse'] as const) {
    for (const n of sizes) {
      const plainRuns: Row[] = [];
      const ours: Row[] = [];
      const ratios: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // plain first, then signalyard (the first round, and every other one after it)
        const order = round % 2 === 0 ? [plain, signalyard] : [signalyard, plain];
        const [a, b] = [
          await measure(order[0] as Target, transport, n),
          await measure(order[1] as Target, transport, n),
        ];
        const [p, s] = round % 2 === 0 ? [a, b] : [b, a];
        plainRuns.push(p);
        ours.push(s);
        ratios.push(Number(s['p99 ms']) / Number(p['p99 ms']));
      }
      const p = medianRow(plainRuns);
      const s = medianRow(ours);
      s['p99 vs plain'] = median(ratios).toFixed(2);
      rows.push(p, s);
    }
  }
  await plainServer.close();
  await stop();
  return rows;
}
