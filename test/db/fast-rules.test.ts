import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFastPath, NOT_FAST } from '../../src/db/fast/index.js';
import { readSchemaFacts } from '../../src/db/fast/schema-facts.js';
import { normalizeDateTime } from '../../src/db/fast/sqlite.js';
import { $Enums } from '../../src/generated/prisma/client.js';
import {
  type Args,
  closeBothSides,
  fast,
  MODELS,
  model,
  openBothSides,
  prepared,
  reset,
  source,
} from './fast/both-sides.js';

/** What the fast path decides before any statement: what it declines, its SQL texts, its defaults. */

beforeAll(openBothSides);
afterAll(closeBothSides);

describe('fast path: what it leaves to Prisma', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => i);
  const declined: [model: string, operation: string, args: unknown][] = [
    ['Warehouse', 'findMany', { where: { name: { contains: 'w' } } }],
    ['Warehouse', 'findMany', { where: { name: { equals: 'w', mode: 'insensitive' } } }],
    ['Crate', 'findMany', { where: { warehouse: { name: 'w' } } }],
    ['Warehouse', 'findFirst', { include: { crates: true } }],
    ['Warehouse', 'findMany', { select: { id: true, crates: true } }],
    ['Warehouse', 'findMany', { select: { _count: true } }],
    ['Warehouse', 'findMany', { cursor: { id: 1 }, take: 2 }],
    ['Warehouse', 'findMany', { distinct: ['name'] }],
    ['Warehouse', 'findMany', { select: { id: true }, omit: { name: true } }],
    ['Warehouse', 'findMany', { orderBy: { address: { sort: 'asc', nulls: 'last' } } }],
    ['Crate', 'findMany', { orderBy: { warehouse: { name: 'asc' } } }],
    ['Warehouse', 'findMany', { orderBy: { name: 'asc', id: 'desc' } }],
    ['Warehouse', 'findFirst', { take: 2 }],
    ['Warehouse', 'findMany', { skip: -1 }],
    ['Warehouse', 'findMany', { take: 1.5 }],
    ['Warehouse', 'findMany', { where: { id: '1' } }],
    ['Warehouse', 'findMany', { where: { id: 1.5 } }],
    ['Warehouse', 'findMany', { where: { name: null } }],
    ['Warehouse', 'findMany', { where: { createdAt: { lt: '2030-01-01T00:00:00Z' } } }],
    ['Warehouse', 'findMany', { where: { createdAt: new Date(Number.NaN) } }],
    ['Warehouse', 'findMany', { where: { OR: { id: 1 } } }],
    ['Event', 'findMany', { where: { created: { lt: true } } }],
    ['User', 'findMany', { where: { role: 'ADMIN' } }],
    ['Warehouse', 'findMany', { where: { id: { in: many(40_000) } } }], // over the bound-parameter limit
    ['Warehouse', 'findUnique', { where: { name: 'w1' } }], // not a unique field
    ['Warehouse', 'findUnique', { where: { id: { equals: 1 } } }],
    ['Warehouse', 'update', { where: { id: 1 }, data: { crates: { create: { name: 'c' } } } }],
    ['Crate', 'create', { data: { name: 'c', warehouse: { connect: { id: 1 } } } }],
    ['Warehouse', 'create', { data: {} }], // name is missing
    ['Warehouse', 'create', { data: { name: null } }],
    ['Warehouse', 'update', { where: { id: 1 }, data: { name: null } }],
    ['Warehouse', 'updateMany', { data: { name: { set: null } } }],
    ['Warehouse', 'create', { data: { name: 'w', newestCrateId: { set: 1 } } }],
    [
      'User',
      'createMany',
      {
        data: [
          { username: 'a', passwordHash: 'h', role: 'STAFF' },
          { username: 'b', passwordHash: 'h' },
        ],
      },
    ],
    ['Warehouse', 'updateMany', { data: { name: undefined } }],
    ['Warehouse', 'updateMany', { data: { name: 'x' }, limit: 0 }],
    ['Warehouse', 'update', { where: { id: 1 }, data: { name: { set: 'x', increment: 1 } } }],
    ['Warehouse', 'update', { where: { id: 1 }, data: { name: { increment: 1 } } }],
    ['Warehouse', 'upsert', { where: { id: 1 }, create: { name: 'w' }, update: {} }],
    ['Warehouse', 'delete', { where: { id: 1 } }],
    ['Warehouse', 'aggregate', { _count: true }],
    ['Warehouse', 'findFirstOrThrow', {}],
    ['Warehouse', 'toString', {}],
    ['Nope', 'findMany', {}],
    ['Warehouse', 'findMany', 'all'],
  ];
  it.each(declined)('%s.%s(%j) answers NOT_FAST before any statement', (name, operation, args) => {
    const before = prepared.length;
    expect(fast.run(source, name, operation, args)).toBe(NOT_FAST);
    expect(prepared.length).toBe(before);
  });

  it("keeps one SQL text per shape, whatever the values, so the caller's statement cache hits", () => {
    reset({});
    const texts = (calls: [string, string, Args][]) => {
      const from = prepared.length;
      for (const [name, operation, args] of calls)
        expect(fast.run(source, name, operation, args)).not.toBe(NOT_FAST);
      return new Set(prepared.slice(from));
    };
    expect(
      texts([
        ['Warehouse', 'create', { data: { name: 'a' } }],
        ['Warehouse', 'create', { data: { name: 'b' } }],
      ]).size,
    ).toBe(1);
    expect(texts([1, 2, 3].map((id) => ['Warehouse', 'findUnique', { where: { id } }])).size).toBe(1);
    expect(
      texts([1, 2].map((id) => ['Warehouse', 'update', { where: { id }, data: { name: `n${id}` } }])).size,
    ).toBe(1);
    expect(
      texts([
        ['Warehouse', 'findMany', { take: 1 }],
        ['Warehouse', 'findMany', { take: 2, skip: 1 }],
      ]).size,
    ).toBe(2);
  });
});

