/**
 * The pipeline's cost, against the same work written by hand with the raw Prisma client, in
 * the same run (the machine is shared: compare the ratios, not the milliseconds alone).
 */
import { postSave } from '../src/signals/index.js';
import { benchDataLayer, benchRaw, time } from './support.js';

const CRATES = Number(process.env.BENCH_CRATES ?? 2000);
const ROWS = Number(process.env.BENCH_ROWS ?? 1000);

export async function benchPipeline(): Promise<Record<string, string | number>[]> {
  const rows: Record<string, string | number>[] = [];

  // 1. createCrate x N, a post_save receiver sets the warehouse's newest crate.
  {
    const { data, close } = await benchDataLayer('pipeline');
    const off = postSave.connect(
      async ({ instance, created, tx }) => {
        if (created) {
          await tx.warehouse.update({
            where: { id: instance.warehouseId },
            data: { newestCrateId: instance.id },
          });
        }
      },
      { sender: 'Crate', dispatchUid: 'bench.newestCrate' },
    );
    const { raw, close: closeRaw } = await benchRaw('by-hand');
    const w1 = await data.db.warehouse.create({ data: { name: 'bench' } });
    const w2 = await raw.writer.warehouse.create({ data: { name: 'bench' } });

    const pipelineMs = await time(async () => {
      for (let i = 0; i < CRATES; i++)
        await data.db.crate.create({ data: { name: `c${i}`, warehouseId: w1.id } });
    });
    const byHandMs = await time(async () => {
      for (let i = 0; i < CRATES; i++) {
        await raw.writer.$transaction(async (tx) => {
          const crate = await tx.crate.create({ data: { name: `c${i}`, warehouseId: w2.id } });
          await tx.warehouse.update({ where: { id: w2.id }, data: { newestCrateId: crate.id } });
        });
      }
    });
    const check = await data.db.warehouse.findUniqueOrThrow({ where: { id: w1.id } });
    if (check.newestCrateId === null) throw new Error('the receiver did not run');
    rows.push({
      case: `create ${CRATES} crates + newest-crate receiver (signalyard also writes 2 outbox events each)`,
      'signalyard ms': Math.round(pipelineMs),
      'by hand ms': Math.round(byHandMs),
      ratio: (pipelineMs / byHandMs).toFixed(2),
    });
    off();
    await close();
    await closeRaw();
  }

  // 2. updateMany of ROWS rows with a post_save receiver per row, against a plain updateMany.
  {
    const { data, close } = await benchDataLayer('bulk');
    const { raw, close: closeRaw } = await benchRaw('bulk-plain');
    const w1 = await data.db.warehouse.create({ data: { name: 'bench' } });
    const w2 = await raw.writer.warehouse.create({ data: { name: 'bench' } });
    const make = (warehouseId: number) =>
      Array.from({ length: ROWS }, (_, i) => ({ name: `c${i}`, warehouseId }));
    await data.db.crate.createMany({ data: make(w1.id) });
    await raw.writer.crate.createMany({ data: make(w2.id) });
    let seen = 0;
    const off = postSave.connect(
      () => {
        seen++;
      },
      { sender: 'Crate', dispatchUid: 'bench.count' },
    );
    const pipelineMs = await time(() =>
      data.db.crate.updateMany({ where: {}, data: { description: 'moved' } }),
    );
    const plainMs = await time(() =>
      raw.writer.crate.updateMany({ where: {}, data: { description: 'moved' } }),
    );
    if (seen !== ROWS) throw new Error(`expected ${ROWS} post_save signals, saw ${seen}`);
    rows.push({
      case: `updateMany ${ROWS} rows, post_save per row (+ ${ROWS} outbox events)`,
      'signalyard ms': Math.round(pipelineMs),
      'by hand ms': Math.round(plainMs),
      ratio: (pipelineMs / plainMs).toFixed(2),
    });
    off();
    await close();
    await closeRaw();
  }
  return rows;
}
