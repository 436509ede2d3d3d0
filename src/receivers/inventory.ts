import { AppError } from '../db/index.js';
import { type PreSaveArgs, preSave } from '../signals/index.js';

/** pre_save: integer fields of an inventory item; a negative stock is refused with its value. */
export function validateInventoryItem({ instance }: PreSaveArgs<'InventoryItem'>): void {
  const { quantity, itemCode } = instance;
  if (typeof quantity === 'number' && (!Number.isInteger(quantity) || quantity < 0)) {
    throw new AppError('BAD_USER_INPUT', `quantity must be a whole number >= 0, got ${quantity}`, {
      field: 'quantity',
    });
  }
  if (typeof itemCode === 'number' && !Number.isInteger(itemCode)) {
    throw new AppError('BAD_USER_INPUT', `itemCode must be a whole number, got ${itemCode}`, {
      field: 'itemCode',
    });
  }
}

export function registerInventoryReceivers(): void {
  preSave.connect(validateInventoryItem, { sender: 'InventoryItem', dispatchUid: 'inventory.validate' });
}