describe('fast path: defaults derived from schema.prisma', () => {
  it('stamps every @default(now()) field in JS and leaves autoincrement and literals to the database', () => {
    for (const name of MODELS) {
      const m = model(name);
      expect([m.unsupported, m.createUnsupported], name).toEqual([null, null]);
      expect(
        m.stampedOnCreate.map((f) => f.name),
        name,
      ).toEqual(['createdAt']);
      expect(m.id?.default, name).toBe('autoincrement');
    }
    const literals = MODELS.flatMap((name) =>
      model(name)
        .fields.filter((f) => f.default === 'literal')
        .map((f) => `${name}.${f.name}`),
    );
    expect(literals).toEqual(['Crate.createdSeq', 'Order.status', 'User.role', 'Event.created']);
    expect(model('User').byName.get('role')?.enumValues).toEqual(new Set(Object.values($Enums.Role)));
    expect(model('Order').byName.get('status')?.enumValues).toEqual(
      new Set(Object.values($Enums.OrderStatus)),
    );
  });

  const schema = `
    model Note {
      id        String   @id @default(cuid()) // a "quoted // comment"
      body      String   @default("a // b") @map("text")
      version   Int      @default(1)
      seen      DateTime @default(dbgenerated("CURRENT_TIMESTAMP"))
      touched   DateTime @updatedAt
      @@map("notes")
    }
    enum Mood {
      HAPPY
      SAD @map("sad")
    }`;
  const field = (name: string, type: string, extra: Partial<Record<string, unknown>> = {}) => ({
    name,
    type,
    kind: 'scalar',
    isRequired: true,
    isList: false,
    isId: false,
    isUnique: false,
    hasDefaultValue: true,
    isUpdatedAt: false,
    ...extra,
  });
  const datamodel = {
    models: {
      Note: {
        primaryKey: null,
        fields: [
          field('id', 'String', { isId: true }),
          field('body', 'String'),
          field('version', 'Int'),
          field('seen', 'DateTime'),
          field('touched', 'DateTime', { hasDefaultValue: false, isUpdatedAt: true }),
        ],
      },
    },
  };

  it('reads defaults, @updatedAt, @map and enum values from the schema text', () => {
    const facts = readSchemaFacts(schema);
    const note = facts.models.get('Note');
    expect(note?.table).toBe('notes');
    expect(
      Object.fromEntries([...(note?.fields ?? [])].map(([k, f]) => [k, [f.default, f.updatedAt, f.column]])),
    ).toEqual({
      id: ['generated', false, null],
      body: ['literal', false, 'text'],
      version: ['literal', false, null],
      seen: ['generated', false, null],
      touched: [null, true, null],
    });
    expect(facts.enums.get('Mood')).toEqual({ values: ['HAPPY', 'SAD'], mapped: true });
    const notes = createFastPath({ datamodel, schema });
    expect(notes.model('Note')?.createUnsupported).toMatch(/id, seen/);
    expect(notes.model('Note')?.stampedOnCreate.map((f) => f.name)).toEqual(['touched']);
    expect(notes.run(source, 'Note', 'create', { data: { body: 'b' } })).toBe(NOT_FAST);
  });

  it('refuses a schema text that disagrees with the generated client', () => {
    const stale = {
      models: {
        Note: {
          ...datamodel.models.Note,
          fields: [field('id', 'String', { isId: true, hasDefaultValue: false })],
        },
      },
    };
    expect(() => createFastPath({ datamodel: stale, schema })).toThrow(/disagree on Note.id/);
  });

  it('stamps @updatedAt on create and on every update', () => {
    const db = new Database(':memory:');
    db.exec(
      `CREATE TABLE "notes" ("id" TEXT PRIMARY KEY, "text" TEXT NOT NULL DEFAULT 'a // b', "version" INTEGER NOT NULL DEFAULT 1, "seen" DATETIME, "touched" DATETIME NOT NULL)`,
    );
    const plain = { prepare: (sql: string) => db.prepare(sql) };
    const schemaWithoutGenerated = schema
      .replace('@default(cuid())', '')
      .replace('@default(dbgenerated("CURRENT_TIMESTAMP"))', '');
    const notes = createFastPath({
      datamodel: {
        models: {
          Note: {
            ...datamodel.models.Note,
            fields: datamodel.models.Note.fields.map((f) =>
              f.name === 'id' || f.name === 'seen'
                ? { ...f, hasDefaultValue: false, isRequired: f.name === 'id' }
                : f,
            ),
          },
        },
      },
      schema: schemaWithoutGenerated,
    });
    vi.setSystemTime(Date.UTC(2026, 1, 1));
    expect(notes.run(plain, 'Note', 'create', { data: { id: 'n1' } })).toEqual({
      id: 'n1',
      body: 'a // b',
      version: 1,
      seen: null,
      touched: new Date(Date.UTC(2026, 1, 1)),
    });
    vi.setSystemTime(Date.UTC(2026, 1, 2));
    expect(
      notes.run(plain, 'Note', 'updateManyAndReturn', {
        data: { version: { increment: 1 } },
        select: { version: true, touched: true },
      }),
    ).toEqual([{ version: 2, touched: new Date(Date.UTC(2026, 1, 2)) }]);
    expect(db.prepare('SELECT "touched" FROM "notes"').pluck().get()).toBe('2026-02-02T00:00:00.000+00:00');
    db.close();
  });
});

describe('fast path: stored DateTime forms', () => {
  it('reads every form Prisma reads as the same UTC instant, whatever the machine zone', () => {
    const forms = [
      '2025-01-01 10:00:00', // CURRENT_TIMESTAMP: UTC without a zone
      '2025-01-01T10:00:00Z',
      '2025-01-01T10:00:00.000+00:00', // what Prisma's adapter writes
      '2025-01-01T11:00:00+01:00',
      '2025-01-01T11:00:00+01',
    ];
    expect(forms.map((form) => new Date(normalizeDateTime(form)).getTime())).toEqual(
      forms.map(() => Date.UTC(2025, 0, 1, 10)),
    );
    expect(new Date(normalizeDateTime('2025-01-01')).getTime()).toBe(Date.UTC(2025, 0, 1));
    expect(new Date(normalizeDateTime('10:00:00')).getTime()).toBe(Date.UTC(1970, 0, 1, 10));
  });
});
