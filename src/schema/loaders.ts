import DataLoader from 'dataloader';
import { type Crate, type DataLayer, Prisma } from '../db/index.js';

/** One page of one warehouse's crates, in id order (reversed for `last`/`before`). */
export interface CratePageKey {
  warehouseId: number;
  after: number | null;
  before: number | null;
  limit: number;
  inverted: boolean;
}

/**
 * Pages of crates for many warehouses at once. plugin-prisma's nested `crates(first: 10)` makes
 * Prisma 6.19 read every crate of the warehouse and cut in JS (`LIMIT -1`); here each warehouse's
 * page is an index seek with its own LIMIT, all in one statement, then one findMany for the rows.
 */
function cratePages(data: DataLayer) {
  return new DataLoader<CratePageKey, Crate[], string>(
    async (keys) => {
      const ids: number[] = [];
      const parts = keys.map((key) => {
        const conditions = [Prisma.sql`"warehouseId" = ${key.warehouseId}`];
        if (key.after !== null) conditions.push(Prisma.sql`"id" > ${key.after}`);
        if (key.before !== null) conditions.push(Prisma.sql`"id" < ${key.before}`);
        const order = Prisma.raw(key.inverted ? 'DESC' : 'ASC');
        return Prisma.sql`SELECT "id" FROM (SELECT "id" FROM "Crate" WHERE ${Prisma.join(conditions, ' AND ')} ORDER BY "id" ${order} LIMIT ${key.limit}) AS "page"`;
      });
      // A read: raw SQL here bypasses no signal. Parameters are bound, never interpolated, and
      // Prisma writes each engine's placeholders.
      const rows = await data.reader.$queryRaw<{ id: number | bigint }[]>(Prisma.join(parts, ' UNION ALL '));
      ids.push(...rows.map((r) => Number(r.id)));
      const crates = await data.reader.crate.findMany({ where: { id: { in: ids } } });
      return keys.map((key) => {
        const page = crates.filter(
          (c) =>
            c.warehouseId === key.warehouseId &&
            (key.after === null || c.id > key.after) &&
            (key.before === null || c.id < key.before),
        );
        page.sort((a, b) => (key.inverted ? b.id - a.id : a.id - b.id));
        return page.slice(0, key.limit);
      });
    },
    { cacheKeyFn: (key) => JSON.stringify(key), maxBatchSize: 100 },
  );
}

/**
 * Per-request DataLoaders (never shared between requests: they cache), each made when first
 * used: most requests never page crates. A live subscription's events each get their own
 * (src/server/shared-events.ts), so no event reads what an earlier one cached.
 */
export class Loaders {
  #pages: ReturnType<typeof cratePages> | undefined;

  constructor(private readonly data: DataLayer) {}

  get cratePages(): ReturnType<typeof cratePages> {
    this.#pages ??= cratePages(this.data);
    return this.#pages;
  }
}

/** A request's loaders: an object with its data layer, no loader until one is used. */
export function createLoaders(data: DataLayer): Loaders {
  return new Loaders(data);
}
