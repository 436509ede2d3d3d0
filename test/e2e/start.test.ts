import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN, runMain, type Started, startServer } from '../support/server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-start-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('npm start on a fresh SQLite file', () => {
  let server: Started;
  beforeAll(async () => {
    // a folder that does not exist yet: start-up creates it and migrates from nothing
    server = await startServer({
      DATABASE_URL: `file:${path.join(dir, 'new', 'dev.db')}`,
      ADMIN_PASSWORD: 'admin-pass-1',
    });
  }, 60_000);
  afterAll(() => server?.stop());

  it('logs one line with the URL', () => {
    expect(server.output()).toMatch(/signalyard: GraphQL at http:\/\/localhost:\d+\/graphql/);
  });

  it('logs one JSON object per line when piped', () => {
    const lines = server.output().trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ service: 'signalyard' });
  });

  it('answers { __typename } over HTTP', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('serves GraphiQL to a browser', async () => {
    const response = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toMatch(/graphiql/i);
  });

  it('GET /health is 200 with the database up', async () => {
    const response = await fetch(new URL('/health', server.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('ADMIN_PASSWORD makes the STAFF user admin', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation { logIn(input: { username: "admin", password: "admin-pass-1" }) { user { role } } }',
      }),
    });
    expect(await response.json()).toEqual({ data: { logIn: { user: { role: 'STAFF' } } } });
  });

  it('binds 127.0.0.1 only (HOST unset): another loopback address of this machine is refused', async () => {
    // 127.0.0.2 reaches this machine too, but not a socket bound to 127.0.0.1 alone
    const elsewhere = new URL('/health', server.url);
    elsewhere.hostname = '127.0.0.2';
    const error = await fetch(elsewhere).catch((e: unknown) => e);
    expect((error as Error & { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
  });
});

describe('log lines', () => {
  it('in a terminal: pino-pretty lines, as README shows them', async () => {
    // util-linux `script` gives the server a pseudo-terminal as stdout
    const command = [process.execPath, ...MAIN].join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: {
        ...process.env,
        PORT: '0',
        DATABASE_URL: `file:${path.join(dir, 'tty.db')}`,
        ADMIN_PASSWORD: 'admin-pass-1',
      },
      detached: true, // its own process group: the stop below reaches the server under `script`
    });
    let output = '';
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const closed = new Promise((resolve) => child.on('close', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL line:\n${output}`)), 30_000);
        child.stdout?.on('data', () => {
          if (/GraphQL at http/.test(output)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    } finally {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
      await closed;
    }
    // colour codes aside, the line reads `[time] INFO: signalyard: GraphQL at …`
    const plain = stripVTControlCharacters(output);
    expect(plain).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: signalyard: GraphQL at http:\/\/localhost:\d+\/graphql/m,
    );
    expect(plain).not.toMatch(/"level":/);
  });
});

describe('HOST=0.0.0.0', () => {
  it('answers on every address of the machine', async () => {
    const server = await startServer({
      DATABASE_URL: `file:${path.join(dir, 'any-host.db')}`,
      HOST: '0.0.0.0',
    });
    try {
      const elsewhere = new URL('/health', server.url);
      elsewhere.hostname = '127.0.0.2';
      expect((await fetch(elsewhere)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe('bad configuration stops start-up with one clear line', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    [
      'DATABASE_URL of another kind',
      { DATABASE_URL: 'mysql://localhost/x' },
      /DATABASE_URL must start with "file:"/,
    ],
    ['non-numeric PORT', { PORT: 'eighty' }, /PORT must be a whole number from 0 to 65535, got "eighty"/],
    ['PORT out of range', { PORT: '70000' }, /PORT must be a whole number/],
  ];
  it.each(cases)('%s', async (_name, env, message) => {
    const { done } = runMain({ DATABASE_URL: `file:${path.join(dir, 'bad.db')}`, ...env });
    const { code, output } = await done;
    expect(code).toBe(1);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^signalyard: invalid configuration: /);
    expect(lines[0]).toMatch(message);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });
});
