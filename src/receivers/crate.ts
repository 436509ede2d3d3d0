import { AppError, lockRows, nextSequenceValue, type TxClient } from '../db/index.js';
import {
  type DeleteArgs,
  type PostSaveArgs,
  type PreSaveArgs,
  postDelete,
  postSave,
  preSave,
} from '../signals/index.js';

/**
 * The newest-crate invariant: a warehouse's `newestCrate` is the most recently created crate
 * that is in that warehouse now, or null. "Most recently created" has one definition everywhere:
 * the highest `createdSeq`, a number from the "crate" sequence given when the crate is created
 * (ids may be given explicitly and say nothing about order). Holds whatever path changed the
 * crates, because these receivers run in the write's own transaction.
 */

/** pre_save: a new crate takes the next creation number; nobody else sets it. */
export async function numberNewCrate({ instance, created, tx }: PreSaveArgs<'Crate'>): Promise<void> {
  if (created) {
    // The warehouse is locked first, so crates into one warehouse take their numbers in the
    // order they commit (PostgreSQL's sequence alone would not): the newest stays the highest.
    if (typeof instance.warehouseId === 'number') await lockRows(tx, 'Warehouse', [instance.warehouseId]);
    instance.createdSeq = await nextSequenceValue(tx, 'crate');
  } else if (instance.createdSeq !== undefined) {
    throw new AppError('BAD_USER_INPUT', 'createdSeq is the creation order: it cannot be changed', {
      field: 'createdSeq',
    });
  }
}

/**
 * Points the warehouse at its most recently created crate, writing only when that changes.
 *
 * `newestCrateId` is unique. During a bulk move the crate may still be recorded as the newest of
 * the warehouse it left (that warehouse's own receiver call comes later in the same write), so
 * that stale warehouse is refreshed first.
 */
export async function refreshNewestCrate(tx: TxClient, warehouseId: number, hops = 0): Promise<void> {
  // Read, decide, write: under READ COMMITTED only a lock keeps another unit from deciding too.
  await lockRows(tx, 'Warehouse', [warehouseId]);
  const warehouse = await tx.warehouse.findUnique({
    where: { id: warehouseId },
    select: { newestCrateId: true },
  });
  if (!warehouse) return; // being deleted itself
  const newest = await tx.crate.findFirst({
    where: { warehouseId },
    orderBy: [{ createdSeq: 'desc' }, { id: 'desc' }],
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

/** post_save: a created or moved crate re-decides the newest crate of the warehouses it touches. */
export async function updateNewestCrate({
  instance,
  created,
  previous,
  tx,
}: PostSaveArgs<'Crate'>): Promise<void> {
  if (created) {
    // The same rule, without reading: the sequence only grows, so the crate just created has
    // the highest createdSeq there is, in its warehouse too.
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
  preSave.connect(numberNewCrate, { sender: 'Crate', dispatchUid: 'crate.numberNewCrate' });
  postSave.connect(updateNewestCrate, { sender: 'Crate', dispatchUid: 'crate.updateNewestCrate' });
  postDelete.connect(fallBackToPreviousCrate, {
    sender: 'Crate',
    dispatchUid: 'crate.fallBackToPreviousCrate',
  });
}
