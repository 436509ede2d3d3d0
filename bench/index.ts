/** `npm run bench`: every benchmark, each printed as a table. */
import { benchPipeline } from './pipeline.js';
import { table } from './support.js';

console.log('pipeline: signalyard writes vs the same work with the raw Prisma client (same run)');
table(await benchPipeline());
