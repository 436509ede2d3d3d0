import fc from 'fast-check';
import type { FastField, FastModel } from '../../../src/db/fast/index.js';
import { type Args, fail, MODELS, model, type Op } from './both-sides.js';

/**
 * Random rows and random calls of the shapes the fast path handles, over the real models: small
 * value domains so that filters match, unique values collide and foreign keys dangle; the values
 * the migrations' CHECKs refuse; now and then a value Prisma refuses.
 */

const INSTANTS = [
  0,
  Date.UTC(2025, 0, 1),
  Date.UTC(2025, 0, 1, 12, 30, 15, 250),
  Date.UTC(2026, 5, 30, 23, 59, 59),
];
const isKey = (f: FastField) => f.name === 'id' || f.name.endsWith('Id');

function valuesOf(field: FastField, valid = false): fc.Arbitrary<unknown> {
  switch (field.type) {
    case 'Int':
      if (isKey(field)) return fc.integer({ min: valid ? 1 : 0, max: 7 });
      if (field.name === 'quantity') return fc.integer({ min: valid ? 1 : -1, max: 6 });
      // InventoryItem.itemCode stays inside GraphQL's 32-bit Int by a CHECK: 2^40 is refused there
      if (valid && field.name === 'itemCode') return fc.integer({ min: -3, max: 9 });
      return fc.oneof(fc.integer({ min: -3, max: 9 }), fc.constant(2 ** 40));
    case 'String': {
      const texts = ['a', 'b', 'c', 'Q3J', 'é'];
      // a username is the sign-in key, kept lower case by a CHECK: 'Q3J' is one of its refused values
      const allowed = field.name === 'username' ? texts.filter((t) => t === t.toLowerCase()) : texts;
      return fc.constantFrom(...(valid ? allowed : [...texts, '', 'x'.repeat(130)])); // '' and 130: CHECKs
    }
    case 'Boolean':
      return fc.boolean();
    case 'DateTime':
      return fc.constantFrom(...INSTANTS).map((t) => new Date(t));
    case 'Enum':
      return fc.constantFrom(...(field.enumValues ?? []));
    default:
      return fail(`no values for ${field.type}`);
  }
}
const orNull = (field: FastField, arb: fc.Arbitrary<unknown>) =>
  field.required ? arb : fc.oneof(arb, fc.constant(null));
const record = <T>(shape: { [K in keyof T]: fc.Arbitrary<T[K]> }, optional = false) =>
  fc.record(shape, optional ? { requiredKeys: [], noNullPrototype: true } : { noNullPrototype: true });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** DateTime as the stored forms Prisma reads: ISO with Z or +00:00, CURRENT_TIMESTAMP's, unix ms. */
const storedDate = fc.tuple(fc.constantFrom(...INSTANTS), fc.integer({ min: 0, max: 3 })).map(([t, form]) => {
  const iso = new Date(t).toISOString();
  return [iso, iso.replace('Z', '+00:00'), iso.slice(0, 19).replace('T', ' '), t][form];
});

function seedRow(m: FastModel) {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of m.fields) {
    if (f.isId) continue;
    let arb = f.type === 'DateTime' ? storedDate : valuesOf(f, true);
    if (f.type === 'Boolean') arb = arb.map((b) => (b ? 1 : 0));
    shape[f.column] = f.required ? arb : fc.option(arb, { nil: null, freq: 3 });
  }
  return record(shape);
}
export const seeds = record(
  Object.fromEntries(
    MODELS.map((name) => [name, fc.array(seedRow(model(name)), { minLength: 2, maxLength: 8 })]),
  ),
);

