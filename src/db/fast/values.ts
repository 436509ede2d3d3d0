import type { FastField } from './model.js';

/**
 * Whether Prisma takes `value` for `field` as it is. Anything else (a string for an Int, a float
 * Prisma would truncate, an ISO string for a DateTime, an unknown enum value) goes to Prisma,
 * which either converts it or throws its own validation error.
 */
export function acceptable(field: FastField, value: unknown): boolean {
  switch (field.type) {
    case 'Int':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'BigInt':
      return typeof value === 'bigint';
    case 'Float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'String':
      return typeof value === 'string';
    case 'Boolean':
      return typeof value === 'boolean';
    case 'DateTime':
      return value instanceof Date && !Number.isNaN(value.getTime());
    case 'Enum':
      return typeof value === 'string' && field.enumValues !== null && field.enumValues.has(value);
  }
}

export function isNumeric(field: FastField): boolean {
  return field.type === 'Int' || field.type === 'Float' || field.type === 'BigInt';
}

const ALL_OPERATORS: ReadonlySet<string> = new Set([
  'equals',
  'in',
  'notIn',
  'lt',
  'lte',
  'gt',
  'gte',
  'not',
]);
const OPERATORS: Partial<Record<FastField['type'], ReadonlySet<string>>> = {
  Boolean: new Set(['equals', 'not']), // Prisma's BoolFilter
  Enum: new Set(['equals', 'in', 'notIn', 'not']), // Prisma's EnumFilter
};

/** Whether Prisma's filter type for `field` has `operator`. */
export function hasOperator(field: FastField, operator: string): boolean {
  return (OPERATORS[field.type] ?? ALL_OPERATORS).has(operator);
}
