import { AppError, nextSequenceValue } from '../db/index.js';
import { type PostSaveArgs, type PreSaveArgs, postSave, preSave } from '../signals/index.js';

/**
 * The shop: before an order is saved the stock is checked and reserved (the seed article's
 * comparison was inverted; here an order of exactly the stock succeeds), after it is saved the
 * buyer is notified. All in the order's transaction: a rejection leaves no trace.
 */

/** Prisma's Int is a signed 32-bit integer: stock may not grow past it. */
const MAX_INT = 2_147_483_647;

export function formatOrderNumber(sequence: number): string {
  return `ORD-${String(sequence).padStart(6, '0')}`;
}

/**
 * pre_save (create): validate the quantity, reserve stock atomically (none for an order created
 * as CANCELLED), assign the ordNumber from the "order" sequence: unique for every row of a
 * createMany, and never handed out again, even after the newest order is deleted.
 */
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
  if (instance.status !== 'CANCELLED') await reserve(tx, itemId, quantity);
  instance.ordNumber = formatOrderNumber(await nextSequenceValue(tx, 'order'));
}

/**
 * Item names the stock reservation read back, per transaction client, for the buyer's
 * notification in the same write: one read of the item fewer per order. A receiver's `tx` is
 * its write's own, so an entry never outlives that write.
 */
const reservedNames = new WeakMap<object, Map<number, string>>();

async function reserve(tx: PreSaveArgs<'Order'>['tx'], itemId: number, quantity: number): Promise<void> {
  // A conditional decrement, never read-then-write: two orders cannot both take the last units.
  const [reserved] = await tx.inventoryItem.updateManyAndReturn({
    where: { id: itemId, quantity: { gte: quantity } },
    data: { quantity: { decrement: quantity } },
    select: { item: true },
  });
  if (reserved) {
    const names = reservedNames.get(tx) ?? new Map<number, string>();
    names.set(itemId, reserved.item);
    reservedNames.set(tx, names);
    return;
  }
  const item = await tx.inventoryItem.findUnique({
    where: { id: itemId },
    select: { item: true, quantity: true },
  });
  if (!item)
    throw new AppError('NOT_FOUND', `InventoryItem ${itemId} not found`, { field: 'inventoryItemId' });
  throw new AppError(
    'OUT_OF_STOCK',
    `Not enough '${item.item}' in stock: ${item.quantity} available, ${quantity} requested`,
    { item: item.item, available: item.quantity, requested: quantity },
  );
}

/**
 * pre_save (update): the status moves PLACED → CANCELLED only, once: a second cancel and a
 * CANCELLED → PLACED are refused (read inside the write's transaction, so two cancels racing
 * cannot both pass). Cancelling returns the stock, refused when that would overflow the Int.
 */
export async function returnStockOnCancel({ instance, previous, tx }: PreSaveArgs<'Order'>): Promise<void> {
  if (!previous || instance.status === undefined) return;
  if (previous.status === 'CANCELLED') {
    throw new AppError(
      'BAD_USER_INPUT',
      instance.status === 'CANCELLED'
        ? `Order ${previous.ordNumber} is already cancelled`
        : `Order ${previous.ordNumber} is cancelled: a cancelled order cannot be placed again (place a new one)`,
      { field: 'status' },
    );
  }
  if (instance.status !== 'CANCELLED') return;
  const returned = await tx.inventoryItem.updateMany({
    where: { id: previous.inventoryItemId, quantity: { lte: MAX_INT - previous.quantity } },
    data: { quantity: { increment: previous.quantity } },
  });
  if (returned.count > 0) return;
  const item = await tx.inventoryItem.findUnique({
    where: { id: previous.inventoryItemId },
    select: { item: true, quantity: true },
  });
  throw new AppError(
    'BAD_USER_INPUT',
    `Order ${previous.ordNumber} cannot be cancelled: returning ${previous.quantity} '${item?.item ?? 'item'}' ` +
      `to a stock of ${item?.quantity ?? 0} would exceed ${MAX_INT}`,
    { field: 'quantity', item: item?.item },
  );
}

/** post_save (create): the buyer's notification, in the same transaction. */
export async function notifyBuyer({ instance, created, tx }: PostSaveArgs<'Order'>): Promise<void> {
  if (!created) return;
  // the name reserveStock read with the decrement; an order created CANCELLED reserved nothing
  const name =
    reservedNames.get(tx)?.get(instance.inventoryItemId) ??
    (await tx.inventoryItem.findUnique({ where: { id: instance.inventoryItemId }, select: { item: true } }))
      ?.item;
  await tx.notification.create({
    data: {
      userId: instance.orderedById,
      orderId: instance.id,
      message: `Order ${instance.ordNumber} received: ${instance.quantity} × ${name ?? 'item'}`,
    },
  });
}

export function registerOrderReceivers(): void {
  preSave.connect(reserveStock, { sender: 'Order', dispatchUid: 'order.reserveStock' });
  preSave.connect(returnStockOnCancel, { sender: 'Order', dispatchUid: 'order.returnStockOnCancel' });
  postSave.connect(notifyBuyer, { sender: 'Order', dispatchUid: 'order.notifyBuyer' });
}
