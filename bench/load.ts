/**
 * signalyard against the bare stack under HTTP load (issue 9): createCrate at c=10 and c=50,
 * placeOrder at c=50 on 10 items, autocannon in this process, each server in its own. Per case:
 * a warm-up round of each, then interleaved rounds (the side going first alternates), req/s,
 * p50/p99/max latency, errors, server CPU per request, the ratio per round and its median. After
 * placeOrder: 0 oversold, one notification (and, for signalyard, one Order event) per order.
 */
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { type Server, startBare, startSignalyard } from './servers.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARM_SECONDS = Number(process.env.BENCH_WARM_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** BENCH_PORT_BASE: signalyard listens on it, the bare stack on the next port (default 4820). */
const PORT_BASE = Number(process.env.BENCH_PORT_BASE ?? 4820);
export const PORTS = { signalyard: PORT_BASE, bare: PORT_BASE + 1 };

export interface Run {
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  /** What the errors were: GraphQL error codes, HTTP statuses, socket errors, timeouts. */
  errorKinds: Record<string, number>;
  /** CPU of the server process(es) per request. */
  cpuMsPerReq: number;
  /** CPU of this process (autocannon, the load generator) per request: its share of the 2 cores. */
  clientCpuMsPerReq: number;
  /** CPU of the database server per request, when it runs on this machine (PostgreSQL). */
  dbCpuMsPerReq?: number;
  requests: number;
  /** Several servers loaded at once: each one's req/s and p99 (the latencies above are merged). */
  perServer?: Array<{ reqPerSec: number; p99: number }>;
}

export type Body = (server: Server, i: number) => string;

export const createCrate: Body = (s) =>
  JSON.stringify({
    query: 'mutation($w: ID!) { createCrate(input: { name: "load", warehouseId: $w }) { id name } }',
    variables: { w: s.warehouseId },
  });
export const placeOrder: Body = (s, i) =>
  JSON.stringify({
    query: 'mutation($i: ID!) { placeOrder(input: { inventoryItemId: $i, quantity: 1 }) { id ordNumber } }',
    variables: { i: s.items[i % s.items.length] },
  });

interface Shot {
  requests: number;
  errors: number;
  kinds: Record<string, number>;
  /** Every response's latency, ms, as autocannon measured it. */
  latencies: number[];
}

