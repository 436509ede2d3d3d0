import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { printSchemaSDL } from '../../src/schema/index.js';

it('schema.graphql is what the Pothos schema prints (run `npm run schema` after changing the schema)', () => {
  const committed = fs.readFileSync(path.resolve(import.meta.dirname, '../../schema.graphql'), 'utf8');
  expect(committed).toBe(printSchemaSDL());
});
