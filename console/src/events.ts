/** The console's event list: one element per event, newest first, each with its data-cursor. */

export interface SaveEvent {
  cursor: string;
  model: string;
  created: boolean;
  updateFields: string[] | null;
  node: { id: string; name?: string; item?: string; ordNumber?: string; message?: string } | null;
}
export interface DeleteEvent {
  cursor: string;
  model: string;
  id: string;
}

export const SAVES = `subscription ConsoleSaves($after: String) {
  postSave(after: $after) {
    cursor model created updateFields
    node {
      id
      ... on Warehouse { name }
      ... on Crate { name }
      ... on InventoryItem { item }
      ... on Order { ordNumber }
      ... on Notification { message }
    }
  }
}`;

export const DELETES = `subscription ConsoleDeletes($after: String) {
  postDelete(after: $after) { cursor model id }
}`;

/**
 * Where an event goes in the list. The save and delete streams arrive separately, so the list
 * orders by the event id inside the cursor (this page is the server's own: it may know the
 * format that clients treat as opaque); an unknown format keeps arrival order.
 */
function orderOf(cursor: string): number {
  try {
    const match = /^event:(\d+)$/.exec(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
    return match?.[1] ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function nameOf(node: SaveEvent['node']): string {
  return node?.name ?? node?.item ?? node?.ordNumber ?? node?.message ?? '';
}

/** A long session keeps the newest events only; Replay brings back older ones. */
const KEEP = 1_000;

export class EventList {
  constructor(private readonly list: HTMLOListElement) {}

  clear(): void {
    this.list.replaceChildren();
  }

  save(event: SaveEvent): void {
    const what = event.created ? 'created' : `updated ${event.updateFields?.join(', ') ?? ''}`.trim();
    this.add(event.cursor, event.model, what, event.node ? nameOf(event.node) : '(gone)');
  }

  delete(event: DeleteEvent): void {
    this.add(event.cursor, event.model, 'deleted', event.id);
  }

  private add(cursor: string, model: string, what: string, name: string): void {
    if (this.list.querySelector(`li[data-cursor="${CSS.escape(cursor)}"]`)) return;
    const item = document.createElement('li');
    item.dataset.cursor = cursor;
    item.dataset.model = model;
    const cells: Array<[string, string]> = [
      ['model', model],
      ['what', what],
      ['name', name],
      ['cursor', cursor],
    ];
    for (const [cls, text] of cells) {
      const span = document.createElement(cls === 'cursor' ? 'code' : 'span');
      span.className = cls;
      span.textContent = text;
      item.append(span, ' ');
    }
    const order = orderOf(cursor);
    const later = Number.isNaN(order)
      ? null
      : [...this.list.children].find((li) => orderOf((li as HTMLElement).dataset.cursor ?? '') < order);
    this.list.insertBefore(item, later ?? (Number.isNaN(order) ? this.list.firstChild : null));
    while (this.list.children.length > KEEP) this.list.lastElementChild?.remove();
  }
}
