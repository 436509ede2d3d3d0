/**
 * First run: `npm start` on a fresh database without ADMIN_PASSWORD prints a way in once (the
 * STAFF user admin and a random password); never again, never with a staff user, never in
 * production.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Started, startServer } from '../support/server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-first-run-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const CREDENTIALS = /made the STAFF user (\S+) with password (\S+) \(shown only this once\)/;

/** Waits until the start-up log holds the sign-in hint line (printed right after the URL line). */
async function startUpLog(server: Started): Promise<string> {
  const deadline = Date.now() + 5_000;
  while (!/signalyard: sign in at|no STAFF user/.test(server.output()) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return server.output();
}

async function logIn(url: string, username: string, password: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($i: CredentialsInput!) { logIn(input: $i) { user { username role } } }',
      variables: { i: { username, password } },
    }),
  });
  return (await response.json()) as { data?: { logIn: { user: { role: string } } }; errors?: unknown[] };
}

/** Runs `check` against a started server on that database file, then stops it. */
async function withServer(file: string, env: Record<string, string>, check: (s: Started) => Promise<void>) {
  const server = await startServer({
    DATABASE_URL: `file:${path.join(dir, file)}`,
    NODE_ENV: 'development',
    ...env,
  });
  try {
    await check(server);
  } finally {
    await server.stop();
  }
}

describe('first run without ADMIN_PASSWORD', () => {
  it('prints admin and a one-time password with how to sign in; the password works', async () => {
    await withServer('fresh/dev.db', {}, async (server) => {
      const log = await startUpLog(server);
      const [, username, password] = CREDENTIALS.exec(log) ?? [];
      expect(username).toBe('admin');
      expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(log).toMatch(/sign in at http:\/\/localhost:\d+\/console, or in GraphiQL/);
      expect(await logIn(server.url, 'admin', password ?? '')).toEqual({
        data: { logIn: { user: { username: 'admin', role: 'STAFF' } } },
      });
    });
  }, 60_000);

  it('a second start on the same database prints no password (a staff user exists)', async () => {
    await withServer('fresh/dev.db', {}, async (server) => {
      // a round trip: the start-up lines (printed with the URL line, before serving) are all out
      expect(JSON.stringify((await logIn(server.url, 'admin', 'not-the-password')).errors)).toContain(
        'UNAUTHENTICATED',
      );
      expect(server.output()).toMatch(/GraphQL at/);
      expect(server.output()).not.toMatch(/password/);
    });
  }, 60_000);

  it('NODE_ENV=production makes no user and prints no password', async () => {
    await withServer('prod/dev.db', { NODE_ENV: 'production' }, async (server) => {
      const r = await logIn(server.url, 'admin', 'anything-at-all');
      expect(JSON.stringify(r.errors)).toContain('UNAUTHENTICATED');
      expect(server.output()).not.toMatch(/password/);
    });
  }, 60_000);

  it('ADMIN_PASSWORD set: that password, no random one', async () => {
    await withServer('chosen/dev.db', { ADMIN_PASSWORD: 'chosen-pass-1' }, async (server) => {
      expect((await logIn(server.url, 'admin', 'chosen-pass-1')).data?.logIn.user.role).toBe('STAFF');
      expect(server.output()).not.toMatch(CREDENTIALS);
    });
  }, 60_000);
});
