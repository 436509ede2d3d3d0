import type { EventRow } from '../db/index.js';

/** Why a live subscription was closed by the server. */
export class SubscriberOverflowError extends Error {
  override name = 'SubscriberOverflowError';
}

export interface LiveQueueOptions<End> {
  /** Which events this subscriber wants (its filter and audience). */
  accepts: (event: EventRow) => boolean;
  /** Live events it may fall behind before it is closed. */
  capacity: number;
  /**
   * The last item of a queue closed by `fail`, given the id of the last event delivered; null:
   * `next()` rejects with the error instead.
   */
  endOf?: (error: Error, lastId: number) => End | null;
  /** Called once when the queue stops listening (returned, failed, or ended by its end item). */
  onClose?: () => void;
}

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * One subscriber's live events: a bounded buffer. A subscriber that falls `capacity` events
 * behind is closed with a reason (it resumes by cursor); it never slows the publisher or others.
 * An idle subscriber holds one pending promise, the one its `next()` returned, and a published
 * event settles it directly: no generator or wrapper sits between the bus and the transport.
 */
export class LiveQueue<End = never> implements AsyncIterableIterator<EventRow | End> {
  #buffer: EventRow[] = [];
  #waiting: ((result: IteratorResult<EventRow | End>) => void) | null = null;
  #failWaiting: ((error: Error) => void) | null = null;
  #error: Error | null = null;
  #closed = false;
  #ended = false;
  /** Events up to this id were delivered already (by a replay): dropped when they arrive live. */
  #through = 0;
  /** The id of the last event `next()` delivered. */
  lastId = 0;

  constructor(
    readonly options: LiveQueueOptions<End>,
    /** The bus's set of queues, which this one leaves when it closes. */
    private readonly queues: Set<Pick<LiveQueue, 'accepts' | 'push'>>,
  ) {}

  /** Closed with a reason (`fail`): its end comes next, whatever a replay still has to send. */
  get failed(): boolean {
    return this.#error !== null;
  }

  accepts(event: EventRow): boolean {
    return this.options.accepts(event);
  }

  /** From now on, drops events up to `id` (a replay delivered them), buffered ones included. */
  resumeAfter(id: number): void {
    this.#through = Math.max(this.#through, id);
    this.lastId = Math.max(this.lastId, id);
    if (this.#buffer.length > 0) this.#buffer = this.#buffer.filter((e) => e.id > this.#through);
  }

  push(event: EventRow): void {
    if (this.#closed || event.id <= this.#through) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = null;
      this.#failWaiting = null;
      this.lastId = event.id;
      resolve({ value: event, done: false });
      return;
    }
    if (this.#buffer.length >= this.options.capacity) {
      this.fail(
        new SubscriberOverflowError(
          `subscriber fell ${this.options.capacity} events behind and was closed: resubscribe with after: <last cursor received>`,
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
    this.#close();
    if (this.#waiting && this.#failWaiting) {
      const resolve = this.#waiting;
      const reject = this.#failWaiting;
      this.#waiting = null;
      this.#failWaiting = null;
      this.#settleFailed(resolve, reject);
    }
  }

  #settleFailed(
    resolve: (result: IteratorResult<EventRow | End>) => void,
    reject: (error: Error) => void,
  ): void {
    const error = this.#error as Error;
    if (this.#ended) {
      resolve(DONE);
      return;
    }
    this.#ended = true;
    const end = this.options.endOf?.(error, this.lastId) ?? null;
    if (end === null) reject(error);
    else resolve({ value: end, done: false });
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.queues.delete(this);
    this.options.onClose?.();
  }

  next(): Promise<IteratorResult<EventRow | End>> {
    const event = this.#buffer.shift();
    if (event) {
      this.lastId = event.id;
      return Promise.resolve({ value: event, done: false });
    }
    if (this.#error) {
      return new Promise((resolve, reject) => this.#settleFailed(resolve, reject));
    }
    if (this.#closed) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<EventRow | End>> {
    this.#buffer = [];
    this.#ended = true;
    this.#close();
    this.#waiting?.(DONE);
    this.#waiting = null;
    this.#failWaiting = null;
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<EventRow | End> {
    return this;
  }
}

/**
 * The event bus of this process: committed outbox rows (from the log tailer or the Redis feed)
 * are handed to every live subscriber's queue, in publish order. A set of queues rather than an
 * EventTarget: no event object per publish, no listener closure per subscriber, and a
 * subscriber leaves in O(1) (EventTarget's removeEventListener scans, so 10,000 leaving was
 * quadratic).
 */
export class EventBus {
  readonly #queues = new Set<Pick<LiveQueue, 'accepts' | 'push'>>();

  get subscriberCount(): number {
    return this.#queues.size;
  }

  publish(events: readonly EventRow[]): void {
    for (const event of events) {
      // a queue that fails while receiving leaves the set; a Set's iteration allows that
      for (const queue of this.#queues) {
        if (queue.accepts(event)) queue.push(event);
      }
    }
  }

  /** Starts buffering matching events at once; iterate the queue to receive them. */
  listen<End = never>(options: LiveQueueOptions<End>): LiveQueue<End> {
    const queue = new LiveQueue<End>(options, this.#queues);
    this.#queues.add(queue);
    return queue;
  }
}
