/**
 * One writer at a time, in arrival order. On SQLite every write transaction goes through here:
 * the better-sqlite3 adapter shares one connection, so two open transactions would interleave
 * on it (and concurrent BEGINs hit `database is locked`, prisma/prisma#29933, #29870).
 */
export class WriteQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    const settled = () => {};
    this.#tail = result.then(settled, settled);
    return result;
  }
}
