import { randomBytes } from 'node:crypto';
import type { DataLayer } from '../db/index.js';
import { ensureAdmin } from '../schema/auth.js';

/**
 * A way in on a database that has no STAFF user and no ADMIN_PASSWORD (as Keystone's first-user
 * screen): `admin` with a random password that only the start-up log shows, once. Never in
 * production (main.ts) and never beside an existing staff user; a customer who signed up as
 * `admin` is left alone (making it STAFF would hand them the shop).
 */
export type FirstRun = { made: true; username: 'admin'; password: string } | { made: false };

export async function firstRunAdmin(data: DataLayer): Promise<FirstRun | null> {
  const staff = await data.db.user.findFirst({ where: { role: 'STAFF' }, select: { id: true } });
  if (staff) return null;
  if (await data.db.user.findUnique({ where: { username: 'admin' }, select: { id: true } })) {
    return { made: false };
  }
  const password = randomBytes(12).toString('base64url');
  await ensureAdmin(data, password);
  return { made: true, username: 'admin', password };
}

/** The start-up log lines that tell a person how to get in; main.ts logs each as its own line. */
export function firstRunMessage(firstRun: FirstRun, origin: string): string[] {
  if (!firstRun.made) {
    return [
      'signalyard: no STAFF user exists and "admin" is a customer: restart with ADMIN_PASSWORD=<8+ characters> to make admin STAFF',
    ];
  }
  return [
    `signalyard: first run: made the STAFF user ${firstRun.username} with password ${firstRun.password} (shown only this once)`,
    `signalyard: sign in at ${origin}/console, or in GraphiQL at ${origin}/graphql (its SignIn tab); set ADMIN_PASSWORD to choose the password yourself`,
  ];
}