/** One autocannon run against one server, every response's latency kept. */
function shoot(server: Server, body: Body, connections: number, seconds: number): Promise<Shot> {
  let errors = 0;
  let n = 0;
  const kinds: Record<string, number> = {};
  const count = (kind: string, times = 1) => {
    if (times > 0) kinds[kind] = (kinds[kind] ?? 0) + times;
  };
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: server.url,
        connections,
        duration: seconds,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
        requests: [
          {
            setupRequest: (request) => ({ ...request, body: body(server, n++) }),
            onResponse: (status, responseBody) => {
              if (status === 200 && !responseBody.includes('"errors"')) return;
              errors++;
              count(
                status === 200 ? (/"code":"(\w+)"/.exec(responseBody)?.[1] ?? 'graphql') : `http ${status}`,
              );
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        count('timeout', result.timeouts);
        count('socket', result.errors - result.timeouts);
        resolve({ requests: result.requests.total, errors: errors + result.errors, kinds, latencies });
      },
    );
    instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
}

/** The p-th percentile (nearest rank) of sorted values, rounded to 0.1 ms. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[at] as number) * 10) / 10;
}

/**
 * Loads one server at `connections`, or several at once (the connections split between them,
 * one autocannon run each, in parallel): req/s summed, latency percentiles of every response of
 * every run together, CPU of every server process. `dbCpuMs`: the database server's CPU so far.
 */
export async function loadAll(
  servers: Server[],
  body: Body,
  connections: number,
  seconds: number,
  dbCpuMs?: () => number | null,
): Promise<Run> {
  const cpuBefore = servers.map((s) => s.cpuMs());
  const clientBefore = process.cpuUsage();
  const dbBefore = dbCpuMs?.() ?? null;
  const share = (i: number) =>
    Math.floor(connections / servers.length) + (i < connections % servers.length ? 1 : 0);
  const shots = await Promise.all(servers.map((s, i) => shoot(s, body, share(i), seconds)));
  const cpu = servers.reduce((sum, s, i) => sum + s.cpuMs() - (cpuBefore[i] as number), 0);
  const client = process.cpuUsage(clientBefore);
  const dbAfter = dbCpuMs?.() ?? null;
  const requests = shots.reduce((sum, s) => sum + s.requests, 0);
  const kinds: Record<string, number> = {};
  for (const shot of shots)
    for (const [kind, times] of Object.entries(shot.kinds)) kinds[kind] = (kinds[kind] ?? 0) + times;
  const sorted = shots.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const perReq = (ms: number) => (requests > 0 ? ms / requests : Number.NaN);
  return {
    reqPerSec: requests / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: percentile(sorted, 100),
    errors: shots.reduce((sum, s) => sum + s.errors, 0),
    errorKinds: kinds,
    cpuMsPerReq: perReq(cpu),
    clientCpuMsPerReq: perReq((client.user + client.system) / 1000),
    ...(dbBefore !== null && dbAfter !== null && { dbCpuMsPerReq: perReq(dbAfter - dbBefore) }),
    requests,
    ...(servers.length > 1 && {
      perServer: shots.map((s) => ({
        reqPerSec: s.requests / seconds,
        p99: percentile(
          [...s.latencies].sort((a, b) => a - b),
          99,
        ),
      })),
    }),
  };
}

export function load(server: Server, body: Body, connections: number, seconds: number): Promise<Run> {
  return loadAll([server], body, connections, seconds);
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export interface LoadCase {
  case: string;
  rounds: Array<{ signalyard: Run; bare: Run; ratio: number }>;
  median: { signalyard: Run; bare: Run; ratio: number; p99Ratio: number };
}

export const medianRun = (runs: Run[]): Run => ({
  reqPerSec: median(runs.map((r) => r.reqPerSec)),
  p50: median(runs.map((r) => r.p50)),
  p99: median(runs.map((r) => r.p99)),
  max: median(runs.map((r) => r.max)),
  errors: runs.reduce((sum, r) => sum + r.errors, 0),
  errorKinds: runs.reduce<Record<string, number>>((all, r) => {
    for (const [kind, times] of Object.entries(r.errorKinds)) all[kind] = (all[kind] ?? 0) + times;
    return all;
  }, {}),
  cpuMsPerReq: median(runs.map((r) => r.cpuMsPerReq)),
  clientCpuMsPerReq: median(runs.map((r) => r.clientCpuMsPerReq)),
  ...(runs.every((r) => r.dbCpuMsPerReq !== undefined) && {
    dbCpuMsPerReq: median(runs.map((r) => r.dbCpuMsPerReq as number)),
  }),
  requests: runs.reduce((sum, r) => sum + r.requests, 0),
});

async function compare(name: string, servers: Server[], body: Body, connections: number): Promise<LoadCase> {
  for (const server of servers) await load(server, body, connections, WARM_SECONDS);
  const rounds: LoadCase['rounds'] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    const runs = new Map<string, Run>();
    for (const server of order) runs.set(server.name, await load(server, body, connections, SECONDS));
    const signalyard = runs.get('signalyard') as Run;
    const bare = runs.get('bare') as Run;
    rounds.push({ signalyard, bare, ratio: signalyard.reqPerSec / bare.reqPerSec });
  }
  const signalyard = medianRun(rounds.map((r) => r.signalyard));
  const bare = medianRun(rounds.map((r) => r.bare));
  return {
    case: name,
    rounds,
    median: {
      signalyard,
      bare,
      ratio: median(rounds.map((r) => r.ratio)),
      p99Ratio: signalyard.p99 / bare.p99,
    },
  };
}

/** What the placeOrder load left: stock taken against orders, notifications and events per order. */
function orderChecks(server: Server): Record<string, number> {
  if (server.file === null) throw new Error('orderChecks reads a SQLite file');
  const db = new Database(server.file, { readonly: true });
  try {
    const one = (sql: string) => Number(db.prepare(sql).pluck().get());
    const stock = Number(process.env.BENCH_STOCK ?? 1_000_000);
    const items = one('SELECT COUNT(*) FROM "InventoryItem"');
    const taken = items * stock - one('SELECT SUM("quantity") FROM "InventoryItem"');
    const ordered = one('SELECT COALESCE(SUM("quantity"), 0) FROM "Order"');
    const orders = one('SELECT COUNT(*) FROM "Order"');
    return {
      orders,
      oversold: ordered - taken,
      negativeStock: one('SELECT COUNT(*) FROM "InventoryItem" WHERE "quantity" < 0'),
      notificationsMissing: orders - one('SELECT COUNT(DISTINCT "orderId") FROM "Notification"'),
      duplicateNotifications: one('SELECT COUNT(*) FROM "Notification"') - orders,
      // the bare stack has no outbox
      orderEvents:
        server.name === 'signalyard'
          ? one(`SELECT COUNT(DISTINCT "rowId") FROM "Event" WHERE "model" = 'Order'`)
          : Number.NaN,
    };
  } finally {
    db.close();
  }
}

export interface LoadResults {
  idleRssMiB: { signalyard: number; bare: number };
  cases: LoadCase[];
  orderChecks: Record<string, Record<string, number>>;
}

export async function benchLoad(only?: 'createCrate' | 'placeOrder'): Promise<LoadResults> {
  const signalyard = await startSignalyard(PORTS.signalyard);
  const bare = await startBare(PORTS.bare);
  const servers = [signalyard, bare];
  try {
    // after start and seeding, before any load
    await new Promise((r) => setTimeout(r, 2_000));
    const idleRssMiB = { signalyard: signalyard.rssMiB(), bare: bare.rssMiB() };
    const cases: LoadCase[] = [];
    if (only !== 'placeOrder') {
      cases.push(await compare('createCrate c=10', servers, createCrate, 10));
      cases.push(await compare('createCrate c=50', servers, createCrate, 50));
    }
    if (only !== 'createCrate')
      cases.push(await compare('placeOrder c=50, 10 items', servers, placeOrder, 50));
    const checks: LoadResults['orderChecks'] =
      only === 'createCrate' ? {} : { signalyard: orderChecks(signalyard), bare: orderChecks(bare) };
    return { idleRssMiB, cases, orderChecks: checks };
  } finally {
    for (const server of servers) await server.stop();
  }
}

/** The printed table: one row per round and side, then the medians. */
export function loadRows(results: LoadResults): Record<string, string | number>[] {
  const rows: Record<string, string | number>[] = [];
  const row = (name: string, label: string, side: string, r: Run, ratio: string) => ({
    case: name,
    round: label,
    side,
    'req/s': Math.round(r.reqPerSec),
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    'max ms': r.max,
    errors: r.errors === 0 ? 0 : `${r.errors} ${JSON.stringify(r.errorKinds)}`,
    'cpu ms/req': r.cpuMsPerReq.toFixed(2),
    'client cpu ms/req': r.clientCpuMsPerReq.toFixed(2),
    'ratio req/s': ratio,
  });
  for (const c of results.cases) {
    c.rounds.forEach((r, i) => {
      rows.push(row(c.case, String(i + 1), 'signalyard', r.signalyard, r.ratio.toFixed(2)));
      rows.push(row(c.case, String(i + 1), 'bare', r.bare, ''));
    });
    rows.push(row(c.case, 'median', 'signalyard', c.median.signalyard, c.median.ratio.toFixed(2)));
    rows.push(row(c.case, 'median', 'bare', c.median.bare, `p99 ${c.median.p99Ratio.toFixed(2)}×`));
  }
  return rows;
}
