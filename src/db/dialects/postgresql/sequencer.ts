import type pg from 'pg';

/** The advisory lock key of the sequencer ('sy' 'seq'), one per database. */
const SEQUENCER_LOCK = 0x7379_7365;

/**
 * The commit-ordered event log. A unit of work writes its events to "EventPending" (an internal
 * id from a sequence, assigned at insert: not commit order). The sequencer, one run at a time per
 * database (a transaction-scoped advisory lock), moves every committed pending row into "Event"
 * with ids max(id)+1, max(id)+2, ... in pending-id order, in one transaction. Readers read
 * "Event" only, so a row becomes visible there with an id above every id already visible: the
 * cursor order is the visibility order, gap-free, with any number of writers and instances.
 * A pending row of a transaction still in flight is invisible to the run and gets numbered by a
 * later one. It runs after each local commit and on a poll (a crashed instance's committed rows).
 */
export class Sequencer {
  #running: Promise<void> | null = null;
  #queued: Promise<void> | null = null;
  /** Recently assigned cursors by pending id, so a committer can learn its events' cursors. */
  readonly #assigned = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly logError: (message: string, error: unknown) => void,
  ) {}

  /** Polls for committed unnumbered rows every `ms` (they may come from another instance). */
  startPolling(ms: number): void {
    this.#timer = setInterval(() => {
      void this.#pollOnce();
    }, ms);
    this.#timer.unref();
  }

  async #pollOnce(): Promise<void> {
    if (this.#running) return;
    try {
      const found = await this.pool.query('SELECT 1 FROM "EventPending" LIMIT 1');
      if ((found.rowCount ?? 0) > 0) await this.run();
    } catch (error) {
      this.logError('[signalyard] event sequencer poll failed:', error);
    }
  }

  /**
   * Numbers every row committed before this call. Concurrent calls share runs: a call made while
   * a run is under way waits for the next one (whose snapshot is taken after the call).
   */
  run(): Promise<void> {
    if (!this.#running) {
      this.#running = this.#numberCommitted().finally(() => {
        this.#running = null;
      });
      return this.#running;
    }
    this.#queued ??= this.#running
      .catch(() => {})
      .then(() => {
        this.#queued = null;
        return this.run();
      });
    return this.#queued;
  }

  /** The cursor given to a pending row, when this process's sequencer numbered it recently. */
  cursorOf(pendingId: string): number | undefined {
    return this.#assigned.get(pendingId);
  }

  async #numberCommitted(): Promise<void> {
    const client = await this.pool.connect();
    try {
      // One round trip: a simple-protocol query of four statements (no parameters). Each statement
      // of it takes its own snapshot (READ COMMITTED), so the lock is still taken by an earlier
      // statement than the move: the move's snapshot sees every earlier run's rows and max(id).
      // WARNING: raw SQL on the pipeline's own tables.
      const results = (await client.query(
        `BEGIN;
         SELECT pg_advisory_xact_lock(${SEQUENCER_LOCK});
         WITH "moved" AS (
           DELETE FROM "EventPending" RETURNING *
         ), "numbered" AS (
           SELECT "moved".*, (SELECT COALESCE(MAX("id"), 0) FROM "Event")
                  + row_number() OVER (ORDER BY "moved"."pid") AS "newId"
           FROM "moved"
         ), "inserted" AS (
           INSERT INTO "Event" ("id", "model", "kind", "rowId", "created", "updateFields", "audience", "createdAt")
           SELECT "newId", "model", "kind", "rowId", "created", "updateFields", "audience", "createdAt"
           FROM "numbered" ORDER BY "newId"
           RETURNING "id"
         )
         SELECT "pid"::text AS "pid", "newId"::int AS "id" FROM "numbered";
         COMMIT`,
      )) as unknown as Array<pg.QueryResult<{ pid: string; id: number }>>;
      const moved = results[2];
      if (!Array.isArray(results) || results.length !== 4 || !moved) {
        throw new Error('the event sequencer got other results than its four statements');
      }
      for (const row of moved.rows) this.#assigned.set(row.pid, row.id);
      // Bounded: only the committers waiting on this run look their rows up.
      while (this.#assigned.size > 50_000) {
        const oldest = this.#assigned.keys().next();
        if (oldest.done) break;
        this.#assigned.delete(oldest.value);
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#queued?.catch(() => {});
    await this.#running?.catch(() => {});
  }
}
