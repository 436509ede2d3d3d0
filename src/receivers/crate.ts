import type { TxClient } from '../db/index.js';
import { type DeleteArgs, type PostSaveArgs, postDelete, postSave } from '../signals/index.js';

/**
 * The newest-crate invariant: a warehouse's `newestCrate` is the most recently created crate
 * (highest id: ids only grow) that is in that warehouse now, or null. Holds whatever path
 * changed the crates, because these receivers run in the write's own transaction.
 */

/**
 * Points the warehouse at its most recent crate, writing only when that changes.
 *
 * `newestCrateId` is unique. During a bulk move the crate may still be recorded as the newest of
 * the warehouse it left (that warehouse's own receiver call comes later in the same write), so
 * that stale warehouse is refreshed first.
 */
export async function refreshNewestCrate(tx: TxClient, warehouseId: number, hops = 0): Promise<void> {
  const warehouse = await tx.warehouse.findUnique({
    where: { id: warehouseId },
    select: { newestCrateId: true },
  });
  if (!warehouse) return; // being deleted itself
  const newest = await tx.crate.findFirst({
    where: { warehouseId },
    orderBy: { id: 'desc' },
    select: { id: true },
  });
  const newestCrateId = newest?.id ?? null;
  if (warehouse.newestCrateId === newestCrateId) return;
  if (newestCrateId !== null && hops < 64) {
    const stale = await tx.warehouse.findFirst({
      where: { newestCrateId, id: { not: warehouseId } },
      select: { id: true },
    });
    if (stale) await refreshNewestCrate(tx, stale.id, hops + 1);
  }
  await tx.warehouse.update({ where: { id: warehouseId }, data: { newestCrateId } });
}

/** post_save: the seed article's receiver, done right (the warehouse is saved, in the same transaction). */
export async function updateNewestCrate({
  instance,
  created,
  previous,
  tx,
}: PostSaveArgs<'Crate'>): Promise<void> {
  if (created) {
    await tx.warehouse.update({ where: { id: instance.warehouseId }, data: { newestCrateId: instance.id } });
    return;
  }
  if (previous && previous.warehouseId !== instance.warehouseId) {
    await refreshNewestCrate(tx, previous.warehouseId);
    await refreshNewestCrate(tx, instance.warehouseId);
  }
}

/** post_delete: the warehouse falls back to its most recent remaining crate, or null. */
export async function fallBackToPreviousCrate({ instance, tx }: DeleteArgs<'Crate'>): Promise<void> {
  await refreshNewestCrate(tx, instance.warehouseId);
}

export function registerCrateReceivers(): void {
  postSave.connect(updateNewestCrate, { sender: 'Crate', dispatchUid: 'crate.updateNewestCrate' });
  postDelete.connect(fallBackToPreviousCrate, {
    sender: 'Crate',
    dispatchUid: 'crate.fallBackToPreviousCrate',
  });
}
