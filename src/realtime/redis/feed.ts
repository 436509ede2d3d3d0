import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { DataLayer, EventRow } from '../../db/index.js';
import type { EventBus } from '../bus.js';
import { type EventFeed, follows } from '../feed.js';
import { type RedisConnections, redisConnections } from './connections.js';
import { Relay } from './relay.js';
import { cursorOfId, decodeEntry, keysOf, laterId, type RedisKeys } from './stream.js';

export interface RedisFeedOptions {
  url: string;
  /** Prefix of every key and channel: deployments sharing one Redis keep apart by it. */
  prefix: string;
  /** How often the relay lease is renewed or claimed, and the log read without a nudge. */
  pollMs: number;
  retentionMs: number;
  leaseMs?: number;
  maxLength?: number;
  logError: (message: string, error: unknown) => void;
}

const PAGE = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** XREAD waits at most this long, so a stop or a lost connection is noticed. */
const BLOCK_MS = 2_000;

/**
 * The bus fed through Redis: this instance reads the stream the relay writes (whichever
 * instance holds the lease) and delivers to its local subscribers in cursor order, each event
 * once. A gap (an entry whose predecessor this instance never delivered) is back-filled from the
 * event log first, so nothing is lost when Redis drops entries or data; lower cursors are dropped
 * as duplicates. While Redis is down, events wait in the log and flow when it is back.
 */
