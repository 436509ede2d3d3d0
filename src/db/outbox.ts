import type { EventRow } from './dialects/types.js';
import type { Frame } from './frames.js';
import type { ModelName } from './models.js';

/**
 * The outbox: every post_save and post_delete of the API's models writes an Event row in the
 * write's own transaction (a rolled-back savepoint takes its rows with it). The row id is the
 * subscribers' cursor; the audience says who may see it. After the commit the data layer hands
 * the rows to the event bus's log tailer, in commit order.
 */
export type { EventRow };
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

export interface EventEntry {
  row: Record<string, unknown> & { id: number };
  created: boolean;
  /** The fields the write set (after pre_save), null on create and delete. */
  updateFields: string[] | null;
}

/** Writes one Event row per entry, in the frame's transaction, and keeps them for after the commit. */
export async function recordEvents(
  frame: Frame,
  model: ModelName,
  kind: EventKind,
  entries: readonly EventEntry[],
): Promise<void> {
  if (!EVENT_MODELS.has(model) || entries.length === 0) return;
  const rows = await frame.unit.dialect.insertEvents(
    frame.conn,
    entries.map(({ row, created, updateFields }) => ({
      model,
      kind,
      rowId: row.id,
      created,
      updateFields: updateFields ? JSON.stringify(updateFields) : null,
      audience: audienceOf(model, row),
    })),
  );
  frame.events.push(...rows);
}
