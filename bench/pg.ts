/**
 * `npm run bench pg` (issue 10): createCrate req/s on PostgreSQL with one signalyard instance,
 * with two (two processes on two ports, one database, REDIS_URL carrying the events between
 * them), and the bare stack (bench/bare in its PostgreSQL mode) with one instance and with two,
 * all on the same PostgreSQL server, each side on a fresh database of its own. Two instances are
 * loaded at once, each at half the connections: req/s summed, latency percentiles over every
 * response of both. A warm-up of each side, then interleaved rounds (the order reverses every
 * round), the ratio to bare ×1 per round and its median. CPU per request of the server processes,
 * of the load generator and of the database server (when it runs on this machine).
 */
import pg from 'pg';
import { migratePostgres } from '../src/db/index.js';
import { type Body, createCrate, loadAll, median, medianRun, type Run } from './load.js';
import { type BenchPostgres, benchPostgres, benchRedis } from './postgres.js';
import { type Server, startBare, startSignalyard } from './servers.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARM_SECONDS = Number(process.env.BENCH_WARM_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Ports 4850-4859 are this benchmark's. */
const PORT = 4850;
const ANCHOR = 'bare ×1';

interface Side {
  label: string;
  stack: 'signalyard' | 'bare';
  servers: Server[];
  databaseUrl: string;
}

export interface PgCase {
  case: string;
  rounds: Array<Record<string, Run & { ratio: number }>>;
  median: Record<string, Run & { ratio: number; ratioSpread: string }>;
}

export interface PgChecks {
  /** Successful createCrate responses (warm-up included) against the crates in the database. */
  acknowledged: number;
  crates: number;
  /**
   * Requests in flight when the runs stopped (the sum of each run's connections): autocannon
   * does not count their responses, so crates − acknowledged is at most this.
   */
  inFlightAtStops: number;
  /** The warehouse's newestCrate is the crate with the highest id (the receiver's rule). */
  newestCrateRight: boolean;
  /** signalyard only: Crate events in the log (after the sequencer drained). */
  crateEvents?: number;
}

export interface PgResults {
  server: string;
  settings: Record<string, string>;
  sides: string[];
  cases: PgCase[];
  checks: Record<string, PgChecks>;
}

async function checks(side: Side, acknowledged: number, inFlightAtStops: number): Promise<PgChecks> {
  const client = new pg.Client({ connectionString: side.databaseUrl });
  await client.connect();
  try {
    const one = async (sql: string) => Number((await client.query(sql)).rows[0]?.n);
    if (side.stack === 'signalyard') {
      // the sequencer numbers committed events after each commit and on a 250 ms poll
      for (let i = 0; i < 50 && (await one('SELECT COUNT(*) AS n FROM "EventPending"')) > 0; i++)
        await new Promise((r) => setTimeout(r, 100));
    }
    const newest = await one(
      `SELECT COUNT(*) AS n FROM "Warehouse" w
       WHERE w."newestCrateId" IS DISTINCT FROM (SELECT MAX(c.id) FROM "Crate" c WHERE c."warehouseId" = w.id)`,
    );
    return {
      acknowledged,
      inFlightAtStops,
      crates: await one('SELECT COUNT(*) AS n FROM "Crate"'),
      newestCrateRight: newest === 0,
      ...(side.stack === 'signalyard' && {
        crateEvents: await one(`SELECT COUNT(*) AS n FROM "Event" WHERE "model" = 'Crate' AND "created"`),
      }),
    };
  } finally {
    await client.end();
  }
}

async function startSides(pgServer: BenchPostgres): Promise<{ sides: Side[]; stop: () => Promise<void> }> {
  const started: Server[] = [];
  const sides: Side[] = [];
  const redis = await benchRedis();
  const stop = async () => {
    for (const server of started.splice(0)) await server.stop();
    await redis?.close();
  };
  try {
    let port = PORT;
    const keep = (server: Server) => {
      started.push(server);
      return server;
    };

    const one = await pgServer.database('sy_bench_signalyard1');
    sides.push({
      label: 'signalyard ×1',
      stack: 'signalyard',
      databaseUrl: one,
      servers: [keep(await startSignalyard(port++, { databaseUrl: one }))],
    });

    if (redis) {
      const two = await pgServer.database('sy_bench_signalyard2');
      const env = { REDIS_URL: redis.url, REDIS_PREFIX: `${redis.prefix}bench:` };
      // the first migrates and is seeded; the second joins the same database and Redis
      const a = keep(await startSignalyard(port++, { databaseUrl: two, env }));
      const b = keep(await startSignalyard(port++, { databaseUrl: two, env, seeded: a }));
      sides.push({ label: 'signalyard ×2 +Redis', stack: 'signalyard', databaseUrl: two, servers: [a, b] });
    }

    const bare = await pgServer.database('sy_bench_bare1');
    await migratePostgres(bare);
    sides.push({
      label: ANCHOR,
      stack: 'bare',
      databaseUrl: bare,
      servers: [keep(await startBare(port++, { databaseUrl: bare }))],
    });

    const bare2 = await pgServer.database('sy_bench_bare2');
    await migratePostgres(bare2);
    const a = keep(await startBare(port++, { databaseUrl: bare2 }));
    const b = keep(await startBare(port++, { databaseUrl: bare2, seeded: a }));
    sides.push({ label: 'bare ×2', stack: 'bare', databaseUrl: bare2, servers: [a, b] });
  } catch (error) {
    await stop();
    throw error;
  }
  return { sides, stop };
}

