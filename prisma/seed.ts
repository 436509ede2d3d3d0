/**
 * `npm run seed`: demo data through the data layer, so the receivers run (the newest crates are
 * set by them, not here). Safe to run twice: it adds nothing that is already there.
 */
import { randomBytes } from 'node:crypto';
import { migrateDatabase, openDatabase } from '../src/db/index.js';
import { registerReceivers } from '../src/receivers/index.js';
import { hashPassword } from '../src/schema/auth.js';
import { loadConfig } from '../src/server/config.js';

const config = loadConfig();
await migrateDatabase(config);
registerReceivers();
const data = await openDatabase(config);
const { db } = data;

const credentials: Array<{ username: string; password: string; role: string }> = [];
async function user(username: string, role: 'STAFF' | 'CUSTOMER') {
  if (await db.user.findUnique({ where: { username } })) return;
  const password = randomBytes(9).toString('base64url');
  await db.user.create({ data: { username, role, passwordHash: await hashPassword(password) } });
  credentials.push({ username, password, role });
}
await user('demo-staff', 'STAFF');
await user('demo-customer', 'CUSTOMER');

if ((await db.warehouse.count()) === 0) {
  const warehouses = [
    { name: 'North Dock', address: '1 Harbour Road' },
    { name: 'South Yard', address: '22 Rail Street' },
  ];
  for (const [n, w] of warehouses.entries()) {
    const warehouse = await db.warehouse.create({ data: w });
    await db.crate.createMany({
      data: Array.from({ length: 5 }, (_, i) => ({
        name: `CR-${n + 1}${String(i + 1).padStart(3, '0')}`,
        description: `Demo crate ${i + 1} of ${w.name}`,
        warehouseId: warehouse.id,
      })),
    });
  }
}
if ((await db.inventoryItem.count()) === 0) {
  await db.inventoryItem.createMany({
    data: [
      { item: 'Desk lamp', itemCode: 1001, itemCondition: 'new', quantity: 25 },
      { item: 'Office chair', itemCode: 1002, itemCondition: 'new', quantity: 8 },
      { item: 'Filing cabinet', itemCode: 1003, itemCondition: 'refurbished', quantity: 3 },
    ],
  });
}

const summary = await db.warehouse.findMany({
  include: { newestCrate: true, _count: { select: { crates: true } } },
});
for (const w of summary)
  console.log(`${w.name}: ${w._count.crates} crates, newest ${w.newestCrate?.name ?? 'none'}`);
console.log(`${await db.inventoryItem.count()} inventory items`);
if (credentials.length === 0)
  console.log('demo users existed already (their passwords were printed when they were made)');
for (const c of credentials)
  console.log(`made ${c.role} user: username ${c.username}  password ${c.password}`);
await data.close();
