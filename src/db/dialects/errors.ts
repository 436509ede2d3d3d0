/** Errors of units of work, whatever the engine (re-exported by src/db). */

/** A transaction ran past `transactionTimeoutMs`: it was rolled back and the writer released. */
export class TransactionTimeoutError extends Error {
  override name = 'TransactionTimeoutError';
}

/**
 * A write waited for the writer while the transaction holding it ran past `lockWaitMs`: most
 * likely that transaction awaits this very write (a deadlock), so it fails fast instead.
 */
export class LockWaitTimeoutError extends Error {
  override name = 'LockWaitTimeoutError';
}

/** Another process kept the SQLite write lock past the retry bound. */
export class WriteLockTimeoutError extends Error {
  override name = 'WriteLockTimeoutError';
}

/** A transaction client used after its transaction was rolled back, timed out, or ended. */
export class TransactionClosedError extends Error {
  override name = 'TransactionClosedError';
}
