/**
 * The bare server as its own process:
 * `node --import tsx bench/bare/server.ts <sqlite file | postgresql:// url> <port>`.
 * On a (migrated) SQLite file through the official better-sqlite3 adapter, or on a (migrated)
 * PostgreSQL database through @prisma/adapter-pg and the generated PostgreSQL client. Seeds a
 * STAFF user with a bearer token, a warehouse and 10 inventory items (or, with BARE_SEEDED, uses
 * the seed another bare instance on the same database printed), listens, then prints one JSON
 * line with the token and the global ids the load uses.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { createYoga } from 'graphql-yoga';
import { PrismaClient } from '../../src/generated/prisma/client.js';
import { PrismaClient as PgPrismaClient } from '../../src/generated/prisma-pg/client.js';
import { type BareContext, bareSchema } from './schema.js';

const [target, port] = process.argv.slice(2);
if (!target || !port) throw new Error('usage: server.ts <sqlite file | postgresql:// url> <port>');
const stock = Number(process.env.BENCH_STOCK ?? 1_000_000);
const postgres = /^postgres(ql)?:\/\//.test(target);

async function open(): Promise<PrismaClient> {
  if (postgres) {
    // One pg pool of 10, as signalyard's pool for units of work; sessions in UTC as Prisma's
    // timestamp(3) columns hold it. The PostgreSQL client seen through the SQLite client's type,
    // as signalyard's dialect does: both are generated from the same models.
    const adapter = new PrismaPg({ connectionString: target, max: 10, options: '-c TimeZone=UTC' });
    return new PgPrismaClient({ adapter }) as unknown as PrismaClient;
  }
  const client = new PrismaClient({
    adapter: new PrismaBetterSQLite3({ url: `file:${target}`, timeout: 10_000 }),
  });
  // the same durability as signalyard's writer
  await client.$executeRawUnsafe('PRAGMA journal_mode = WAL');
  await client.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
  await client.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  return client;
}

const prisma = await open();
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Seeded {
  token: string;
  warehouseId: string;
  items: string[];
}

async function seed(): Promise<Seeded> {
  const user = await prisma.user.create({ data: { username: 'bench', passwordHash: 'x', role: 'STAFF' } });
  const token = randomBytes(24).toString('base64url');
  await prisma.authToken.create({
    data: { tokenHash: sha256(token), userId: user.id, expiresAt: new Date(Date.now() + 86_400_000) },
  });
  const warehouse = await prisma.warehouse.create({ data: { name: 'bench' } });
  const items: string[] = [];
  for (let i = 0; i < 10; i++) {
    const item = await prisma.inventoryItem.create({
      data: { item: `item-${i}`, itemCode: i, itemCondition: 'new', quantity: stock },
    });
    items.push(encodeGlobalID('InventoryItem', item.id));
  }
  return { token, warehouseId: encodeGlobalID('Warehouse', warehouse.id), items };
}

const given = process.env.BARE_SEEDED;
const seeded: Seeded = given ? (JSON.parse(given) as Seeded) : await seed();

const yoga = createYoga<Record<string, unknown>, BareContext>({
  schema: bareSchema(prisma, { lockWarehouse: postgres }),
  logging: false,
  maskedErrors: true,
  graphiql: false,
  // the same bearer-token check: one Prisma read per request
  context: async ({ request }) => {
    const header = request.headers.get('authorization');
    if (!header?.startsWith('Bearer ')) return { user: null };
    const found = await prisma.authToken.findUnique({
      where: { tokenHash: sha256(header.slice(7)) },
      select: { expiresAt: true, user: { select: { id: true, role: true } } },
    });
    if (!found || found.expiresAt.getTime() <= Date.now()) return { user: null };
    return { user: found.user };
  },
});

const server = createServer(yoga);
server.listen(Number(port), '127.0.0.1', () => {
  console.log(JSON.stringify(seeded));
});
process.once('SIGTERM', () => {
  server.close();
  void prisma.$disconnect().then(() => process.exit(0));
});
