import { registerCrateReceivers } from './crate.js';
import { registerInventoryReceivers } from './inventory.js';
import { registerOrderReceivers } from './order.js';

/** Connects the project's receivers (idempotent: each has a dispatchUid). Called at start-up and in tests. */
export function registerReceivers(): void {
  registerCrateReceivers();
  registerInventoryReceivers();
  registerOrderReceivers();
}
