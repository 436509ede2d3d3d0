import { AsyncLocalStorage } from 'node:async_hooks';

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
  /** Delete signals: what started the delete. */
  origin?: unknown;
}

export const signalObserver = new AsyncLocalStorage<SignalObserver>();
