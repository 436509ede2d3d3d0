import type { DataLayer, EventRow } from '../db/index.js';
import { EventBus } from './bus.js';
import { OutboxRelay } from './relay.js';
import { EventRowLoader } from './rows.js';
import { type EventFilter, eventStream, type StreamOverflow } from './stream.js';

export { SubscriberOverflowError } from './bus.js';
export { decodeCursor, encodeCursor } from './cursor.js';
export { type EventFilter, StreamOverflow } from './stream.js';
export { EventBus, EventRowLoader, OutboxRelay };

export interface RealtimeOptions {
  /** Live events one subscriber may fall behind before it is closed. */
  subscriberCapacity?: number;
  retentionMs: number;
  relayIntervalMs?: number;
  logError?: (message: string, error: unknown) => void;
}

/** The event bus, its relay and the shared row loader, for one data layer. */
export class Realtime {
  readonly bus = new EventBus();
  readonly rows: EventRowLoader;
  readonly relay: OutboxRelay;
  readonly #stopListening: () => void;

  constructor(
    readonly data: DataLayer,
    readonly options: RealtimeOptions,
  ) {
    this.rows = new EventRowLoader(data);
    this.relay = new OutboxRelay(data, this.bus, {
      intervalMs: options.relayIntervalMs ?? 1_000,
      graceMs: 2_000,
      retentionMs: options.retentionMs,
      logError: options.logError ?? ((m, e) => console.error(m, e)),
    });
    this.#stopListening = data.onCommittedEvents(this.relay.onCommitted);
  }

  start(): this {
    this.relay.start();
    return this;
  }

  async stop(): Promise<void> {
    this.#stopListening();
    await this.relay.stop();
  }

  /** Events matching `filter`: those after the cursor first, then live ones. */
  stream(filter: EventFilter, after: number | null): AsyncIterableIterator<EventRow | StreamOverflow> {
    return eventStream({
      bus: this.bus,
      data: this.data,
      filter,
      after,
      capacity: this.options.subscriberCapacity ?? 1_000,
      retentionMs: this.options.retentionMs,
    });
  }
}
