import type { FastField, FastModel } from './model.js';

/**
 * What differs between engines: identifier quoting, placeholders, how a value is bound and read
 * back, the bound-parameter limit, and how a driver error becomes Prisma's error. SQL text is
 * built only through these, so a `postgresql` flavor ($n placeholders, native types) fits in.
 */
export interface Flavor {
  readonly name: string;
  /** Bound parameters one statement may carry; a call needing more goes to Prisma. */
  readonly maxParams: number;
  /** What LIMIT takes for "no limit" when only OFFSET is wanted. */
  readonly unlimited: string;
  quote(identifier: string): string;
  /** The placeholder of the parameter at `position` (1-based). */
  placeholder(position: number): string;
  /** A validated JS value as the driver binds it, encoded as Prisma's adapter does. */
  encode(field: FastField, value: unknown): unknown;
  /** A value read from the driver as Prisma returns it. */
  decode(field: FastField, value: unknown): unknown;
  /** The error Prisma would throw for this driver error in `model.operation`, or the error itself. */
  mapError(error: unknown, model: FastModel, operation: string): unknown;
}

/**
 * Thrown while reading the arguments when the call is not one the fast path reproduces exactly;
 * `run` turns it into NOT_FAST before any statement has run. One shared instance: no stack per throw.
 */
export const DECLINE = new Error('not a fast-path shape');

export function decline(): never {
  throw DECLINE;
}

/** SQL text and its parameters, built left to right. */
export class Query {
  text = '';
  readonly params: unknown[] = [];
  constructor(readonly flavor: Flavor) {}

  /** Binds `value` and returns its placeholder. */
  bind(value: unknown): string {
    this.params.push(value);
    return this.flavor.placeholder(this.params.length);
  }

  bindField(field: FastField, value: unknown): string {
    return this.bind(value === null ? null : this.flavor.encode(field, value));
  }

  column(field: FastField): string {
    return this.flavor.quote(field.column);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
