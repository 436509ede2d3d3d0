import { AppError, type DataLayer, type EventRow, type Prisma } from '../db/index.js';
import { type EventBus, type LiveQueue, SubscriberOverflowError } from './bus.js';
import type { SessionToken, SessionWatch } from './sessions.js';

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

/**
 * Resume-by-cursor with no gap and no duplicate: listen to live events first (buffered), replay
 * the later events from the Event table, then drain the buffer, skipping cursors already sent.
 */
export function eventStream(options: StreamOptions): AsyncIterableIterator<EventRow | StreamEnd> {
  const live = options.bus.listen((event) => matches(options.filter, event), options.capacity);
  const unwatch = options.session?.watch.watch(options.session.token, (message) =>
    live.fail(new SessionEndedError(message)),
  );
  const inner = replayThenLive(options, live, () => unwatch?.());
  // An async generator waiting for the next live event cannot be stopped by return(): the call
  // queues behind the await, and a disconnected subscriber would stay listening forever. Closing
  // the live queue first ends that wait, then the generator finishes.
  return {
    next: () => inner.next(),
    return: async () => {
      unwatch?.();
      await live.return();
      return inner.return(undefined);
    },
    throw: async (error: unknown) => {
      unwatch?.();
      await live.return();
      return inner.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
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

async function* replayThenLive(
  options: StreamOptions,
  live: LiveQueue,
  unwatch: () => void,
): AsyncGenerator<EventRow | StreamEnd> {
  const { data, filter } = options;
  let last = options.after ?? 0;
  try {
    if (options.after !== null) {
      await checkCursor(data, options.after, options.retentionMs);
      const where = whereOf(filter);
      for (;;) {
        const page = await data.log.readLog({ after: last, limit: PAGE, where });
        for (const event of page) {
          last = event.id;
          yield event;
        }
        if (page.length < PAGE) break;
      }
    }
    for await (const event of live) {
      if (event.id <= last) continue; // already replayed
      last = event.id;
      yield event;
    }
  } catch (error) {
    // Ends this subscription with a reason instead of an error that would tear down the
    // transport (a graphql-ws socket carries other subscriptions too).
    if (error instanceof SubscriberOverflowError) yield new StreamOverflow(error.message, last);
    else if (error instanceof SessionEndedError) yield new StreamEnd('UNAUTHENTICATED', error.message, last);
    else throw error;
  } finally {
    unwatch();
    await live.return();
  }
}
