import { AsyncLocalStorage } from 'node:async_hooks';
import type { Event, PrismaClient } from '../generated/prisma/client.js';
import type { Role } from '../generated/prisma/enums.js';

/** What a receiver learns of the request that caused a write. */
export interface SignalContext {
  user: { id: number; username: string; role: Role } | null;
  requestId: string;
}

/** A Prisma client inside an interactive transaction (what `$transaction(fn)` hands to fn). */
export type RawTx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/** The client receivers and transaction callbacks get: writes through it join the transaction. */
export type TxClient = RawTx & {
  $transaction<T>(fn: (tx: TxClient) => Promise<T>): Promise<T>;
};

/** One open transaction, carried in AsyncLocalStorage so every write made inside it joins it. */
export interface TxState {
  raw: RawTx;
  client: TxClient;
  onCommit: Array<() => unknown>;
  /** How many signal-triggered writes deep this point is. */
  depth: number;
  context: SignalContext | null;
  /** Outbox rows written in this transaction, published after the commit. */
  events: Event[];
}

export const currentTx = new AsyncLocalStorage<TxState>();

/** The transaction in force for a call made through a client bound to `bound` (or the root client). */
export function activeTx(bound?: TxState): TxState | undefined {
  const store = currentTx.getStore();
  if (bound === undefined) return store;
  // Inside a receiver the store carries the current depth for the same transaction.
  return store !== undefined && store.raw === bound.raw ? store : bound;
}

/** Observers for tests: muting and capturing signals without touching receivers. */
export interface SignalObserver {
  muted: boolean;
  record?: (entry: CapturedSignal) => void;
}
export interface CapturedSignal {
  signal: 'preSave' | 'postSave' | 'preDelete' | 'postDelete';
  sender: string;
  instance: unknown;
  created?: boolean;
  updateFields?: string[] | null;
}
export const signalObserver = new AsyncLocalStorage<SignalObserver>();
