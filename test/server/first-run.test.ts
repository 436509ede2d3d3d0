import { afterEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/schema/auth.js';
import { firstRunAdmin } from '../../src/server/first-run.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

describe('firstRunAdmin', () => {
  it('makes admin STAFF with the password it returns, once', async () => {
    db = await freshDatabase();
    const made = await firstRunAdmin(db.data);
    if (!made?.made) throw new Error(`expected an admin, got ${JSON.stringify(made)}`);
    const admin = await db.data.reader.user.findUniqueOrThrow({ where: { username: 'admin' } });
    expect(admin.role).toBe('STAFF');
    expect(await verifyPassword(made.password, admin.passwordHash)).toBe(true);
    expect(await firstRunAdmin(db.data)).toBeNull();
  });

  it('leaves a customer who signed up as admin a customer, and says so', async () => {
    db = await freshDatabase();
    await db.data.db.user.create({ data: { username: 'admin', passwordHash: 'x', role: 'CUSTOMER' } });
    expect(await firstRunAdmin(db.data)).toEqual({ made: false });
    const admin = await db.data.reader.user.findUniqueOrThrow({ where: { username: 'admin' } });
    expect(admin).toMatchObject({ role: 'CUSTOMER', passwordHash: 'x' });
  });

  it('does nothing when any STAFF user exists', async () => {
    db = await freshDatabase();
    await db.data.db.user.create({ data: { username: 'boss', passwordHash: 'x', role: 'STAFF' } });
    expect(await firstRunAdmin(db.data)).toBeNull();
    expect(await db.data.reader.user.count()).toBe(1);
  });
});
