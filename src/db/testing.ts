import { type CapturedSignal, signalObserver } from './observer.js';

/**
 * Test helpers for this project's tests and users' own: writes made inside `fn` send no model
 * signals (receivers stay connected for everything else running at the same time).
 */
export function muteSignals<T>(fn: () => Promise<T>): Promise<T> {
  return signalObserver.run({ muted: true }, fn);
}

/** Runs `fn` and returns every model signal its writes sent, in order, with fn's result. */
export async function captureSignals<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; signals: CapturedSignal[] }> {
  const signals: CapturedSignal[] = [];
  const result = await signalObserver.run({ muted: false, record: (entry) => signals.push(entry) }, fn);
  return { result, signals };
}

export type { CapturedSignal };