export class RedisFeed implements EventFeed {
  readonly #keys: RedisKeys;
  readonly #redis: RedisConnections;
  readonly #relay: Relay;
  /** The last cursor delivered to the local bus; null before the start-up read. */
  #last: number | null = null;
  /** The newest stream id read (marks carry ids past their cursor). */
  #readFrom = '0-0';
  /** Deliveries run one at a time, in cursor order. */
  #serial: Promise<void> = Promise.resolve();
  #loop: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  /**
   * Settles when stop() is called. The read loop races its XREAD against it: ioredis does not
   * reject a command queued while the connection waits to reconnect when disconnect() comes then,
   * so without the race a stop during a Redis outage would wait forever.
   */
  #stop: () => void = () => {};
  readonly #stopping = new Promise<null>((resolve) => {
    this.#stop = () => resolve(null);
  });

  constructor(
    private readonly data: DataLayer,
    private readonly bus: EventBus,
    private readonly options: RedisFeedOptions,
  ) {
    this.#keys = keysOf(options.prefix);
    this.#redis = redisConnections(options.url, options.logError);
    const instanceId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#relay = new Relay(this.#redis.command, data, this.#keys, {
      instanceId,
      leaseMs: options.leaseMs ?? 3_000,
      maxLength: options.maxLength ?? 10_000,
      retentionMs: options.retentionMs,
      logError: options.logError,
    });
  }

  get lastPublished(): number | null {
    return this.#last;
  }

  /** Whether this instance holds the relay lease now. */
  get isRelay(): boolean {
    return this.#relay.isLeader;
  }

  start(): void {
    if (this.#loop) return;
    this.#stopped = false;
    this.#loop = this.#init().then(() => this.#read());
    this.#timer = setInterval(() => void this.#tick(), this.options.pollMs);
    this.#timer.unref();
    this.#redis.command.on('ready', () => void this.#tick());
    void this.#redis.subscriber.subscribe(this.#keys.nudge).catch(() => {});
    this.#redis.subscriber.on('message', () => void this.#kick());
  }

  async #init(): Promise<void> {
    try {
      // what is in the log now is history, for replay by cursor; live delivery starts after it
      this.#last = (await this.data.log.logBounds())?.newest ?? 0;
    } catch (error) {
      this.options.logError('[signalyard] redis feed: start-up read of the event log failed:', error);
      this.#last = 0;
    }
    this.#readFrom = `${this.#last}-0`;
  }

  #tick(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return this.#relay.tick().catch((error: unknown) => this.#failed('relay', error));
  }

  #kick(local?: readonly EventRow[]): Promise<void> {
    return this.#relay.kick(local).catch((error: unknown) => this.#failed('relay', error));
  }

  /** An outage is reported once, by the connection; other failures each time. */
  #failed(what: string, error: unknown): void {
    if (this.#stopped || !this.#redis.ready()) return;
    this.options.logError(`[signalyard] redis ${what} failed:`, error);
  }

  readonly onCommitted = (events: EventRow[]): void => {
    // this instance's own subscribers need not wait for the round trip through Redis
    if (this.#last !== null && follows(this.#last, events)) this.#deliver(events);
    if (this.#relay.isLeader) void this.#kick(events);
    else void this.#redis.command.publish(this.#keys.nudge, '1').catch(() => {});
  };

  async #read(): Promise<void> {
    while (!this.#stopped) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        const from = laterId(this.#readFrom, `${this.#last ?? 0}-0`);
        reply = await Promise.race([
          this.#redis.blocking.xread('COUNT', PAGE, 'BLOCK', BLOCK_MS, 'STREAMS', this.#keys.stream, from),
          this.#stopping,
        ]);
        if (this.#stopped) return;
      } catch (error) {
        if (this.#stopped) return;
        this.#failed('stream read', error);
        await sleep(250);
        continue;
      }
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) continue;
      // a failed back-fill (the database did not answer) is retried from the same entry, not at once
      if (!(await this.#serialized(() => this.#apply(entries)))) await sleep(250);
    }
  }

  /** Runs `fn` after the deliveries before it; resolves false when it failed (logged). */
  #serialized(fn: () => Promise<void>): Promise<boolean> {
    const run = this.#serial.then(fn).then(
      () => true,
      (error: unknown) => {
        this.options.logError('[signalyard] redis feed: delivery failed:', error);
        return false;
      },
    );
    this.#serial = run.then(() => {});
    return run;
  }

  async #apply(entries: [string, string[]][]): Promise<void> {
    for (const [id, fields] of entries) {
      const entry = decodeEntry(fields);
      if (entry?.kind === 'mark') {
        await this.#fill(Math.min(entry.upTo, cursorOfId(id)));
      } else if (entry) {
        // a gap: something between the last delivered and this entry never came through Redis
        if (entry.prev > (this.#last ?? 0)) await this.#fill(entry.prev);
        this.#deliver([entry.event]);
      }
      // only past an entry once it is handled: a failed back-fill reads the entry again
      this.#readFrom = laterId(this.#readFrom, id);
    }
  }

  /** Delivers the log's events after the last delivered, up to `upTo`, from the database. */
  async #fill(upTo: number): Promise<void> {
    for (;;) {
      const after = this.#last ?? 0;
      if (after >= upTo) return;
      const page = await this.data.log.readLog({ after, limit: PAGE });
      this.#deliver(page.filter((event) => event.id <= upTo));
      if (page.length < PAGE) return;
    }
  }

  /** To the local bus, in cursor order; cursors already delivered are dropped. */
  #deliver(events: readonly EventRow[]): void {
    const fresh = events.filter((event) => event.id > (this.#last ?? 0));
    if (fresh.length === 0) return;
    this.bus.publish(fresh);
    this.#last = fresh.at(-1)?.id ?? this.#last;
  }

  /** Delivers everything committed so far, from the log (the stop sequence's flush). */
  async catchUp(): Promise<void> {
    if (this.#last === null) return this.#serial;
    await this.#serialized(() => this.#fill(Number.MAX_SAFE_INTEGER));
  }

  prune(): Promise<number> {
    return this.data.log.pruneLog(this.options.retentionMs);
  }

  problem(): Promise<{ part: string; reason: string } | null> {
    return this.#redis.problem();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stop();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#relay.release().catch(() => {});
    this.#redis.close();
    await this.#loop;
    await this.#serial;
  }
}
