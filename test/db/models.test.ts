/**
 * The pipeline performs the schema's onDelete rules itself (so dependants' signals fire): its
 * table in src/db/models.ts must say exactly what prisma/schema.prisma says. Parsed from the
 * schema file itself, not from the generated client.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { MODEL_NAMES, ON_DELETE } from '../../src/db/models.js';

interface Rule {
  model: string;
  field: string;
  action: string;
}

/** Every relation field that holds a foreign key, with its onDelete (Prisma's default when absent). */
function schemaRules(schema: string): Rule[] {
  const rules: Rule[] = [];
  const models = schema.matchAll(/^model (\w+) \{\n([\s\S]*?)^\}/gm);
  for (const [, model, body] of models) {
    for (const line of (body ?? '').split('\n')) {
      const field = /^\s*\w+\s+(\w+)(\??)(?:\[\])?\s+.*@relation\(([^)]*)\)/.exec(line);
      if (!field) continue;
      const [, , optional, args = ''] = field;
      const keys = /fields:\s*\[([^\]]+)\]/.exec(args)?.[1];
      if (!keys) continue; // the back-relation side holds no key
      const action = /onDelete:\s*(\w+)/.exec(args)?.[1] ?? (optional ? 'SetNull' : 'Restrict');
      for (const key of keys.split(',')) rules.push({ model: model ?? '', field: key.trim(), action });
    }
  }
  return rules;
}

const schema = fs.readFileSync(path.resolve(import.meta.dirname, '../../prisma/schema.prisma'), 'utf8');

it('ON_DELETE lists every foreign key of schema.prisma with its onDelete action, and nothing else', () => {
  const key = (r: Rule) => `${r.model}.${r.field}: ${r.action}`;
  const known = Object.values(ON_DELETE)
    .flat()
    .map((d) => key({ model: d.model, field: d.field, action: d.action }));
  const fromSchema = schemaRules(schema).map(key);
  expect(fromSchema.length).toBeGreaterThan(0);
  expect(known.sort()).toEqual(fromSchema.sort());
});

it('each rule sits under the model the foreign key points to', () => {
  for (const [target, rules] of Object.entries(ON_DELETE)) {
    for (const rule of rules) {
      const block = new RegExp(`^model ${rule.model} \\{\\n([\\s\\S]*?)^\\}`, 'm').exec(schema)?.[1] ?? '';
      const line = block.split('\n').find((l) => new RegExp(`fields:\\s*\\[${rule.field}\\]`).test(l)) ?? '';
      expect(line, `${rule.model}.${rule.field}`).toMatch(new RegExp(`^\\s*\\w+\\s+${target}\\??\\s`));
    }
  }
});

it('every model of the schema has an entry (a model with no dependants has an empty list)', () => {
  const declared = [...schema.matchAll(/^model (\w+) \{/gm)].map((m) => m[1]);
  expect(Object.keys(ON_DELETE).sort()).toEqual([...declared].sort());
  expect([...MODEL_NAMES].sort()).toEqual([...declared].sort());
});
