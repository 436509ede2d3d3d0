/** Every variable src/server/config.ts reads is in README's configuration table. */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

it('README documents every environment variable the server reads', () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const source = fs.readFileSync(path.join(root, 'src/server/config.ts'), 'utf8');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const names = new Set([
    ...[...source.matchAll(/env\.([A-Z_]+)/g)].map((m) => m[1]),
    ...[...source.matchAll(/\(env, '([A-Z_]+)'/g)].map((m) => m[1]),
    ...[...source.matchAll(/seconds\('([A-Z_]+)'/g)].map((m) => m[1]),
  ]);
  expect(names.size).toBeGreaterThan(20);
  const missing = [...names].filter((name) => !readme.includes(`| \`${name}\``));
  expect(missing).toEqual([]);
});
