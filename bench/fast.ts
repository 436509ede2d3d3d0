/**
 * One call through Prisma against the same call through the fast path (src/db/fast), on the
 * same SQLite file: wall and CPU µs per call, in interleaved rounds (the side that goes first
 * alternates) after warm-up rounds, medians over the rounds. The machine is shared: the ratios
 * mean more than the microseconds, and the spread of the per-round ratios says how noisy it was.
 */
import Database from 'better-sqlite3';
import { SqliteAdapterFactory } from '../src/db/dialects/sqlite/adapter.js';
import { SqliteConnection } from '../src/db/dialects/sqlite/connection.js';
import { createFastPath, NOT_FAST, projectMetadata, type StatementSource } from '../src/db/fast/index.js';
import { PrismaClient } from '../src/generated/prisma/client.js';
import { benchFile } from './support.js';

const CALLS = Number(process.env.BENCH_FAST_CALLS ?? 200);
const ROUNDS = Number(process.env.BENCH_FAST_ROUNDS ?? 9);
const WARM_UP = 2;

interface Sample {
  wallUs: number;
  cpuUs: number;
}

async function measure(fn: (i: number) => Promise<unknown>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < CALLS; i++) await fn(i);
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wallUs: (wall * 1000) / CALLS, cpuUs: (used.user + used.system) / CALLS };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export async function benchFast(): Promise<Record<string, string | number>[]> {
  console.log(
    `fast path: µs per call through Prisma vs src/db/fast on the same file (${ROUNDS - WARM_UP} rounds of ${CALLS} calls after ${WARM_UP} warm-up, medians)`,
  );
  const { file, cleanup } = await benchFile('fast');
  // Prisma as the data layer's writer runs it: our driver adapter (statement cache) over a writer
  // connection (WAL, synchronous=NORMAL), no transaction around the calls.
  const conn = new SqliteConnection({ file, role: 'writer', statementCacheSize: 500, busyTimeoutMs: 10_000 });
  const prisma = new PrismaClient({ adapter: new SqliteAdapterFactory(conn) });
  // The caller's side of the fast path: its own connection and statement cache, read as the adapter reads.
  const db = new Database(file, { timeout: 10_000 });
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  db.defaultSafeIntegers(true);
  const statements = new Map<string, Database.Statement>();
  const source: StatementSource = {
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
  const fast = createFastPath(projectMetadata());
  const viaFast = async (model: string, operation: string, args: unknown) => {
    const result = fast.run(source, model, operation, args);
    if (result === NOT_FAST) throw new Error(`bench: ${model}.${operation} went to Prisma`);
    return result;
  };
  // The same statements with nothing around them: what the fast path itself adds.
  const bare = (sql: string) => {
    const statement = source.prepare(sql);
    return async (...params: unknown[]) => statement.all(...params);
  };
  const now = () => new Date().toISOString().replace('Z', '+00:00');

  const warehouse = await prisma.warehouse.create({ data: { name: 'bench' } });
  const seeded = await prisma.crate.createManyAndReturn({
    data: Array.from({ length: 1000 }, (_, i) => ({ name: `seed${i}`, warehouseId: warehouse.id })),
  });
  const crateId = (i: number) => (seeded[(i * 7919) % seeded.length] as { id: number }).id;
  const find = bare('SELECT * FROM "Crate" WHERE "id" = ? LIMIT 1');
  const insert = bare(
    'INSERT INTO "Crate" ("name", "warehouseId", "createdAt") VALUES (?, ?, ?) RETURNING *',
  );
  const update = bare('UPDATE "Warehouse" SET "newestCrateId" = ? WHERE "id" = ? RETURNING *');
  const newest = (i: number) => ({ where: { id: warehouse.id }, data: { newestCrateId: crateId(i) } });

  type Run = (i: number) => Promise<unknown>;
  const cases: { name: string; prisma: Run; fast: Run; bare: Run }[] = [
    {
      name: 'findUnique crate by id',
      prisma: (i) => prisma.crate.findUnique({ where: { id: crateId(i) } }),
      fast: (i) => viaFast('Crate', 'findUnique', { where: { id: crateId(i) } }),
      bare: (i) => find(BigInt(crateId(i))),
    },
    {
      name: 'create crate',
      prisma: (i) => prisma.crate.create({ data: { name: `p${i}`, warehouseId: warehouse.id } }),
      fast: (i) => viaFast('Crate', 'create', { data: { name: `f${i}`, warehouseId: warehouse.id } }),
      bare: (i) => insert(`b${i}`, BigInt(warehouse.id), now()),
    },
    {
      name: "update warehouse's newest crate",
      prisma: (i) => prisma.warehouse.update(newest(i)),
      fast: (i) => viaFast('Warehouse', 'update', newest(i)),
      bare: (i) => update(BigInt(crateId(i)), BigInt(warehouse.id)),
    },
  ];

  const rows: Record<string, string | number>[] = [];
  for (const c of cases) {
    const samples = { prisma: [] as Sample[], fast: [] as Sample[], bare: [] as Sample[] };
    for (let round = 0; round < ROUNDS; round++) {
      const order =
        round % 2 === 0 ? (['prisma', 'fast', 'bare'] as const) : (['bare', 'fast', 'prisma'] as const);
      for (const side of order) {
        const sample = await measure(c[side]);
        if (round >= WARM_UP) samples[side].push(sample);
      }
    }
    const ratios = samples.prisma.map((p, i) => p.wallUs / (samples.fast[i] as Sample).wallUs);
    const wall = (side: keyof typeof samples) => median(samples[side].map((s) => s.wallUs));
    const cpu = (side: keyof typeof samples) => median(samples[side].map((s) => s.cpuUs));
    rows.push({
      call: c.name,
      'Prisma µs': Math.round(wall('prisma')),
      'fast µs': Number(wall('fast').toFixed(1)),
      ratio: `${(wall('prisma') / wall('fast')).toFixed(0)}×`,
      'per-round ratios': `${Math.min(...ratios).toFixed(0)}–${Math.max(...ratios).toFixed(0)}×`,
      'Prisma CPU µs': Math.round(cpu('prisma')),
      'fast CPU µs': Number(cpu('fast').toFixed(1)),
      'CPU ratio': `${(cpu('prisma') / cpu('fast')).toFixed(0)}×`,
      'bare statement µs': Number(wall('bare').toFixed(1)),
    });
  }
  db.close();
  await prisma.$disconnect();
  conn.close();
  cleanup();
  return rows;
}
