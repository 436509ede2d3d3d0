import type { DataLayer, EventRow } from '../db/index.js';
import type { EventBus } from './bus.js';

export interface RelayOptions {
  /** How often the relay runs. */
  intervalMs: number;
  /** An unpublished event younger than this is left to the after-commit path. */
  graceMs: number;
  /** Events older than this are pruned (the newest one is always kept: it anchors cursor checks). */
  retentionMs: number;
  logError: (message: string, error: unknown) => void;
}

/**
 * The outbox relay. Events are published right after their commit; the relay then marks them
 * published, re-publishes committed events nobody published (a crash between commit and
 * publish, or a write made by another process such as a seed script), and prunes old events.
 * Delivery is at least once: subscribers drop cursors they have already sent.
 */
export class OutboxRelay {
  #pending = new Set<number>();
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #lastPrune = 0;

  constructor(
    private readonly data: DataLayer,
    private readonly bus: EventBus,
    private readonly options: RelayOptions,
  ) {}

  /** Called with each commit's events, while the writer is still held: publish in commit order. */
  readonly onCommitted = (events: EventRow[]): void => {
    this.bus.publish(events);
    for (const event of events) this.#pending.add(event.id);
  };

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** One pass: mark, re-publish, prune. Runs one at a time. */
  tick(): Promise<void> {
    this.#running ??= this.#tick()
      .catch((error: unknown) => this.options.logError('[signalyard] outbox relay pass failed:', error))
      .finally(() => {
        this.#running = null;
      });
    return this.#running;
  }

  async #tick(): Promise<void> {
    const { db } = this.data;
    const done = [...this.#pending];
    this.#pending.clear();
    for (let i = 0; i < done.length; i += 500) {
      await db.event.updateMany({
        where: { id: { in: done.slice(i, i + 500) } },
        data: { publishedAt: new Date() },
      });
    }
    for (;;) {
      const missed = await this.data.reader.event.findMany({
        where: { publishedAt: null, createdAt: { lt: new Date(Date.now() - this.options.graceMs) } },
        orderBy: { id: 'asc' },
        take: 500,
      });
      if (missed.length === 0) break;
      this.bus.publish(missed);
      await db.event.updateMany({
        where: { id: { in: missed.map((e) => e.id) } },
        data: { publishedAt: new Date() },
      });
    }
    if (Date.now() - this.#lastPrune > Math.min(this.options.retentionMs, 60_000)) {
      this.#lastPrune = Date.now();
      await this.prune();
    }
  }

  /** Deletes events older than the retention, keeping the newest event. */
  async prune(): Promise<number> {
    const newest = await this.data.reader.event.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
    if (!newest) return 0;
    const { count } = await this.data.db.event.deleteMany({
      where: { createdAt: { lt: new Date(Date.now() - this.options.retentionMs) }, id: { lt: newest.id } },
    });
    return count;
  }
}
