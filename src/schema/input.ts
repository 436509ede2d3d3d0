import { AppError } from '../db/index.js';

/** How much of a client's value an error message may quote. */
export const QUOTE_CHARS = 40;

/** A value as an error message quotes it: at most a short prefix, so a 1 MB input makes a short answer. */
export function quote(value: unknown): string {
  const text = String(value);
  const chars = [...text];
  return chars.length > QUOTE_CHARS ? `'${chars.slice(0, QUOTE_CHARS).join('')}…'` : `'${text}'`;
}

// A UTF-16 code unit of a surrogate pair without its other half: not text, and SQLite/Prisma's JSON cannot carry it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/**
 * A text argument within its limits: not longer than `max` characters, well-formed UTF-16, and
 * (unless `optional`) not blank. Returns it unchanged.
 */
export function checkText<T extends string | null | undefined>(
  field: string,
  value: T,
  max: number,
  options: { optional?: boolean } = {},
): T {
  if (typeof value !== 'string') return value;
  if (hasLoneSurrogate(value)) {
    throw new AppError('BAD_USER_INPUT', `${field}: contains an unpaired UTF-16 surrogate`, { field });
  }
  if (value.length > max) {
    throw new AppError('BAD_USER_INPUT', `${field}: must be at most ${max} characters, got ${value.length}`, {
      field,
    });
  }
  if (!options.optional && value.trim() === '') {
    throw new AppError('BAD_USER_INPUT', `${field}: must not be empty`, { field });
  }
  return value;
}

/** Every string inside a JSON value that is not well-formed UTF-16, as a path (for variables). */
export function findLoneSurrogate(value: unknown, at = '', depth = 0): string | null {
  // deeper values are refused by GraphQL's coercion: no input type of this schema nests so far
  if (depth > 100) return null;
  if (typeof value === 'string') return hasLoneSurrogate(value) ? at || '(value)' : null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findLoneSurrogate(item, `${at}[${i}]`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (hasLoneSurrogate(key)) return `${at}.(key)`;
      const found = findLoneSurrogate(item, at ? `${at}.${key}` : key, depth + 1);
      if (found) return found;
    }
  }
  return null;
}
