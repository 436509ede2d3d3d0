/** Errors of units of work, whatever the engine (re-exported by src/db). */

/** A transaction ran past `transactionTimeoutMs`: it was rolled back and the writer released. */
export class TransactionTimeoutError extends Error {
  override name = 'TransactionTimeoutError';
}

/**
 * A write waited for the writer while the transaction holding it ran past `lockWaitMs` (and is
 * allowed to run longer still): that transaction may await this very write (a deadlock), so the
 * write fails fast instead. Nothing of it was written; a client may retry (SERVICE_UNAVAILABLE).
 */
export class LockWaitTimeoutError extends Error {
  override name = 'LockWaitTimeoutError';
  constructor(
    message: string,
    /** How long the transaction holding the writer had run. */
    readonly heldMs: number,
  ) {
    super(message);
  }
}

/** Another process kept the SQLite write lock past the retry bound: nothing was written; retryable. */
export class WriteLockTimeoutError extends Error {
  override name = 'WriteLockTimeoutError';
}

/** A transaction client used after its transaction was rolled back, timed out, or ended. */
export class TransactionClosedError extends Error {
  override name = 'TransactionClosedError';
}