function filterOf(field: FastField): fc.Arbitrary<unknown> {
  const value = valuesOf(field);
  const plain = orNull(field, value);
  const ops: Record<string, fc.Arbitrary<unknown>> = { equals: plain };
  if (field.type !== 'Boolean')
    Object.assign(ops, { in: fc.array(value, { maxLength: 3 }), notIn: fc.array(value, { maxLength: 3 }) });
  if (field.type !== 'Boolean' && field.type !== 'Enum')
    Object.assign(ops, { lt: value, lte: value, gt: value, gte: value });
  // At most two operators at a time: denser filters would rarely match a row.
  const some = (extra: Record<string, fc.Arbitrary<unknown>>) => {
    const all = { ...ops, ...extra };
    return fc
      .shuffledSubarray(Object.keys(all), { maxLength: Math.min(2, Object.keys(all).length) })
      .chain((keys) => record(Object.fromEntries(keys.map((k) => [k, all[k] as fc.Arbitrary<unknown>]))));
  };
  const not = fc.oneof(plain, some({}), record({ not: fc.oneof(plain, some({})) }));
  return fc.oneof(plain, some({}), some({ not }));
}

function whereOf(m: FastModel, depth = 0): fc.Arbitrary<Args> {
  const fields = fc
    .shuffledSubarray([...m.fields], { maxLength: 2 })
    .chain((fs) => record(Object.fromEntries(fs.map((f) => [f.name, filterOf(f)]))));
  if (depth >= 2) return fields;
  const sub = whereOf(m, depth + 1);
  const groups = record(
    {
      AND: fc.oneof(sub, fc.array(sub, { maxLength: 2 })),
      OR: fc.array(sub, { maxLength: 3 }),
      NOT: fc.oneof(sub, fc.array(sub, { maxLength: 2 })),
    },
    true,
  );
  return fc.oneof(
    { arbitrary: fields, weight: 3 },
    { arbitrary: fc.tuple(fields, groups).map(([a, b]) => ({ ...a, ...b })), weight: 2 },
  );
}

function uniqueWhereOf(m: FastModel): fc.Arbitrary<Args> {
  const uniques = m.fields.filter((f) => f.isId || f.isUnique);
  return fc
    .tuple(fc.constantFrom(...uniques), fc.option(whereOf(m, 1), { nil: {}, freq: 2 }))
    .chain(([f, extra]) => valuesOf(f).map((v) => ({ ...extra, [f.name]: v })));
}

function projectionOf(m: FastModel): fc.Arbitrary<Args> {
  const names = m.fields.map((f) => f.name);
  const keys = (min: number, max: number) =>
    fc
      .shuffledSubarray(names, { minLength: min, maxLength: max })
      .map((ks) => Object.fromEntries(ks.map((k) => [k, true])));
  return fc.oneof(
    { arbitrary: fc.constant({}), weight: 3 },
    { arbitrary: keys(1, 4).map((select) => ({ select })), weight: 1 },
    { arbitrary: keys(1, names.length - 1).map((omit) => ({ omit })), weight: 1 },
  );
}

function orderByOf(m: FastModel) {
  const item = fc
    .tuple(fc.constantFrom(...m.fields.map((f) => f.name)), fc.constantFrom('asc', 'desc'))
    .map(([k, d]) => ({ [k]: d }));
  // SQL leaves the order of rows that tie unspecified, and so does Prisma: both sides may answer
  // ties (and which of them a take/skip keeps) in either order. A last key on the id makes the
  // order total, so a difference is the fast path's; the keys before it are still any fields.
  const id = m.fields.find((f) => f.isId)?.name;
  const total = (keys: Record<string, string>[]) =>
    !id || keys.some((k) => id in k) ? keys : [...keys, { [id]: 'asc' }];
  return maybe(
    fc.oneof(
      item.map((k) => (total([k]).length === 1 ? k : total([k]))),
      fc.array(item, { minLength: 1, maxLength: 2 }).map(total),
    ),
  );
}

/** Data for a create; `keys` fixes which optional or defaulted fields appear (createMany rows share them). */
/** Now and then null for a required field: Prisma refuses it, so the fast path must decline it. */
const rarelyNull = (arb: fc.Arbitrary<unknown>) =>
  fc.oneof({ arbitrary: arb, weight: 40 }, { arbitrary: fc.constant(null), weight: 1 });

