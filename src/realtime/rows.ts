import DataLoader from 'dataloader';
import { type DataLayer, type EventRow, MODELS, type ModelName } from '../db/index.js';

type Row = Record<string, unknown> & { id: number };
/** Prisma's findMany called by model key: the loader serves every event model. */
type FindMany = (args: { where: { id: { in: number[] } } }) => Promise<Row[]>;

/**
 * Loads the row behind an event for every subscriber at once: one query per model per batch,
 * and the answer is kept for a short while keyed by the event, so 1,000 subscribers of one event
 * make one query, not 1,000. Each subscriber still applies its own selection and access checks.
 */
export class EventRowLoader {
  readonly #loader: DataLoader<string, Row | null>;
  readonly #expiry = new Map<string, number>();

  constructor(
    private readonly data: DataLayer,
    private readonly ttlMs = 2_000,
  ) {
    this.#loader = new DataLoader((keys) => this.#batch(keys), { maxBatchSize: 500 });
  }

  /** Queries that reached the database (for tests and benchmarks). */
  queries = 0;

  async #batch(keys: readonly string[]): Promise<(Row | null)[]> {
    const byModel = new Map<string, number[]>();
    for (const key of keys) {
      const [, model, id] = /^(\w+):(\d+)@\d+$/.exec(key) ?? [];
      if (!model || !id) continue;
      byModel.set(model, [...(byModel.get(model) ?? []), Number(id)]);
    }
    const found = new Map<string, Row>();
    for (const [model, ids] of byModel) {
      const meta = MODELS.get(model as ModelName);
      if (!meta) continue;
      const delegate = (this.data.reader as unknown as Record<string, { findMany: FindMany }>)[meta.key];
      if (!delegate) continue;
      this.queries += 1;
      for (const row of await delegate.findMany({ where: { id: { in: [...new Set(ids)] } } })) {
        found.set(`${model}:${row.id}`, row);
      }
    }
    return keys.map((key) => found.get(key.replace(/@\d+$/, '')) ?? null);
  }

  /** The row as it is just after the event (null when it is gone). */
  load(event: Pick<EventRow, 'id' | 'model' | 'rowId'>): Promise<Row | null> {
    const key = `${event.model}:${event.rowId}@${event.id}`;
    const now = Date.now();
    for (const [k, expires] of this.#expiry) {
      if (expires > now) break;
      this.#expiry.delete(k);
      this.#loader.clear(k);
    }
    if (!this.#expiry.has(key)) this.#expiry.set(key, now + this.ttlMs);
    return this.#loader.load(key);
  }
}
