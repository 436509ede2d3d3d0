import type { DataLayer, EventRow } from '../db/index.js';
import type { EventBus } from './bus.js';
import type { EventFeed } from './feed.js';

export interface TailerOptions {
  /** How often the log is read for commits made by other processes. */
  pollMs: number;
  /** Events older than this (by the database clock) are pruned; the newest one is always kept. */
  retentionMs: number;
  logError: (message: string, error: unknown) => void;
}

const PAGE = 500;

/**
 * The one publisher of a process: it reads the event log in cursor order after the last event it
 * published, and publishes to the bus in that order, so a subscriber never gets a lower cursor
 * after a higher one, whichever process committed it. A local commit nudges it; when that
 * commit's first event directly follows the last one published, its events go out from memory
 * with no query. A short poll picks up the commits of other processes (a seed script, a second
 * server on the same file).
 */
export class LogTailer implements EventFeed {
  /** The last event id published; null until the start-up read. */
  #last: number | null = null;
  /** Local commits that arrived before the start-up read finished. */
  #early: EventRow[] = [];
  #reading: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | null = null;
  #lastPrune = 0;
  #stopped = false;

  constructor(
    private readonly data: DataLayer,
    private readonly bus: EventBus,
    private readonly options: TailerOptions,
  ) {}

  start(): void {
    if (this.#timer) return;
    this.#stopped = false;
    this.#reading ??= this.#init();
    this.#timer = setInterval(() => void this.catchUp(), this.options.pollMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#reading;
  }

  /** The last event id this process published (null before the start-up read). */
  get lastPublished(): number | null {
    return this.#last;
  }

  /** Called with each local commit's events, in commit order. */
  readonly onCommitted = (events: EventRow[]): void => {
    if (this.#last === null) {
      this.#early.push(...events);
      return;
    }
    const first = events[0];
    if (!this.#reading && first && first.id === this.#last + 1) {
      this.bus.publish(events);
      this.#last = events.at(-1)?.id ?? this.#last;
      return;
    }
    void this.catchUp();
  };

  async #init(): Promise<void> {
    try {
      const bounds = await this.data.log.logBounds();
      const early = this.#early.splice(0);
      // Commits seen before this read are published (a subscriber may already wait for them);
      // older events are history, for replay by cursor only.
      this.#last = early[0] ? Math.min(early[0].id - 1, bounds?.newest ?? 0) : (bounds?.newest ?? 0);
    } catch (error) {
      this.options.logError('[signalyard] event log tailer: start-up read failed:', error);
      this.#last ??= 0;
    }
    await this.#drain();
  }

  /** Publishes every committed event after the last one published (one read at a time). */
  catchUp(): Promise<void> {
    if (this.#stopped || this.#last === null) return this.#reading ?? Promise.resolve();
    if (this.#reading) {
      this.#again = true;
      return this.#reading;
    }
    this.#reading = this.#drain();
    return this.#reading;
  }

  async #drain(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.#read();
      } while (this.#again && !this.#stopped);
      await this.#maybePrune();
    } catch (error) {
      this.options.logError('[signalyard] event log tailer: read failed:', error);
    } finally {
      this.#reading = null;
    }
  }

  async #read(): Promise<void> {
    for (;;) {
      const after = this.#last ?? 0;
      const page = await this.data.log.readLog({ after, limit: PAGE });
      if (page.length > 0) {
        this.bus.publish(page);
        this.#last = page.at(-1)?.id ?? after;
      }
      if (page.length < PAGE) return;
    }
  }

  async #maybePrune(): Promise<void> {
    if (Date.now() - this.#lastPrune < Math.min(this.options.retentionMs, 60_000)) return;
    this.#lastPrune = Date.now();
    await this.prune();
  }

  /** Deletes events older than the retention (database clock), keeping the newest event. */
  prune(): Promise<number> {
    return this.data.log.pruneLog(this.options.retentionMs);
  }

  /** In memory: nothing between the log and the bus can fail. */
  problem(): Promise<null> {
    return Promise.resolve(null);
  }
}
