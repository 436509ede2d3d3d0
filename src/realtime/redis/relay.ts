import type { Redis } from 'ioredis';
import type { DataLayer, EventRow } from '../../db/index.js';
import { follows } from '../feed.js';
import {
  APPEND_SCRIPT,
  cursorOfId,
  encodeEvent,
  RELEASE_SCRIPT,
  RENEW_SCRIPT,
  type RedisKeys,
} from './stream.js';

export interface RelayOptions {
  /** Unique per process: the lease's value. */
  instanceId: string;
  /** How long a lease lasts unrenewed: how long events wait when the relay's instance dies. */
  leaseMs: number;
  /** Entries the stream keeps (approximately); readers further behind back-fill from the log. */
  maxLength: number;
  retentionMs: number;
  logError: (message: string, error: unknown) => void;
}

const PAGE = 500;
/** With nothing new, the leader still touches the stream this often (it writes a mark if empty). */
const HEARTBEAT_MS = 1_000;

/**
 * The one publisher across instances: the instance holding the lease reads the committed log
 * in cursor order after the last cursor in the stream and appends it. The stream's newest entry
 * is the durable "published up to here"; a new leader resumes from it, so an instance dying
 * between commit and publish loses nothing (its events wait in the log for the next leader).
 */
export class Relay {
  #leaderUntil = 0;
  #renewedAt = 0;
  /** The cursor this leader has published up to; null until it read the stream as leader. */
  #base: number | null = null;
  #stepping: Promise<void> | null = null;
  #again = false;
  #appendedAt = 0;
  #prunedAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly data: DataLayer,
    private readonly keys: RedisKeys,
    private readonly options: RelayOptions,
  ) {}

  get isLeader(): boolean {
    return Date.now() < this.#leaderUntil;
  }

  /** Takes or renews the lease, then publishes what the log holds (the poll calls it). */
  async tick(): Promise<void> {
    await this.#lease();
    await this.kick();
  }

  async #lease(): Promise<void> {
    const { leaseMs, instanceId } = this.options;
    const asked = Date.now();
    // a lease that may have run out while Redis answered slowly is not trusted: 20 % margin
    const until = asked + leaseMs * 0.8;
    if (this.isLeader) {
      if (asked - this.#renewedAt < leaseMs / 3) return;
      const renewed = await this.redis.eval(RENEW_SCRIPT, 1, this.keys.lease, instanceId, leaseMs);
      if (renewed === 1) {
        this.#leaderUntil = until;
        this.#renewedAt = asked;
      } else {
        this.#resign();
      }
      return;
    }
    const taken = await this.redis.set(this.keys.lease, instanceId, 'PX', leaseMs, 'NX');
    if (taken === 'OK') {
      this.#leaderUntil = until;
      this.#renewedAt = asked;
      this.#base = null; // read the stream first: another leader may have published since
    }
  }

  #resign(): void {
    this.#leaderUntil = 0;
    this.#base = null;
  }

  /** Publishes now if this instance leads (one pass at a time); `local`: its own commit, when known. */
  kick(local?: readonly EventRow[]): Promise<void> {
    if (!this.isLeader) return Promise.resolve();
    if (this.#stepping) {
      this.#again = true;
      return this.#stepping;
    }
    this.#stepping = (async () => {
      try {
        let first = true;
        do {
          this.#again = false;
          await this.#step(first ? local : undefined);
          first = false;
        } while (this.#again && this.isLeader);
        await this.#maybePrune();
      } finally {
        this.#stepping = null;
      }
    })();
    return this.#stepping;
  }

  async #step(local: readonly EventRow[] | undefined): Promise<void> {
    let force = false;
    if (this.#base === null) {
      this.#base = await this.#startingPoint();
      force = true;
    }
    // the leader's own commit right after what it published: no need to read it back
    if (local && follows(this.#base, local)) {
      await this.#append(this.#base, local);
      return;
    }
    for (;;) {
      const base = this.#base;
      const page = await this.data.log.readLog({ after: base, limit: PAGE });
      if (page.length === 0 && !force && Date.now() - this.#appendedAt < HEARTBEAT_MS) return;
      force = false;
      await this.#append(base, page);
      if (page.length < PAGE || !this.isLeader) return;
    }
  }

  /** Where a new leader resumes: the stream's newest cursor, or the log's when the stream is empty. */
  async #startingPoint(): Promise<number> {
    const [newest] = await this.redis.xrevrange(this.keys.stream, '+', '-', 'COUNT', 1);
    const logNewest = (await this.data.log.logBounds())?.newest ?? 0;
    if (!newest) return logNewest;
    const top = cursorOfId(newest[0]);
    if (top <= logNewest) return top;
    // A stream ahead of the log belongs to another history (the database was reset or restored
    // from a backup): its cursors would make Redis refuse every new event. Start it over.
    this.options.logError(
      `[signalyard] redis: the event stream (cursor ${top}) is ahead of the event log (${logNewest}); starting the stream over`,
      null,
    );
    await this.redis.del(this.keys.stream);
    return logNewest;
  }

  async #append(base: number, events: readonly EventRow[]): Promise<void> {
    const args: (string | number)[] = [this.options.maxLength, String(base)];
    for (const event of events) args.push(String(event.id), encodeEvent(event));
    const top = Number(await this.redis.eval(APPEND_SCRIPT, 1, this.keys.stream, ...args));
    this.#appendedAt = Date.now();
    // another relay (whose lease ran out unnoticed) may have published further: skip past it
    this.#base = Math.max(events.at(-1)?.id ?? base, top);
  }

  async #maybePrune(): Promise<void> {
    if (Date.now() - this.#prunedAt < Math.min(this.options.retentionMs, 60_000)) return;
    this.#prunedAt = Date.now();
    await this.data.log.pruneLog(this.options.retentionMs);
  }

  /** Gives the lease up (clean stop), so another instance publishes without waiting for it to run out. */
  async release(): Promise<void> {
    const wasLeader = this.isLeader;
    this.#resign();
    await this.#stepping?.catch(() => {});
    if (wasLeader) await this.redis.eval(RELEASE_SCRIPT, 1, this.keys.lease, this.options.instanceId);
  }
}
