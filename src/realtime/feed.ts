import type { EventRow } from '../db/index.js';

/**
 * What hands committed events to this process's bus in cursor order: the log tailer (one
 * process, or several on one SQLite file) or the Redis feed (several instances, one relay).
 */
export interface EventFeed {
  start(): void;
  /** Stops reading; waits for a read in progress. */
  stop(): Promise<void>;
  /** Delivers every event committed so far (the stop sequence calls it before ending streams). */
  catchUp(): Promise<void>;
  /** Called with each local commit's events, in commit order. */
  readonly onCommitted: (events: EventRow[]) => void;
  /** The last event id this process delivered to its bus (null before the start-up read). */
  readonly lastPublished: number | null;
  /** Deletes events older than the retention (database clock), keeping the newest event. */
  prune(): Promise<number>;
  /** Why the transport cannot carry events now (null: it can); the in-memory one always can. */
  problem(): Promise<{ part: string; reason: string } | null>;
}

/**
 * Whether `events` (ascending) directly follow `last` with no room for another event between
 * them: then they may be delivered from memory, with no read of the log. Cursors are integers.
 */
export function follows(last: number, events: readonly EventRow[]): boolean {
  let previous = last;
  for (const event of events) {
    if (event.id !== previous + 1) return false;
    previous = event.id;
  }
  return events.length > 0;
}
