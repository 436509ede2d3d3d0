/**
 * The bare server as its own process: `node --import tsx bench/bare/server.ts <sqlite file> <port>`.
 * Seeds a STAFF user with a bearer token, a warehouse and 10 inventory items on the (migrated)
 * file, listens, then prints one JSON line with the token and the global ids the load uses.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { createYoga } from 'graphql-yoga';
import { PrismaClient } from '../../src/generated/prisma/client.js';
import { type BareContext, bareSchema } from './schema.js';

const [file, port] = process.argv.slice(2);
if (!file || !port) throw new Error('usage: server.ts <sqlite file> <port>');
const stock = Number(process.env.BENCH_STOCK ?? 1_000_000);

const prisma = new PrismaClient({
  adapter: new PrismaBetterSQLite3({ url: `file:${file}`, timeout: 10_000 }),
});
// the same durability as signalyard's writer
await prisma.$executeRawUnsafe('PRAGMA journal_mode = WAL');
await prisma.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
await prisma.$executeRawUnsafe('PRAGMA foreign_keys = ON');

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

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

const yoga = createYoga<Record<string, unknown>, BareContext>({
  schema: bareSchema(prisma),
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
  console.log(JSON.stringify({ token, warehouseId: encodeGlobalID('Warehouse', warehouse.id), items }));
});
process.once('SIGTERM', () => {
  server.close();
  void prisma.$disconnect().then(() => process.exit(0));
});
