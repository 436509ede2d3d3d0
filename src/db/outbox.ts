import type { Event } from '../generated/prisma/client.js';
import type { TxState } from './context.js';
import type { ModelName } from './models.js';

/**
 * The outbox: every post_save and post_delete of the API's models writes an Event row in the
 * write's own transaction (a rollback leaves none). The row id is the subscribers' cursor; the
 * audience says who may see it. After the commit the data layer hands the rows to the event bus.
 */
export type EventRow = Event;
export type EventKind = 'SAVE' | 'DELETE';

export const EVENT_MODELS: ReadonlySet<ModelName> = new Set([
  'Warehouse',
  'Crate',
  'InventoryItem',
  'Order',
  'Notification',
]);

/** Everyone STAFF; a customer only the events of their own orders and notifications. */
export function audienceOf(model: ModelName, row: Record<string, unknown>): string {
  if (model === 'Order') return `user:${row.orderedById}`;
  if (model === 'Notification') return `user:${row.userId}`;
  return 'staff';
}

/** Writes one Event row per row, in the transaction, and keeps them for publication after commit. */
export async function recordEvents(
  state: TxState,
  model: ModelName,
  kind: EventKind,
  rows: Array<Record<string, unknown> & { id: number }>,
  created = false,
  updateFields: string[] | null = null,
): Promise<void> {
  if (!EVENT_MODELS.has(model) || rows.length === 0) return;
  const createdAt = new Date();
  const fields = updateFields ? JSON.stringify(updateFields) : null;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const slice = rows.slice(i, i + CHUNK);
    const params = slice.flatMap((row) => [
      model,
      kind,
      row.id,
      created ? 1 : 0,
      fields,
      audienceOf(model, row),
      createdAt.toISOString(), // the format Prisma itself stores DateTime in on SQLite
    ]);
    // WARNING: raw SQL, deliberately outside the pipeline: the outbox is the pipeline's own table
    // (no signals), and Prisma's createManyAndReturn took ~6x longer for the same rows
    // (bench/pipeline.ts). The columns and types must follow prisma/schema.prisma's Event.
    const inserted = await state.raw.$queryRawUnsafe<RawEvent[]>(
      `INSERT INTO "Event" ("model", "kind", "rowId", "created", "updateFields", "audience", "createdAt") VALUES ${slice
        .map(() => '(?, ?, ?, ?, ?, ?, ?)')
        .join(', ')} RETURNING "id", "rowId"`,
      ...params,
    );
    // RETURNING's order is not guaranteed: match by row (one event per row in a call).
    const idOf = new Map(inserted.map((r) => [Number(r.rowId), Number(r.id)]));
    slice.forEach((row) => {
      state.events.push({
        id: idOf.get(row.id) ?? Number.NaN,
        model,
        kind,
        rowId: row.id,
        created,
        updateFields: fields,
        audience: audienceOf(model, row),
        createdAt,
        publishedAt: null,
      });
    });
  }
}

/** Rows per INSERT: 7 parameters each stays under SQLite's bound-parameter limit. */
const CHUNK = 100;
type RawEvent = { id: number | bigint; rowId: number | bigint };
