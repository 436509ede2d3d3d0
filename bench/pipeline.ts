/**
 * The data layer's cost against the same work written by hand with a plain Prisma client (the
 * official better-sqlite3 adapter) in Prisma transactions, outbox rows included, in the same
 * run: a warm-up round of each side, then interleaved rounds (the side going first alternates),
 * the ratio per round and its median. Sequential writes: no concurrency for group commit to use,
 * so this is the per-write overhead alone. The machine is shared: compare the ratios.
 */
import type { TxClient } from '../src/db/index.js';
import type { Prisma } from '../src/generated/prisma/client.js';
import { postSave } from '../src/signals/index.js';
import { median } from './load.js';
import { benchDataLayer, benchRaw, time } from './support.js';

const CRATES = Number(process.env.BENCH_CRATES ?? 500);
const ROWS = Number(process.env.BENCH_ROWS ?? 1000);
const ROUNDS = Number(process.env.BENCH_PIPELINE_ROUNDS ?? 5);

/** Warm-up, then `ROUNDS` interleaved rounds: medians of each side's ms and of the per-round ratio. */
async function interleaved(ours: () => Promise<unknown>, byHand: () => Promise<unknown>) {
  await ours();
  await byHand();
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let x: number;
    let y: number;
    if (round % 2 === 0) {
      x = await time(ours);
      y = await time(byHand);
    } else {
      y = await time(byHand);
      x = await time(ours);
    }
    a.push(x);
    b.push(y);
    ratios.push(x / y);
  }
  const spread = `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
  return { ours: median(a), byHand: median(b), ratio: median(ratios), spread };
}

/** The Event row signalyard's outbox writes for a save, as a hand-written app would insert it. */
const eventRow = (model: string, rowId: number, created: boolean, updateFields: string | null) =>
  ({
    model,
    kind: 'SAVE',
    rowId,
    created,
    updateFields,
    audience: 'staff',
  }) satisfies Prisma.EventCreateManyInput;

export async function benchPipeline(): Promise<Record<string, string | number>[]> {
  const rows: Record<string, string | number>[] = [];
  const row = (name: string, r: Awaited<ReturnType<typeof interleaved>>) => ({
    case: name,
    'signalyard ms': Math.round(r.ours),
    'by hand ms': Math.round(r.byHand),
    ratio: r.ratio.toFixed(2),
    'ratio spread': r.spread,
  });

  // 1. create one crate at a time; a post_save receiver sets the warehouse's newest crate.
  {
    const { data, close } = await benchDataLayer('pipeline');
    const off = postSave.connect(
      async ({
        instance,
        created,
        tx,
      }: {
        instance: { id: number; warehouseId: number };
        created: boolean;
        tx: TxClient;
      }) => {
        if (created)
          await tx.warehouse.update({
            where: { id: instance.warehouseId },
            data: { newestCrateId: instance.id },
          });
      },
      { sender: 'Crate', dispatchUid: 'bench.newestCrate' },
    );
    const { raw, close: closeRaw } = await benchRaw('by-hand');
    const w1 = await data.db.warehouse.create({ data: { name: 'bench' } });
    const w2 = await raw.writer.warehouse.create({ data: { name: 'bench' } });
    const r = await interleaved(
      async () => {
        for (let i = 0; i < CRATES; i++)
          await data.db.crate.create({ data: { name: `c${i}`, warehouseId: w1.id } });
      },
      async () => {
        for (let i = 0; i < CRATES; i++) {
          await raw.writer.$transaction(async (tx) => {
            const crate = await tx.crate.create({ data: { name: `c${i}`, warehouseId: w2.id } });
            await tx.event.create({ data: eventRow('Crate', crate.id, true, null) });
            await tx.warehouse.update({ where: { id: w2.id }, data: { newestCrateId: crate.id } });
            await tx.event.create({ data: eventRow('Warehouse', w2.id, false, '["newestCrateId"]') });
          });
        }
      },
    );
    const check = await data.db.warehouse.findUniqueOrThrow({ where: { id: w1.id } });
    if (check.newestCrateId === null) throw new Error('the receiver did not run');
    rows.push(row(`${CRATES} crate creates + newest-crate receiver, 2 outbox rows each (both sides)`, r));
    off();
    await close();
    await closeRaw();
  }

  // 2. updateMany of ROWS rows with a post_save receiver per row, against updateMany + the outbox rows.
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
    let n = 0;
    const r = await interleaved(
      () => data.db.crate.updateMany({ where: {}, data: { description: `moved ${n++}` } }),
      () =>
        raw.writer.$transaction(async (tx) => {
          const moved = await tx.crate.updateManyAndReturn({
            where: {},
            data: { description: `moved ${n++}` },
            select: { id: true },
          });
          await tx.event.createMany({
            data: moved.map((c) => eventRow('Crate', c.id, false, '["description"]')),
          });
        }),
    );
    if (seen !== ROWS * (ROUNDS + 1))
      throw new Error(`expected ${ROWS * (ROUNDS + 1)} post_save signals, saw ${seen}`);
    rows.push(row(`updateMany ${ROWS} rows, post_save per row, ${ROWS} outbox rows (both sides)`, r));
    off();
    await close();
    await closeRaw();
  }
  return rows;
}
