/**
 * First page of crates of warehouses that hold many: the page loader (an index seek with LIMIT
 * per warehouse) against Prisma's nested `include: { crates: { take } }`, which plugin-prisma's
 * relatedConnection generates and Prisma 6.19 runs with `LIMIT -1` (all children, cut in JS).
 */
import { createLoaders } from '../src/schema/loaders.js';
import { benchDataLayer, time } from './support.js';

export async function benchPages(): Promise<Record<string, string | number>[]> {
  const { data, close } = await benchDataLayer('pages');
  const rows: Record<string, string | number>[] = [];
  const warehouses: number[] = [];
  for (let w = 0; w < 5; w++)
    warehouses.push((await data.db.warehouse.create({ data: { name: `w${w}` } })).id);
  let perWarehouse = 0;
  for (const target of [100, 2_000, 20_000]) {
    for (const id of warehouses) {
      for (let done = perWarehouse; done < target; done += 1000) {
        const n = Math.min(1000, target - done);
        // WARNING: raw SQL bypasses the signals: bench set-up only (20,000 crates per warehouse).
        await data.db.$executeRawUnsafe(
          `INSERT INTO "Crate" ("name", "warehouseId") VALUES ${Array.from({ length: n }, () => '(?, ?)').join(', ')}`,
          ...Array.from({ length: n }, (_, i) => [`c${done + i}`, id]).flat(),
        );
      }
    }
    perWarehouse = target;
    const runs = 20;
    const loaderMs = await time(async () => {
      for (let r = 0; r < runs; r++) {
        const { cratePages } = createLoaders(data);
        await Promise.all(
          warehouses.map((warehouseId) =>
            cratePages.load({ warehouseId, after: null, before: null, limit: 11, inverted: false }),
          ),
        );
      }
    });
    const includeMs = await time(async () => {
      for (let r = 0; r < runs; r++) {
        await data.reader.warehouse.findMany({
          where: { id: { in: warehouses } },
          include: { crates: { take: 11, orderBy: { id: 'asc' } } },
        });
      }
    });
    rows.push({
      case: `5 warehouses × ${target} crates, first 10 each`,
      'page loader ms/query': (loaderMs / runs).toFixed(2),
      'nested include ms/query': (includeMs / runs).toFixed(2),
      'include / loader': (includeMs / loaderMs).toFixed(1),
    });
  }
  await close();
  return rows;
}
