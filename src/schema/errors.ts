import { GraphQLError } from 'graphql';
import {
  AppError,
  type ErrorCode,
  LockWaitTimeoutError,
  UnsupportedWriteError,
  WriteLockTimeoutError,
} from '../db/index.js';
import { QUOTE_CHARS } from './input.js';

/** Reports an unexpected error (with its stack) and the request it happened in. */
export type ErrorLogger = (message: string, error: unknown, requestId?: string) => void;

interface GraphQLErrorLike {
  message: string;
  name: string;
  originalError?: unknown;
  extensions?: Record<string, unknown>;
  nodes?: GraphQLError['nodes'];
  path?: GraphQLError['path'];
}

// Duck-typed: graphql can be loaded twice (its ESM and CJS builds), so instanceof is unreliable.
function isGraphQLErrorLike(error: unknown): error is GraphQLErrorLike {
  return error instanceof Error && 'extensions' in error && 'path' in error;
}

interface UniqueViolation {
  code: 'P2002';
  meta?: { target?: unknown; driverAdapterError?: { cause?: { constraint?: { fields?: unknown } } } };
}

function isUniqueViolation(error: unknown): error is UniqueViolation {
  return error instanceof Error && 'code' in error && error.code === 'P2002';
}

/** The CHECK constraint a write broke (the database's own limits), from the driver's message. */
function checkConstraintOf(error: unknown): string | null {
  for (let current = error, hops = 0; current instanceof Error && hops < 5; hops++) {
    const match = /CHECK constraint failed: (\w+)/.exec(current.message);
    if (match?.[1]) return match[1];
    current = current.cause;
  }
  return null;
}

function originalOf(error: unknown): unknown {
  let current = error;
  while (isGraphQLErrorLike(current) && current.originalError) current = current.originalError;
  return current;
}

// A quoted run longer than QUOTE_CHARS, in "double" or 'single' quotes.
const LONG_QUOTE = new RegExp(
  `(["'])((?:(?!\\1)[^\\\\]|\\\\.){${QUOTE_CHARS}})(?:(?!\\1)[^\\\\]|\\\\.)+\\1`,
  'gu',
);
const MAX_MESSAGE = 400;

/**
 * A message as a client may see it: quoted values cut to a short prefix (graphql-js quotes a
 * variable's whole value), and the whole cut to a few hundred characters.
 */
export function shortenMessage(message: string): string {
  const short = message.length > QUOTE_CHARS ? message.replace(LONG_QUOTE, '$1$2…$1') : message;
  return short.length > MAX_MESSAGE ? `${short.slice(0, MAX_MESSAGE)}…` : short;
}

/** yoga's own codes, as API.md names them: a body over the limit is a document the server will not run. */
const YOGA_CODES: Record<string, string> = {
  REQUEST_ENTITY_TOO_LARGE: 'GRAPHQL_PARSE_FAILED',
  BAD_REQUEST: 'BAD_USER_INPUT',
};

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { TOO_MANY_REQUESTS: 429, SERVICE_UNAVAILABLE: 503 };

/** A coded error for the client, at the location of the error it replaces. */
export function codedError(
  code: string,
  message: string,
  at: Pick<GraphQLErrorLike, 'nodes' | 'path'> = {},
  details: Record<string, unknown> = {},
): GraphQLError {
  const status = HTTP_STATUS[code as ErrorCode];
  return new GraphQLError(shortenMessage(message), {
    nodes: at.nodes,
    path: at.path,
    extensions: { ...details, code, ...(status && { http: { status } }) },
  });
}

/**
 * The one place where typed errors become `extensions.code`. An AppError keeps its message;
 * GraphQL's and Pothos's errors about the request itself (syntax, validation, variables,
 * arguments) are BAD_USER_INPUT unless already coded; anything else is logged and masked, with
 * the request id the log line carries.
 */
export function createMaskError(log: ErrorLogger) {
  return (error: unknown, message: string, requestId?: string): GraphQLError => {
    const original = originalOf(error);
    const located = isGraphQLErrorLike(error) ? error : undefined;
    const at = { nodes: located?.nodes, path: located?.path };
    if (original instanceof AppError)
      return codedError(original.code, original.message, at, original.details);
    // SQLite's one writer was not free in time (the data layer logs why): nothing was written.
    if (original instanceof LockWaitTimeoutError) {
      return codedError(
        'SERVICE_UNAVAILABLE',
        `The database writer is held by a long transaction (${original.heldMs} ms so far): nothing was written; retry shortly`,
        at,
        { reason: 'WRITER_BUSY', retryAfter: 1 },
      );
    }
    if (original instanceof WriteLockTimeoutError) {
      return codedError(
        'SERVICE_UNAVAILABLE',
        'Another process kept the database write lock too long: nothing was written; retry shortly',
        at,
        { reason: 'WRITE_LOCKED', retryAfter: 1 },
      );
    }
    // Two writes raced for a unique value (two sign-ups with one username): the loser's input is taken.
    if (isUniqueViolation(original)) {
      const fields = original.meta?.target ?? original.meta?.driverAdapterError?.cause?.constraint?.fields;
      const which = Array.isArray(fields) ? fields.join(', ') : 'a unique field';
      return codedError('BAD_USER_INPUT', `${which}: this value is taken`, at, { field: which });
    }
    const constraint = checkConstraintOf(original);
    if (constraint) {
      // e.g. InventoryItem_quantity_int32: a cancel would raise the stock past what Int can carry
      const [model, field] = constraint.split('_');
      return codedError(
        'BAD_USER_INPUT',
        `${model}.${field}: the result would leave its allowed range (${constraint}); nothing was written`,
        at,
        { field },
      );
    }
    if (isGraphQLErrorLike(original)) {
      const extensions = original.extensions ?? {};
      const given = typeof extensions.code === 'string' ? extensions.code : null;
      const code = given === null ? null : (YOGA_CODES[given] ?? given);
      if (code !== null) {
        const same = code === given && shortenMessage(original.message) === original.message;
        if (same && original === error) return original as GraphQLError;
        return codedError(code, original.message, at, { ...extensions, code });
      }
      // yoga's CSRF refusal (403) names no code
      if ((extensions.http as { status?: number } | undefined)?.status === 403) {
        return codedError('FORBIDDEN', original.message, at, extensions);
      }
      // Pothos's argument checks (first: -1, a bad cursor, a bad global ID) and graphql-js's own
      // request errors (variables of the wrong type or range), which carry no path: the client's.
      if (original.name === 'PothosValidationError' || !original.path) {
        return codedError('BAD_USER_INPUT', original.message, at, extensions);
      }
    }
    const what =
      original instanceof UnsupportedWriteError
        ? '[signalyard] a resolver made a write the pipeline refuses'
        : '[signalyard] unexpected error';
    log(what, original, requestId);
    return new GraphQLError(message, {
      ...at,
      extensions: { code: 'INTERNAL_SERVER_ERROR', ...(requestId && { requestId }) },
    });
  };
}