async function compareSides(
  name: string,
  sides: Side[],
  body: Body,
  connections: number,
  dbCpuMs: () => number | null,
  acknowledged: Map<string, { ok: number; inFlight: number }>,
): Promise<PgCase> {
  const run = async (side: Side, seconds: number) => {
    const result = await loadAll(side.servers, body, connections, seconds, dbCpuMs);
    const seen = acknowledged.get(side.label) ?? { ok: 0, inFlight: 0 };
    seen.ok += result.requests - result.errors;
    seen.inFlight += connections;
    acknowledged.set(side.label, seen);
    return result;
  };
  for (const side of sides) await run(side, WARM_SECONDS);
  const rounds: PgCase['rounds'] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    const runs = new Map<string, Run>();
    for (const side of order) runs.set(side.label, await run(side, SECONDS));
    const anchor = (runs.get(ANCHOR) as Run).reqPerSec;
    rounds.push(
      Object.fromEntries(
        sides.map((s) => {
          const r = runs.get(s.label) as Run;
          return [s.label, { ...r, ratio: r.reqPerSec / anchor }];
        }),
      ),
    );
  }
  const medians: PgCase['median'] = {};
  for (const side of sides) {
    const runs = rounds.map((r) => r[side.label] as Run & { ratio: number });
    const ratios = runs.map((r) => r.ratio);
    medians[side.label] = {
      ...medianRun(runs),
      ratio: median(ratios),
      ratioSpread: `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
    };
  }
  return { case: name, rounds, median: medians };
}

export async function benchPg(): Promise<PgResults | null> {
  const pgServer = await benchPostgres();
  if (!pgServer) return null;
  try {
    const settings = await pgServer.settings();
    console.log(`pg: on ${pgServer.source}: ${JSON.stringify(settings)}`);
    const { sides, stop } = await startSides(pgServer);
    try {
      // after start and seeding, before any load
      await new Promise((r) => setTimeout(r, 2_000));
      const acknowledged = new Map<string, { ok: number; inFlight: number }>();
      const dbCpu = () => pgServer.cpuMs();
      const cases: PgCase[] = [];
      for (const c of [10, 50])
        cases.push(await compareSides(`createCrate c=${c}`, sides, createCrate, c, dbCpu, acknowledged));
      const checked: PgResults['checks'] = {};
      for (const side of sides) {
        const seen = acknowledged.get(side.label) ?? { ok: 0, inFlight: 0 };
        checked[side.label] = await checks(side, seen.ok, seen.inFlight);
      }
      return { server: pgServer.source, settings, sides: sides.map((s) => s.label), cases, checks: checked };
    } finally {
      await stop();
    }
  } finally {
    await pgServer.stop();
  }
}

/** The printed table: one row per round and side, then the medians. */
export function pgRows(results: PgResults): Record<string, string | number>[] {
  const rows: Record<string, string | number>[] = [];
  const fixed = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '' : n.toFixed(2));
  const row = (name: string, label: string, side: string, r: Run, ratio: string) => ({
    case: name,
    round: label,
    side,
    'req/s': Math.round(r.reqPerSec),
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    'max ms': r.max,
    'p99 per instance': r.perServer ? r.perServer.map((s) => s.p99).join(' / ') : '',
    errors: r.errors === 0 ? 0 : `${r.errors} ${JSON.stringify(r.errorKinds)}`,
    'server cpu ms/req': fixed(r.cpuMsPerReq),
    'db cpu ms/req': fixed(r.dbCpuMsPerReq),
    'client cpu ms/req': fixed(r.clientCpuMsPerReq),
    [`vs ${ANCHOR}`]: ratio,
  });
  for (const c of results.cases) {
    c.rounds.forEach((round, i) => {
      for (const side of results.sides) {
        const r = round[side] as Run & { ratio: number };
        rows.push(row(c.case, String(i + 1), side, r, r.ratio.toFixed(2)));
      }
    });
    for (const side of results.sides) {
      const m = c.median[side] as Run & { ratio: number; ratioSpread: string };
      rows.push(row(c.case, 'median', side, m, `${m.ratio.toFixed(2)} (${m.ratioSpread})`));
    }
  }
  return rows;
}