function createDataOf(m: FastModel, keys: readonly FastField[], valid = false) {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of m.fields) {
    // (not in skipDuplicates batches: the reference leaves conflicting rows out before Prisma sees them)
    const value = f.required && !valid ? rarelyNull(valuesOf(f)) : valuesOf(f, valid);
    if (f.required && f.default === null) shape[f.name] = value;
    else if (keys.includes(f)) shape[f.name] = f.default === null ? maybe(orNull(f, value)) : value;
  }
  return record(shape);
}
const optionalKeys = (m: FastModel) =>
  fc.subarray(m.fields.filter((f) => !(f.required && f.default === null)));

function updateDataOf(m: FastModel) {
  const assignment = (f: FastField) => {
    const value = f.required ? rarelyNull(valuesOf(f)) : orNull(f, valuesOf(f));
    const forms = [value, record({ set: value })];
    if (f.type === 'Int') {
      // dividing by 0 makes NULL, which NOT NULL refuses
      const operand = fc.oneof(fc.constant(0), fc.integer({ min: -2, max: 3 }));
      forms.push(
        fc
          .constantFrom('increment', 'decrement', 'multiply', 'divide')
          .chain((op) => record({ [op]: operand })),
      );
    }
    return fc.oneof(...forms);
  };
  return fc
    .shuffledSubarray([...m.fields], { minLength: 1, maxLength: 3 })
    .chain((fs) => record(Object.fromEntries(fs.map((f) => [f.name, assignment(f)]))));
}

function opsOf(m: FastModel): fc.Arbitrary<Op> {
  const take = maybe(fc.integer({ min: -3, max: 4 }));
  const skip = maybe(fc.integer({ min: 0, max: 3 }));
  const where = fc.option(whereOf(m), { nil: undefined, freq: 2 });
  const limit = maybe(fc.integer({ min: 1, max: 3 }));
  const op = (operation: string, args: fc.Arbitrary<Args>) =>
    args.map((a) => ({ model: m.name, operation, args: a }));
  const withProjection = (args: fc.Arbitrary<Args>) =>
    fc.tuple(args, projectionOf(m)).map(([a, p]) => ({ ...a, ...p }));
  // With skipDuplicates, SQLite checks a row's CHECKs before its conflicts, which the reference
  // (conflicts first) cannot tell apart: those batches keep to values the CHECKs accept.
  const many = fc.tuple(maybe(fc.boolean()), optionalKeys(m)).chain(([skipDuplicates, keys]) => {
    const row = createDataOf(m, keys, skipDuplicates === true);
    return record({
      data: fc.oneof(fc.array(row, { maxLength: 3 }), row),
      skipDuplicates: fc.constant(skipDuplicates),
    });
  });
  return fc.oneof(
    op('findUnique', withProjection(record({ where: uniqueWhereOf(m) }))),
    op('findUniqueOrThrow', withProjection(record({ where: uniqueWhereOf(m) }))),
    op(
      'findFirst',
      withProjection(record({ where, orderBy: orderByOf(m), skip, take: maybe(fc.constantFrom(1, -1)) })),
    ),
    op('findMany', withProjection(record({ where, orderBy: orderByOf(m), take, skip }))),
    op('count', record({ where, orderBy: orderByOf(m), take, skip })),
    op('create', withProjection(optionalKeys(m).chain((keys) => record({ data: createDataOf(m, keys) })))),
    op('createMany', many),
    op('createManyAndReturn', withProjection(many)),
    op('update', withProjection(record({ where: uniqueWhereOf(m), data: updateDataOf(m) }))),
    op('updateMany', record({ where, data: updateDataOf(m), limit })),
    op('updateManyAndReturn', withProjection(record({ where, data: updateDataOf(m), limit }))),
    op('deleteMany', record({ where: whereOf(m), limit })), // with no where, it would empty the table too often
  );
}
export const ops = fc.array(fc.oneof(...MODELS.map((name) => opsOf(model(name)))), {
  minLength: 5,
  maxLength: 25,
});
