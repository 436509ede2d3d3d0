import { AppError, type DataLayer, type EventRow, type Prisma } from '../db/index.js';
import { type EventBus, type LiveQueue, type LiveQueueOptions, SubscriberOverflowError } from './bus.js';
import type { SessionToken, SessionWatch, SessionWatcher } from './sessions.js';

/** The last item of a stream the server ends: the subscription ends with it, with a reason. */
export class StreamEnd {
  constructor(
    readonly code: 'SUBSCRIBER_TOO_SLOW' | 'UNAUTHENTICATED',
    readonly message: string,
    /** The id of the last event this subscriber was sent (its cursor to resume from). */
    readonly lastEventId: number,
  ) {}
}

/** The end of a stream whose subscriber fell behind. */
export class StreamOverflow extends StreamEnd {
  constructor(message: string, lastEventId: number) {
    super('SUBSCRIBER_TOO_SLOW', message, lastEventId);
  }
}

/** Why a live queue was closed when the subscriber's token stopped being valid. */
class SessionEndedError extends Error {}

export interface EventFilter {
  model?: string;
  kind?: 'SAVE' | 'DELETE';
  rowId?: number;
  createdOnly?: boolean;
  /** null: every audience (STAFF); else only these audiences. */
  audiences: string[] | null;
}

export function matches(filter: EventFilter, event: EventRow): boolean {
  return (
    (filter.model === undefined || event.model === filter.model) &&
    (filter.kind === undefined || event.kind === filter.kind) &&
    (filter.rowId === undefined || event.rowId === filter.rowId) &&
    (!filter.createdOnly || event.created) &&
    (filter.audiences === null || filter.audiences.includes(event.audience))
  );
}

function whereOf(filter: EventFilter): Prisma.EventWhereInput {
  return {
    ...(filter.model !== undefined && { model: filter.model }),
    ...(filter.kind !== undefined && { kind: filter.kind }),
    ...(filter.rowId !== undefined && { rowId: filter.rowId }),
    ...(filter.createdOnly && { created: true }),
    ...(filter.audiences !== null && { audience: { in: filter.audiences } }),
  };
}

export interface StreamOptions {
  bus: EventBus;
  data: DataLayer;
  filter: EventFilter;
  /** Replay every later event first (the event id of the client's last cursor). */
  after: number | null;
  /** Live events a subscriber may fall behind before it is closed. */
  capacity: number;
  retentionMs: number;
  /** The token the subscription was authorized with, and who watches it. */
  session?: { token: SessionToken; watch: SessionWatch };
}

const PAGE = 500;

function describe(ms: number): string {
  if (ms >= 3_600_000) return `${Math.round(ms / 3_600_000)} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 1000)} s`;
}

/** A live queue's last item when it was closed with a reason. */
function endOf(error: Error, lastId: number): StreamEnd | null {
  if (error instanceof SubscriberOverflowError) return new StreamOverflow(error.message, lastId);
  if (error instanceof SessionEndedError) return new StreamEnd('UNAUTHENTICATED', error.message, lastId);
  return null;
}

/**
 * Resume-by-cursor with no gap and no duplicate: listen to live events first (buffered), replay
 * the later events from the Event table, then drain the buffer, skipping cursors already sent.
 * Without a cursor the subscriber's stream is its live queue itself.
 */
export function eventStream(options: StreamOptions): AsyncIterableIterator<EventRow | StreamEnd> {
  const listener = new StreamListener(options.filter, options.capacity, options.session);
  const live = options.bus.listen<StreamEnd>(listener);
  listener.start(live);
  if (options.after === null) return live;
  live.resumeAfter(options.after);
  return new ReplayThenLive(options, options.after, live);
}

/**
 * A subscriber's live queue options: its filter, and its session's watcher, which closes the
 * queue when the token ends and stops watching when the queue closes (returned, failed or
 * ended). Methods, not closures: 10,000 idle subscribers hold one of these each.
 */
class StreamListener implements LiveQueueOptions<StreamEnd>, SessionWatcher {
  readonly filter: EventFilter;
  #live: LiveQueue<StreamEnd> | null = null;

