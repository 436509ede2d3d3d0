import { GraphQLError } from 'graphql';
import { AppError, UnsupportedWriteError } from '../db/index.js';

export type ErrorLogger = (message: string, error: unknown) => void;

interface GraphQLErrorLike {
  message: string;
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

function originalOf(error: unknown): unknown {
  let current = error;
  while (isGraphQLErrorLike(current) && current.originalError) current = current.originalError;
  return current;
}

/**
 * The one place where typed errors become `extensions.code`. An AppError keeps its message;
 * GraphQL's own errors (syntax, validation, variables) pass as they are; anything else is logged
 * and masked.
 */
export function createMaskError(log: ErrorLogger) {
  return (error: unknown, message: string): Error => {
    const original = originalOf(error);
    const located = isGraphQLErrorLike(error) ? error : undefined;
    const at = { nodes: located?.nodes, path: located?.path };
    if (original instanceof AppError) {
      return new GraphQLError(original.message, {
        ...at,
        extensions: { code: original.code, ...original.details },
      });
    }
    // Two writes raced for a unique value (two sign-ups with one username): the loser's input is taken.
    if (isUniqueViolation(original)) {
      const fields = original.meta?.target ?? original.meta?.driverAdapterError?.cause?.constraint?.fields;
      const which = Array.isArray(fields) ? fields.join(', ') : 'a unique field';
      return new GraphQLError(`${which}: this value is taken`, {
        ...at,
        extensions: { code: 'BAD_USER_INPUT', field: which },
      });
    }
    if (isGraphQLErrorLike(original)) {
      return original === error
        ? (error as Error)
        : new GraphQLError(original.message, { ...at, extensions: original.extensions });
    }
    const what =
      original instanceof UnsupportedWriteError
        ? '[signalyard] a resolver made a write the pipeline refuses'
        : '[signalyard] unexpected error';
    log(what, original);
    return new GraphQLError(message, { ...at, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  };
}
