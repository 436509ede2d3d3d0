import { AppError } from '../db/index.js';
import { type PostSaveArgs, type PreSaveArgs, postSave, preSave } from '../signals/index.js';

/**
 * The shop: before an order is saved the stock is checked and reserved (the seed article's
 * comparison was inverted; here an order of exactly the stock succeeds), after it is saved the
 * buyer is notified. All in the order's transaction: a rejection leaves no trace.
 */

export function formatOrderNumber(sequence: number): string {
  return `ORD-${String(sequence).padStart(6, '0')}`;
}

/** pre_save (create): validate the quantity, reserve stock atomically, assign the ordNumber. */
export async function reserveStock({ instance, created, tx }: PreSaveArgs<'Order'>): Promise<void> {
  if (!created) return;
  const quantity = instance.quantity;
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity <= 0) {
    throw new AppError('BAD_USER_INPUT', `quantity must be a whole number > 0, got ${String(quantity)}`, {
      field: 'quantity',
    });
  }
  const itemId = instance.inventoryItemId;
  if (typeof itemId !== 'number') throw new AppError('BAD_USER_INPUT', 'inventoryItemId is required');
  const item = await tx.inventoryItem.findUnique({ where: { id: itemId } });
  if (!item)
    throw new AppError('NOT_FOUND', `InventoryItem ${itemId} not found`, { field: 'inventoryItemId' });

  // A conditional decrement, never read-then-write: two orders cannot both take the last units.
  const reserved = await tx.inventoryItem.updateMany({
    where: { id: itemId, quantity: { gte: quantity } },
    data: { quantity: { decrement: quantity } },
  });
  if (reserved.count === 0) {
    const now = await tx.inventoryItem.findUnique({ where: { id: itemId }, select: { quantity: true } });
    const available = now?.quantity ?? 0;
    throw new AppError(
      'OUT_OF_STOCK',
      `Not enough '${item.item}' in stock: ${available} available, ${quantity} requested`,
      { item: item.item, available, requested: quantity },
    );
  }
  // Readable and unique: one more than the highest order id (writes are serialised on SQLite;
  // the unique index on ordNumber is the backstop elsewhere).
  const last = await tx.order.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
  instance.ordNumber = formatOrderNumber((last?.id ?? 0) + 1);
}

/** pre_save (update): cancelling returns the stock, once. */
export async function returnStockOnCancel({ instance, previous, tx }: PreSaveArgs<'Order'>): Promise<void> {
  if (!previous) return;
  if (previous.status !== 'PLACED' || instance.status !== 'CANCELLED') return;
  await tx.inventoryItem.update({
    where: { id: previous.inventoryItemId },
    data: { quantity: { increment: previous.quantity } },
  });
}

/** post_save (create): the buyer's notification, in the same transaction. */
export async function notifyBuyer({ instance, created, tx }: PostSaveArgs<'Order'>): Promise<void> {
  if (!created) return;
  const item = await tx.inventoryItem.findUnique({
    where: { id: instance.inventoryItemId },
    select: { item: true },
  });
  await tx.notification.create({
    data: {
      userId: instance.orderedById,
      orderId: instance.id,
      message: `Order ${instance.ordNumber} received: ${instance.quantity} × ${item?.item ?? 'item'}`,
    },
  });
}

export function registerOrderReceivers(): void {
  preSave.connect(reserveStock, { sender: 'Order', dispatchUid: 'order.reserveStock' });
  preSave.connect(returnStockOnCancel, { sender: 'Order', dispatchUid: 'order.returnStockOnCancel' });
  postSave.connect(notifyBuyer, { sender: 'Order', dispatchUid: 'order.notifyBuyer' });
}