  constructor(
    filter: EventFilter,
    readonly capacity: number,
    private readonly session: StreamOptions['session'],
  ) {
    // one shape for every subscriber's filter (a spread's copy can get a hidden class of its own)
    this.filter = {
      model: filter.model,
      kind: filter.kind,
      rowId: filter.rowId,
      createdOnly: filter.createdOnly,
      audiences: filter.audiences,
    };
  }

  accepts(event: EventRow): boolean {
    return matches(this.filter, event);
  }

  endOf(error: Error, lastId: number): StreamEnd | null {
    return endOf(error, lastId);
  }

  /** Watches the session (a token already ended closes the queue at once). */
  start(live: LiveQueue<StreamEnd>): void {
    this.#live = live;
    this.session?.watch.watch(this.session.token, this);
  }

  sessionEnded(message: string): void {
    this.#live?.fail(new SessionEndedError(message));
  }

  onClose(): void {
    if (this.session) this.session.watch.unwatch(this.session.token, this);
  }
}

/**
 * The stream of a subscriber with a cursor: pages of the log first, then its live queue. An
 * iterator, not an async generator: a generator waiting for a live event cannot be stopped by
 * return() (the call queues behind the await), so a disconnected subscriber would stay listening.
 */
class ReplayThenLive implements AsyncIterableIterator<EventRow | StreamEnd> {
  #page: EventRow[] = [];
  #more = true;
  #checked = false;
  #returned = false;
  #last: number;
  readonly #where: Prisma.EventWhereInput;

  constructor(
    private readonly options: StreamOptions,
    after: number,
    private readonly live: LiveQueue<StreamEnd>,
  ) {
    this.#last = after;
    this.#where = whereOf(options.filter);
  }

  async next(): Promise<IteratorResult<EventRow | StreamEnd>> {
    for (;;) {
      if (this.#returned) return { value: undefined, done: true };
      if (this.live.failed && (this.#more || this.#page.length > 0)) {
        // its token ended (or it fell behind) during the replay: the end, naming the last event
        // sent, comes now, not after the rest of the backlog (a revoked token must not get more)
        this.#page = [];
        this.#more = false;
        // the last page read set it to the page's end; nothing came from the queue yet
        this.live.lastId = this.#last;
        return this.live.next();
      }
      const event = this.#page.shift();
      if (event) {
        this.#last = event.id;
        return { value: event, done: false };
      }
      if (!this.#more) return this.live.next();
      try {
        await this.#read();
      } catch (error) {
        this.#more = false;
        await this.live.return();
        throw error;
      }
    }
  }

  async #read(): Promise<void> {
    const { data } = this.options;
    if (!this.#checked) {
      await checkCursor(data, this.#last, this.options.retentionMs);
      this.#checked = true;
    }
    const page = await data.log.readLog({ after: this.#last, limit: PAGE, where: this.#where });
    this.#page = page;
    if (page.length < PAGE) {
      this.#more = false;
      // the live queue drops what the replay delivers, and an end it gives names this cursor
      this.live.resumeAfter(page.at(-1)?.id ?? this.#last);
    }
  }

  return(): Promise<IteratorResult<EventRow | StreamEnd>> {
    this.#page = [];
    this.#more = false;
    this.#returned = true;
    return this.live.return();
  }

  async throw(error: unknown): Promise<IteratorResult<EventRow | StreamEnd>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<EventRow | StreamEnd> {
    return this;
  }
}

/** Refuses a cursor the log has not reached, or one from before the retention. */
async function checkCursor(data: DataLayer, after: number, retentionMs: number): Promise<void> {
  const bounds = await data.log.logBounds();
  if (after > (bounds?.newest ?? 0)) {
    throw new AppError(
      'BAD_USER_INPUT',
      'after: this cursor is ahead of the event log (a restored backup, or not a cursor this server ' +
        'issued): refetch the data, then subscribe without after',
      { field: 'after', reason: 'CURSOR_AHEAD' },
    );
  }
  if (bounds && after < bounds.oldest - 1) {
    throw new AppError(
      'BAD_USER_INPUT',
      `after: this cursor is older than the event retention (${describe(retentionMs)}): ` +
        'refetch the data, then subscribe without after',
      { field: 'after', reason: 'CURSOR_EXPIRED' },
    );
  }
}
