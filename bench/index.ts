/** `npm run bench`: every benchmark, each printed as a table. */
import { benchFanout } from './fanout.js';
import { benchFast } from './fast.js';
import { benchPages } from './pages.js';
import { benchPipeline } from './pipeline.js';
import { table } from './support.js';

const only = process.argv[2];
if (!only || only === 'pipeline') {
  console.log('pipeline: signalyard writes vs the same work with the raw Prisma client (same run)');
  table(await benchPipeline());
}
if (!only || only === 'pages') {
  console.log('crate pages: the page loader vs the nested include plugin-prisma would generate (same run)');
  table(await benchPages());
}
if (!only || only === 'fanout') {
  console.log('fan-out: one event to N subscribers (clients in a separate process; the machine is shared)');
  table(await benchFanout());
}
if (!only || only === 'fast') table(await benchFast());
process.exit(0);
