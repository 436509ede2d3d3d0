import type { DataLayer, EventRow } from '../db/index.js';
import { EventBus } from './bus.js';
import type { EventFeed } from './feed.js';
import { RedisFeed } from './redis/feed.js';
import { EventRowLoader } from './rows.js';
import { type SessionToken, SessionWatch } from './sessions.js';
import { type EventFilter, eventStream, type StreamEnd } from './stream.js';
import { LogTailer } from './tailer.js';

export { SubscriberOverflowError } from './bus.js';
export { decodeCursor, encodeCursor } from './cursor.js';
export type { EventFeed } from './feed.js';
export type { SessionToken } from './sessions.js';
export { type EventFilter, StreamEnd, StreamOverflow } from './stream.js';
export { EventBus, EventRowLoader, LogTailer, RedisFeed, SessionWatch };

export interface RealtimeOptions {
  /** Live events one subscriber may fall behind before it is closed. */
  subscriberCapacity?: number;
  retentionMs: number;
  /** How often the event log is read for other processes' commits (default 200 ms). */
  pollMs?: number;
  /** @deprecated the relay is gone; read as `pollMs`. */
  relayIntervalMs?: number;
  /** How often live subscriptions' tokens are checked for revocation, in one query (default 5 s). */
  sessionCheckMs?: number;
  logError?: (message: string, error: unknown) => void;
  /** Events fan out across instances through this Redis (REDIS_URL); without it, in this process. */
  redis?: { url: string; prefix: string } | null;
}

/**
 * The event bus, what feeds it (the log tailer, or the Redis feed and its relay), the shared row
 * loader and the session watch, for one data layer.
 */
export class Realtime {
  readonly bus = new EventBus();
  readonly rows: EventRowLoader;
  /** What delivers committed events to the bus (named for the in-process log tailer). */
  readonly tailer: EventFeed;
  readonly sessions: SessionWatch;
  readonly #stopListening: () => void;

  constructor(
    readonly data: DataLayer,
    readonly options: RealtimeOptions,
  ) {
    const logError = options.logError ?? ((m, e) => console.error(m, e));
    this.rows = new EventRowLoader(data);
    const pollMs = options.pollMs ?? options.relayIntervalMs ?? 200;
    this.tailer = options.redis
      ? new RedisFeed(data, this.bus, {
          ...options.redis,
          pollMs,
          retentionMs: options.retentionMs,
          logError,
        })
      : new LogTailer(data, this.bus, { pollMs, retentionMs: options.retentionMs, logError });
    this.sessions = new SessionWatch(data, options.sessionCheckMs ?? 5_000, logError);
    this.#stopListening = data.onCommittedEvents(this.tailer.onCommitted);
  }

  start(): this {
    this.tailer.start();
    return this;
  }

  async stop(): Promise<void> {
    this.#stopListening();
    this.sessions.stop();
    await this.tailer.stop();
  }

  /**
   * Events matching `filter`: those after the cursor first, then live ones, in cursor order.
   * With a session token the stream ends (UNAUTHENTICATED) when the token expires or is revoked.
   */
  stream(
    filter: EventFilter,
    after: number | null,
    options: { session?: SessionToken | null } = {},
  ): AsyncIterableIterator<EventRow | StreamEnd> {
    return eventStream({
      bus: this.bus,
      data: this.data,
      filter,
      after,
      capacity: this.options.subscriberCapacity ?? 1_000,
      retentionMs: this.options.retentionMs,
      session: options.session ? { token: options.session, watch: this.sessions } : undefined,
    });
  }
}
