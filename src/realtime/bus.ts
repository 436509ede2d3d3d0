import { setMaxListeners } from 'node:events';
import { createPubSub, type PubSubEventTarget } from '@graphql-yoga/subscription';
import type { EventRow } from '../db/index.js';

type Channels = { event: [EventRow] };

/** Why a live subscription was closed by the server. */
export class SubscriberOverflowError extends Error {
  override name = 'SubscriberOverflowError';
}

/**
 * One subscriber's live events: a bounded buffer. A subscriber that falls `capacity` events
 * behind is closed with a reason (it resumes by cursor); it never slows the publisher or others.
 */
export class LiveQueue implements AsyncIterableIterator<EventRow> {
  #buffer: EventRow[] = [];
  #waiting: ((result: IteratorResult<EventRow>) => void) | null = null;
  #failWaiting: ((error: Error) => void) | null = null;
  #error: Error | null = null;
  #closed = false;

  constructor(
    readonly capacity: number,
    private readonly onClose: () => void,
  ) {}

  push(event: EventRow): void {
    if (this.#closed) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = null;
      this.#failWaiting = null;
      resolve({ value: event, done: false });
      return;
    }
    if (this.#buffer.length >= this.capacity) {
      this.fail(
        new SubscriberOverflowError(
          `subscriber fell ${this.capacity} events behind and was closed: resubscribe with after: <last cursor received>`,
        ),
      );
      return;
    }
    this.#buffer.push(event);
  }

  fail(error: Error): void {
    if (this.#closed) return;
    this.#error = error;
    this.#buffer = [];
    this.#closeListener();
    if (this.#failWaiting) {
      const reject = this.#failWaiting;
      this.#waiting = null;
      this.#failWaiting = null;
      reject(error);
    }
  }

  #closeListener(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.onClose();
  }

  next(): Promise<IteratorResult<EventRow>> {
    const event = this.#buffer.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.#error) return Promise.reject(this.#error);
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<EventRow>> {
    this.#buffer = [];
    this.#closeListener();
    this.#waiting?.({ value: undefined, done: true });
    this.#waiting = null;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<EventRow> {
    return this;
  }
}

/**
 * The event bus: committed outbox rows are published through graphql-yoga's pub/sub on an
 * EventTarget (in memory now; a Redis event target fans out across instances later).
 */
export class EventBus {
  readonly #target: PubSubEventTarget<Channels>;
  readonly #pubsub;
  #listeners = 0;

  constructor(target: PubSubEventTarget<Channels> = new EventTarget() as PubSubEventTarget<Channels>) {
    // one listener per live subscriber: thousands are expected, not a leak
    setMaxListeners(0, target);
    this.#target = target;
    this.#pubsub = createPubSub<Channels>({ eventTarget: target });
  }

  get subscriberCount(): number {
    return this.#listeners;
  }

  publish(events: readonly EventRow[]): void {
    for (const event of events) this.#pubsub.publish('event', event);
  }

  /** Starts buffering matching events at once; iterate the queue to receive them. */
  listen(filter: (event: EventRow) => boolean, capacity: number): LiveQueue {
    const listener = (e: CustomEvent<EventRow>) => {
      if (filter(e.detail)) queue.push(e.detail);
    };
    const queue = new LiveQueue(capacity, () => {
      this.#target.removeEventListener('event', listener);
      this.#listeners -= 1;
    });
    this.#target.addEventListener('event', listener);
    this.#listeners += 1;
    return queue;
  }
}
