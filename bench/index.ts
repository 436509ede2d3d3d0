/**
 * `npm run bench [name]`: every benchmark (or the one named), each printed as a table; the load,
 * pg, raw and fan-out figures also go to bench/results.json with the machine and the date.
 */
import { benchConnect } from './connect.js';
import { benchFanout } from './fanout.js';
import { benchFast } from './fast.js';
import { benchLoad, loadRows } from './load.js';
import { benchPages } from './pages.js';
import { benchPg, pgRows } from './pg.js';
import { benchPipeline } from './pipeline.js';
import { benchProfile } from './profile.js';
import { benchProfileFanout } from './profile-fanout.js';
import { benchRawSqlite } from './raw-sqlite.js';
import { saveResults } from './results.js';
import { table } from './support.js';

const only = process.argv[2];
const want = (name: string) => !only || only === name;

if (want('load') || only === 'createCrate' || only === 'placeOrder') {
  console.log(
    'load: signalyard vs bare yoga + Pothos + plugin-prisma (separate processes, autocannon, interleaved rounds)',
  );
  const results = await benchLoad(only === 'createCrate' || only === 'placeOrder' ? only : undefined);
  table(loadRows(results));
  console.log('idle RSS MiB after start:', results.idleRssMiB);
  console.log('placeOrder checks:', results.orderChecks);
  saveResults('load', results);
}
if (want('pg')) {
  console.log(
    'pg: createCrate on PostgreSQL, signalyard ×1, ×2 (+Redis) and bare yoga + Pothos + plugin-prisma ×1, ×2 (adapter-pg), one server, a database each',
  );
  const results = await benchPg();
  if (results) {
    table(pgRows(results));
    console.log('pg checks after the load:', results.checks);
    saveResults('pg', results);
  }
}
if (want('raw')) {
  const raw = benchRawSqlite();
  console.log('raw better-sqlite3: insert + update per transaction (the physical limit)');
  table([raw]);
  saveResults('raw', raw);
}
if (want('pipeline')) {
  console.log(
    'pipeline: signalyard writes vs the same work by hand in Prisma transactions (interleaved rounds)',
  );
  const rows = await benchPipeline();
  table(rows);
  saveResults('pipeline', rows);
}
if (want('pages')) {
  console.log('crate pages: the page loader vs the nested include plugin-prisma would generate (same run)');
  table(await benchPages());
}
if (want('fanout')) {
  console.log('fan-out: one event to N subscribers (clients in a separate process; the machine is shared)');
  const rows = await benchFanout();
  table(rows);
  saveResults('fanout', rows);
}
if (want('connect')) {
  console.log('WebSocket connect storm: clients opening at once (clients in a separate process)');
  const rows = await benchConnect();
  table(rows);
  saveResults('connect', rows);
}
if (want('fast')) table(await benchFast());
// on demand only: it is a diagnosis, not a comparison
// profile [createCrate|placeOrder] [pg] [connections]
if (only === 'profile') {
  const [which, ...rest] = process.argv.slice(3);
  const on = rest.find((a) => a === 'pg');
  const connections = rest.find((a) => /^\d+$/.test(a));
  table(await benchProfile(which, on, connections ? Number(connections) : undefined));
}
if (only === 'profile-fanout') {
  table(await benchProfileFanout(process.argv[3], Number(process.argv[4] ?? 2000)));
}
process.exit(0);
