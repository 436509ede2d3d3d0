/**
 * `npm start` with DATABASE_URL=postgresql://: migrations at start (a database nobody migrated),
 * /health, a mutation; and an unreachable server stops start-up naming it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, databaseUrl, dropDatabase, needsPostgres, pgAdminUrl } from '../support/pg.js';
import { runMain, startServer } from '../support/server.js';

describe.runIf(needsPostgres('npm start on PostgreSQL'))('npm start on PostgreSQL', () => {
  const created: string[] = [];
  afterAll(async () => {
    for (const name of created) await dropDatabase(pgAdminUrl as string, name);
  });

  it('migrates an empty database at start, answers /health and takes a mutation', async () => {
    const name = await createDatabase(pgAdminUrl as string, null, 'sy_start');
    created.push(name);
    const server = await startServer({
      DATABASE_URL: databaseUrl(pgAdminUrl as string, name),
      ADMIN_PASSWORD: 'pg-start-password',
    });
    try {
      const origin = new URL(server.url).origin;
      const health = await fetch(`${origin}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const post = (query: string, token?: string) =>
        fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
          body: JSON.stringify({ query }),
        }).then((r) => r.json() as Promise<{ data?: Record<string, { token?: string; name?: string }> }>);
      const login = await post(
        'mutation { logIn(input: { username: "admin", password: "pg-start-password" }) { token } }',
      );
      const token = login.data?.logIn?.token;
      expect(token).toEqual(expect.any(String));
      const made = await post('mutation { createWarehouse(input: { name: "on pg" }) { name } }', token);
      expect(made.data?.createWarehouse?.name).toBe('on pg');
    } finally {
      await server.stop();
    }
  });

  it('an unreachable PostgreSQL stops start-up with a message naming it (no password shown)', async () => {
    const { done } = runMain({
      PORT: '0',
      DATABASE_URL: 'postgresql://someone:secret-pw@127.0.0.1:1/nowhere',
    });
    const { code, output } = await done;
    expect(code).not.toBe(0);
    expect(output).toMatch(
      /cannot reach PostgreSQL at postgresql:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nowhere/,
    );
    expect(output).not.toContain('secret-pw');
  });
});
