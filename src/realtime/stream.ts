import { AppError, type DataLayer, type EventRow, type Prisma } from '../db/index.js';
import { type EventBus, type LiveQueue, SubscriberOverflowError } from './bus.js';

/** The last item of a stream whose subscriber fell behind: the subscription ends with it. */
export class StreamOverflow {
  constructor(
    readonly message: string,
    /** The id of the last event this subscriber was sent (its cursor to resume from). */
    readonly lastEventId: number,
  ) {}
}

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
export function eventStream(options: StreamOptions): AsyncIterableIterator<EventRow | StreamOverflow> {
  const live = options.bus.listen((event) => matches(options.filter, event), options.capacity);
  const inner = replayThenLive(options, live);
  // An async generator waiting for the next live event cannot be stopped by return(): the call
  // queues behind the await, and a disconnected subscriber would stay listening forever. Closing
  // the live queue first ends that wait, then the generator finishes.
  return {
    next: () => inner.next(),
    return: async () => {
      await live.return();
      return inner.return(undefined);
    },
    throw: async (error: unknown) => {
      await live.return();
      return inner.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

async function* replayThenLive(
  options: StreamOptions,
  live: LiveQueue,
): AsyncGenerator<EventRow | StreamOverflow> {
  const { data, filter } = options;
  try {
    let last = options.after ?? 0;
    if (options.after !== null) {
      const oldest = await data.reader.event.findFirst({ orderBy: { id: 'asc' }, select: { id: true } });
      if (oldest && options.after < oldest.id - 1) {
        throw new AppError(
          'BAD_USER_INPUT',
          `after: this cursor is older than the event retention (${describe(options.retentionMs)}): ` +
            'refetch the data, then subscribe without after',
          { field: 'after', reason: 'CURSOR_EXPIRED' },
        );
      }
      const where = whereOf(filter);
      for (;;) {
        const page = await data.reader.event.findMany({
          where: { ...where, id: { gt: last } },
          orderBy: { id: 'asc' },
          take: PAGE,
        });
        for (const event of page) {
          last = event.id;
          yield event;
        }
        if (page.length < PAGE) break;
      }
    }
    try {
      for await (const event of live) {
        if (event.id <= last) continue; // already replayed, or published twice by the relay
        last = event.id;
        yield event;
      }
    } catch (error) {
      // Ends this subscription with a reason instead of an error that would tear down the
      // transport (a graphql-ws socket carries other subscriptions too).
      if (!(error instanceof SubscriberOverflowError)) throw error;
      yield new StreamOverflow(error.message, last);
    }
  } finally {
    await live.return();
  }
}
