/** The closed set of codes an expected failure carries; src/schema/errors.ts maps them to `extensions.code`. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'OUT_OF_STOCK'
  /** A live subscription closed because its client fell too far behind (it resumes by cursor). */
  | 'SUBSCRIBER_TOO_SLOW'
  /** Too many attempts (logIn, signUp, stream reservations): `retryAfter` says when to try again, in s. */
  | 'TOO_MANY_REQUESTS'
  /** The server cannot do this now (its database file is gone): nothing was written; retry later. */
  | 'SERVICE_UNAVAILABLE';

/**
 * An expected failure: its message reaches the client. Everything else is masked.
 * Messages name the field and the value (`Crate 'Q3J...' not found`).
 */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** A receiver chain that kept writing through `tx` past the depth limit: a bug, not user input. */
export class SignalDepthError extends Error {
  override name = 'SignalDepthError';
}

/** A Prisma call the pipeline cannot pass through signals (nested writes, array transactions). */
export class UnsupportedWriteError extends Error {
  override name = 'UnsupportedWriteError';
}

export {
  LockWaitTimeoutError,
  TransactionClosedError,
  TransactionTimeoutError,
  WriteLockTimeoutError,
} from './dialects/errors.js';
