import { decline, isPlainObject, type Query } from './flavor.js';
import type { FastField, FastModel } from './model.js';
import { acceptable, hasOperator } from './values.js';

/**
 * `where` as Prisma's query compiler reads it (prisma-engines, extractors/filters/mod.rs and
 * scalar.rs), so that the edge cases agree: an empty filter is dropped rather than read as true,
 * `OR: []` is false only at the top level, `NOT: [a, b]` is `NOT a AND NOT b`, and `not: { ... }`
 * negates each operator inside it (`not: { gt: 1, lt: 3 }` is `<= 1 AND >= 3`).
 * A compiled condition is SQL text, or null for "no condition" (Prisma's Filter::Empty).
 */

type Condition = string | null;

const COMPARISONS: Record<string, [plain: string, negated: string]> = {
  lt: ['<', '>='],
  lte: ['<=', '>'],
  gt: ['>', '<='],
  gte: ['>=', '<'],
};

function all(conditions: string[]): Condition {
  if (conditions.length === 0) return null;
  return conditions.length === 1 ? (conditions[0] as string) : `(${conditions.join(' AND ')})`;
}

function bindValue(q: Query, field: FastField, value: unknown): string {
  if (!acceptable(field, value)) decline();
  return q.bindField(field, value);
}

function list(q: Query, field: FastField, values: unknown): string[] {
  if (!Array.isArray(values)) decline();
  return values.map((value) => bindValue(q, field, value));
}

function equality(q: Query, field: FastField, value: unknown, negated: boolean): string {
  const column = q.column(field);
  if (value === null) {
    if (field.required) decline(); // Prisma: "must not be null"
    return `${column} IS ${negated ? 'NOT ' : ''}NULL`;
  }
  return `${column} ${negated ? '<>' : '='} ${bindValue(q, field, value)}`;
}

function membership(q: Query, field: FastField, values: unknown, negated: boolean): string {
  const placeholders = list(q, field, values);
  if (placeholders.length === 0) return negated ? '1=1' : '1=0';
  return `${q.column(field)} ${negated ? 'NOT IN' : 'IN'} (${placeholders.join(', ')})`;
}

/** The operators of one field's filter object; `reverse` inside `not: { ... }`. */
function fieldOperators(q: Query, field: FastField, filter: Record<string, unknown>, reverse: boolean) {
  const conditions: string[] = [];
  for (const [operator, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    // contains, startsWith, endsWith, mode, search, lt on a Boolean...
    if (!hasOperator(field, operator)) decline();
    switch (operator) {
      case 'equals':
        conditions.push(equality(q, field, value, reverse));
        break;
      case 'in':
        conditions.push(membership(q, field, value, reverse));
        break;
      case 'notIn':
        conditions.push(membership(q, field, value, !reverse));
        break;
      case 'not':
        // `not: value` is "not equal" at any depth; `not: { ... }` flips the operators inside.
        if (isPlainObject(value)) conditions.push(...fieldOperators(q, field, value, !reverse));
        else conditions.push(equality(q, field, value, true));
        break;
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte': {
        const symbols = COMPARISONS[operator];
        if (!symbols || value === null) decline();
        conditions.push(`${q.column(field)} ${symbols[reverse ? 1 : 0]} ${bindValue(q, field, value)}`);
        break;
      }
      default:
        decline();
    }
  }
  return conditions;
}

function fieldFilter(q: Query, field: FastField, value: unknown): Condition {
  if (isPlainObject(value)) return all(fieldOperators(q, field, value, false));
  return equality(q, field, value, false);
}

function group(q: Query, model: FastModel, kind: 'AND' | 'OR' | 'NOT', value: unknown, depth: number) {
  if (kind === 'OR' && !Array.isArray(value)) decline(); // Prisma takes OR as a list only
  const items: unknown[] = Array.isArray(value) ? value : [value];
  const children: string[] = [];
  for (const item of items) {
    const child = compileWhere(q, model, item, depth + 1);
    if (child !== null) children.push(child);
  }
  if (children.length === 0) {
    if (depth > 0) return null;
    return kind === 'OR' ? '1=0' : '1=1';
  }
  if (kind === 'NOT') return all(children.map((c) => `(NOT ${c})`));
  if (children.length === 1) return children[0] as string;
  return `(${children.join(kind === 'OR' ? ' OR ' : ' AND ')})`;
}

/** Compiles `where` into `q`; null when it sets no condition. */
export function compileWhere(q: Query, model: FastModel, where: unknown, depth = 0): Condition {
  if (where === undefined) return null;
  if (!isPlainObject(where)) decline();
  const conditions: string[] = [];
  for (const [key, value] of Object.entries(where)) {
    if (value === undefined) continue;
    let condition: Condition;
    if (key === 'AND' || key === 'OR' || key === 'NOT') condition = group(q, model, key, value, depth);
    else {
      const field = model.byName.get(key);
      if (!field) decline(); // relation filters, compound uniques, unknown keys
      condition = fieldFilter(q, field, value);
    }
    if (condition !== null) conditions.push(condition);
  }
  return all(conditions);
}

/**
 * A unique selector (findUnique, update): at least one @id / @unique field given a plain value,
 * ANDed with any other filters, as Prisma's extended WhereUniqueInput.
 */
export function compileUniqueWhere(q: Query, model: FastModel, where: unknown): string {
  if (!isPlainObject(where)) decline();
  let unique = false;
  for (const [key, value] of Object.entries(where)) {
    const field = model.byName.get(key);
    if (value === undefined || !field || !(field.isId || field.isUnique)) continue;
    if (value === null || isPlainObject(value)) decline(); // Prisma: a unique field takes a plain value
    unique = true;
  }
  if (!unique) decline();
  return compileWhere(q, model, where) as string;
}
