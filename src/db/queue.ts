/**
 * One writer at a time, in arrival order. On SQLite every write transaction goes through here:
 * the better-sqlite3 adapter shares one connection, so two open transactions would interleave
 * on it (and concurrent BEGINs hit `database is locked`, prisma/prisma#29933, #29870).
 */
export class WriteQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #waiting = 0;

  /** How many transactions wait for, or hold, the writer. */
  get depth(): number {
    return this.#waiting;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.#waiting += 1;
    const result = this.#tail.then(task);
    const release = () => {
      this.#waiting -= 1;
    };
    this.#tail = result.then(release, release);
    return result;
  }
}
