/**
 * The PostgreSQL (and Redis) the pg benchmark runs on: BENCH_DATABASE_URL, else TEST_DATABASE_URL
 * (an admin URL: each side gets a fresh database on that server), else a scratch server of its
 * own (initdb + pg_ctl under a temp folder, on a free loopback port, as `postgres` when run as
 * root) with PostgreSQL's default settings. The server's CPU time is read from /proc when it runs
 * on this machine: the database's share of each request is part of what the figures cost.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabase, databaseUrl, dropDatabase } from '../test/support/pg.js';
import { freePort, type TestRedis, testRedis } from '../test/support/redis.js';

const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux

export interface BenchPostgres {
  /** A superuser URL on the server (its `postgres` database). */
  adminUrl: string;
  /** Where the URL came from, for the printed header. */
  source: string;
  /** A fresh, empty database for one side; dropped by `stop`. */
  database(prefix: string): Promise<string>;
  /** The settings that shape commit cost (fsync, synchronous_commit, ...), for the printed header. */
  settings(): Promise<Record<string, string>>;
  /** User + system CPU of the server's processes so far, ms; null when it is not on this machine. */
  cpuMs(): number | null;
  stop(): Promise<void>;
}

/** The bin folder of the newest PostgreSQL installed the Debian way, or null. */
function postgresBin(): string | null {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return null;
  const versions = fs
    .readdirSync(base)
    .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], 'bin') : null;
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** Runs a PostgreSQL binary, as `postgres` when this process is root (initdb refuses root). */
function runAsPostgres(args: string[]): void {
  const command =
    process.getuid?.() === 0 ? ['su', 'postgres', '-s', '/bin/sh', '-c', args.map(quote).join(' ')] : args;
  const [file, ...rest] = command as [string, ...string[]];
  const result = spawnSync(file, rest, { encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`${args[0]} failed (${result.status}): ${result.stderr || result.stdout}`);
}

async function scratchServer(bin: string): Promise<{ url: string; stop: () => void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-bench-pg-'));
  const data = path.join(dir, 'data');
  if (process.getuid?.() === 0) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    if (!Number.isInteger(uid) || uid <= 0) throw new Error('running as root and there is no postgres user');
    fs.chownSync(dir, uid, gid);
  }
  const port = await freePort();
  runAsPostgres([path.join(bin, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  runAsPostgres([
    path.join(bin, 'pg_ctl'),
    '-D',
    data,
    '-w',
    '-l',
    path.join(dir, 'server.log'),
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`,
    'start',
  ]);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      runAsPostgres([path.join(bin, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop']);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function stat(pid: number): { ppid: number; cpuMs: number; comm: string } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // fields[0] is the state: ppid is fields[1], utime and stime fields[11] and fields[12]
    return {
      ppid: Number(fields[1]),
      cpuMs: (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS,
      comm,
    };
  } catch {
    return null;
  }
}

/** The postmaster's pid when the server runs on this machine (a backend's parent), else null. */
async function postmasterPid(url: string): Promise<number | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS "pid"');
    const backend = stat(Number(rows[0]?.pid));
    if (backend?.comm !== 'postgres') return null;
    const parent = stat(backend.ppid);
    return parent && /^postgres|^postmaster/.test(parent.comm) ? backend.ppid : null;
  } finally {
    await client.end();
  }
}

/**
 * CPU of the postmaster and all its children (backends, WAL writer, checkpointer, autovacuum),
 * as a running total: a backend's CPU leaves /proc with it (pools close idle connections), so
 * each process's growth is added up on every sample (every 200 ms, and on each read).
 */
function serverCpu(postmaster: number): { read: () => number; stop: () => void } {
  const last = new Map<number, number>();
  let total = 0;
  const sample = () => {
    const seen = new Map<number, number>();
    const self = stat(postmaster);
    if (self) seen.set(postmaster, self.cpuMs);
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const s = stat(Number(entry));
      if (s && s.ppid === postmaster) seen.set(Number(entry), s.cpuMs);
    }
    for (const [pid, ms] of seen) total += ms - (last.get(pid) ?? 0);
    last.clear();
    for (const [pid, ms] of seen) last.set(pid, ms);
    return total;
  };
  sample();
  total = 0;
  const timer = setInterval(sample, 200);
  timer.unref();
  return { read: sample, stop: () => clearInterval(timer) };
}

/** The server to bench on, or null (after one line saying why) when there is none. */
export async function benchPostgres(): Promise<BenchPostgres | null> {
  const given = process.env.BENCH_DATABASE_URL?.trim() || process.env.TEST_DATABASE_URL?.trim();
  let adminUrl: string;
  let source: string;
  let stopServer = () => {};
  if (given) {
    adminUrl = given;
    source = process.env.BENCH_DATABASE_URL?.trim() ? 'BENCH_DATABASE_URL' : 'TEST_DATABASE_URL';
  } else {
    const bin = postgresBin();
    if (!bin) {
      console.log(
        'pg: skipped: no PostgreSQL binaries in /usr/lib/postgresql/*/bin and neither BENCH_DATABASE_URL nor TEST_DATABASE_URL is set',
      );
      return null;
    }
    const scratch = await scratchServer(bin);
    adminUrl = scratch.url;
    source = `a scratch server (${bin}, default settings, max_connections=200)`;
    stopServer = scratch.stop;
  }
  const databases: string[] = [];
  const postmaster = await postmasterPid(adminUrl);
  const cpu = postmaster === null ? null : serverCpu(postmaster);
  return {
    adminUrl,
    source,
    async database(prefix) {
      const name = await createDatabase(adminUrl, null, prefix);
      databases.push(name);
      return databaseUrl(adminUrl, name);
    },
    async settings() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
          `SELECT name, setting, unit FROM pg_settings
           WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'shared_buffers', 'max_connections')`,
        );
        return Object.fromEntries(rows.map((r) => [r.name, r.unit ? `${r.setting} × ${r.unit}` : r.setting]));
      } finally {
        await client.end();
      }
    },
    cpuMs: () => cpu?.read() ?? null,
    async stop() {
      cpu?.stop();
      for (const name of databases.splice(0)) await dropDatabase(adminUrl, name).catch(() => {});
      stopServer();
    },
  };
}

/** The Redis the two-instance rows share: TEST_REDIS_URL, else a redis-server of its own, else null. */
export async function benchRedis(): Promise<TestRedis | null> {
  if (!process.env.TEST_REDIS_URL?.trim() && spawnSync('redis-server', ['--version']).status !== 0) {
    console.log('pg: no redis-server on PATH and no TEST_REDIS_URL: the two-instance rows are skipped');
    return null;
  }
  return testRedis();
}
