/**
 * examples/ run as a reader runs them (tsx, a separate process) against `npm start`'s server:
 * each signs in, follows crate saves, reconnects with its last cursor and reports the events
 * written while it was away. Their output is printed here too.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Started, startServer } from '../support/server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-examples-'));
let server: Started;

beforeAll(async () => {
  server = await startServer({
    DATABASE_URL: `file:${path.join(dir, 'dev.db')}`,
    ADMIN_PASSWORD: 'examples-pass-1',
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function runExample(file: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: { ...process.env, SIGNALYARD_URL: server.url, SIGNALYARD_PASSWORD: 'examples-pass-1' },
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    output += c.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

describe.each([
  ['apollo', 'examples/apollo.ts'],
  ['urql', 'examples/urql.ts'],
])('examples: %s', (label, file) => {
  it('signs in, resumes by cursor and prints every event written while it was away', async () => {
    const { code, output } = await runExample(file);
    console.log(output);
    expect(code).toBe(0);
    expect(output).toMatch(new RegExp(`^\\[${label}\\] signed in to .* as admin \\(STAFF\\)$`, 'm'));
    const away = /written while away: (\S+), (\S+)$/m.exec(output);
    expect(away).not.toBeNull();
    const resumed = output.slice(output.indexOf('reconnected with after'));
    for (const name of away?.slice(1) ?? []) {
      expect(resumed).toMatch(new RegExp(`event  CRATE created ${name}  cursor \\S+`));
    }
    expect(output).toMatch(/no event missed: .* none twice$/m);
  }, 60_000);
});
