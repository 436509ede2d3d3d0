/**
 * `npm run bench profile [createCrate|placeOrder] [pg] [connections]`: compiled signalyard under
 * `node --cpu-prof` (on SQLite, or with `pg` on PostgreSQL as bench/postgres.ts finds or starts it),
 * loaded at c=50 (or the connections given)
 * for BENCH_SECONDS, then its self time summed by package (node_modules/<name>, src/<folder>,
 * node internals, native/GC), largest first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCrate, load, PORTS, placeOrder } from './load.js';
import { benchPostgres } from './postgres.js';
import { startSignalyard } from './servers.js';

export interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** What a profile frame belongs to: a package, a folder of compiled (dist/) or tsx-run (src/, bench/) signalyard, node. */
export function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const dist = /\/dist\/([^/]+)\//.exec(url);
  if (dist) return `signalyard ${dist[1]}`;
  const src = /\/(src|bench)\/(.+)$/.exec(url);
  return src ? `signalyard ${src[1]}/${src[2]}` : url;
}

export async function benchProfile(
  which = 'createCrate',
  on?: string,
  connections = 50,
): Promise<Record<string, string | number>[]> {
  const pgServer = on === 'pg' ? await benchPostgres() : null;
  if (on === 'pg' && !pgServer) return [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-prof-'));
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  let run: Awaited<ReturnType<typeof load>>;
  try {
    const server = await startSignalyard(pgServer ? 4859 : PORTS.signalyard, {
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
      ...(pgServer && { databaseUrl: await pgServer.database('sy_bench_profile') }),
    });
    run = await load(server, which === 'placeOrder' ? placeOrder : createCrate, connections, seconds);
    await server.stop();
  } finally {
    await pgServer?.stop();
  }
  const [name] = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (!name) throw new Error('no profile written');
  const profile = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as Profile;
  // BENCH_PROFILE_OUT: keep the .cpuprofile there (Chrome DevTools or speedscope open it)
  if (process.env.BENCH_PROFILE_OUT) fs.copyFileSync(path.join(dir, name), process.env.BENCH_PROFILE_OUT);
  fs.rmSync(dir, { recursive: true, force: true });
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    const key = packageOf(node.callFrame.url, node.callFrame.functionName);
    self.set(key, (self.get(key) ?? 0) + delta);
    const where = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').slice(-2).join('/')}`;
    functions.set(where, (functions.get(where) ?? 0) + delta);
    total += delta;
  });
  console.log(
    `profile: ${which} c=${connections} for ${seconds} s${pgServer ? ' on PostgreSQL' : ''}, ${Math.round(run.reqPerSec)} req/s, ${run.errors} errors, ${run.cpuMsPerReq.toFixed(2)} ms CPU/req`,
  );
  console.log('top functions by self time:');
  console.table(
    [...functions.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([fn, us]) => ({ function: fn, 'self ms': Math.round(us / 1000) })),
  );
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([pkg, us]) => ({
      package: pkg,
      'self ms': Math.round(us / 1000),
      share: `${((100 * us) / total).toFixed(1)}%`,
    }));
}
