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
  const data = rows.map((row) => ({
    model,
    kind,
    rowId: row.id,
    created,
    updateFields: updateFields ? JSON.stringify(updateFields) : null,
    audience: audienceOf(model, row),
  }));
  for (let i = 0; i < data.length; i += 500) {
    state.events.push(...(await state.raw.event.createManyAndReturn({ data: data.slice(i, i + 500) })));
  }
}
