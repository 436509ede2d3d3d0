import { AsyncLocalStorage } from 'node:async_hooks';
import type { Role } from '../generated/prisma/enums.js';
import type { TxClient } from './client-types.js';
import type { Dialect, EventRow, UnitConnection } from './dialects/types.js';
import { SignalDepthError, TransactionClosedError, TransactionTimeoutError } from './errors.js';

/** What a receiver learns of the request that caused a write. */
export interface SignalContext {
  user: { id: number; username: string; role: Role } | null;
  requestId: string;
}

/** Runs after the outermost commit; gets a client that works after it (writes open new transactions). */
export type CommitCallback = (db: TxClient) => unknown;

export const MAX_SIGNAL_DEPTH = 8;

/** Serializes a frame's children: two writes on one transaction must not interleave savepoints. */
class Lock {
  #held = false;
  readonly #waiting: Array<() => void> = [];

  async acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#held = false;
  }
}

export type UnitStatus = 'running' | 'finished' | 'committed' | 'rolledBack';

/** One unit of work: a top-level transaction (on SQLite, a savepoint inside a group commit). */
export class Unit {
  status: UnitStatus = 'running';
  /** Why it was rolled back, for the error a stale client throws. */
  failure: unknown = null;
  readonly root: Frame;
  readonly #settled: Promise<void>;
  #settle!: () => void;

  constructor(
    readonly dialect: Dialect,
    readonly conn: UnitConnection,
    context: SignalContext | null,
    readonly makeClient: (frame: Frame) => TxClient,
  ) {
    this.root = new Frame(this, null, 0, context);
    this.#settled = new Promise((resolve) => {
      this.#settle = resolve;
    });
  }

  /** Resolves once the unit is committed or rolled back. */
  settled(): Promise<void> {
    return this.#settled;
  }

  end(status: 'committed' | 'rolledBack', failure: unknown = null): void {
    this.status = status;
    this.failure = failure;
    this.#settle();
  }
}

/**
 * A frame: the unit's root, or a write / nested transaction inside it. A child frame is a
 * savepoint: when it fails, exactly its rows, Event rows and onCommit callbacks are undone and
 * the frame above carries on (Django's nested atomic).
 */
export class Frame {
  status: 'open' | 'released' | 'rolledBack' = 'open';
  readonly events: EventRow[] = [];
  readonly onCommit: CommitCallback[] = [];
  readonly lock = new Lock();
  #client: TxClient | undefined;

  constructor(
    readonly unit: Unit,
    readonly parent: Frame | null,
    /** How many signal-triggered writes deep this frame is. */
    readonly depth: number,
    readonly context: SignalContext | null,
  ) {}

  /** The client writes through join this frame (receivers' `tx`). */
  get client(): TxClient {
    this.#client ??= this.unit.makeClient(this);
    return this.#client;
  }

  get conn(): UnitConnection {
    return this.unit.conn;
  }
}

export const currentFrame = new AsyncLocalStorage<Frame>();

/** The innermost frame at or above `frame` that is still open, in a unit still running. */
export function liveFrame(frame: Frame | undefined): Frame | undefined {
  if (frame?.unit.status !== 'running') return undefined;
  let f: Frame | null = frame;
  while (f && f.status !== 'open') f = f.parent;
  return f ?? undefined;
}

/** The live frame of the current async context, if any. */
export function contextFrame(): Frame | undefined {
  return liveFrame(currentFrame.getStore());
}

/**
 * Refuses a write from code still running inside a transaction that was rolled back (it timed
 * out, or failed while this code was not awaited): through the root client it would otherwise
 * open a unit of its own and commit what its transaction gave up.
 */
export function assertNotAbandoned(): void {
  const unit = currentFrame.getStore()?.unit;
  if (unit?.status === 'rolledBack') {
    throw new TransactionClosedError(
      `This code runs inside a transaction that was rolled back${reason(unit.failure)}: its writes are refused`,
    );
  }
}

/**
 * Where a call through a client bound to `bound` (undefined: the root client) runs: in the
 * live frame of the current async context when it belongs to the same unit, else in `bound`'s
 * transaction while it runs; 'root' once that transaction committed (Django's connection after
 * atomic). A rolled-back or timed-out transaction's client throws.
 */
export async function resolveFrame(bound: Frame | undefined): Promise<Frame | 'root'> {
  const live = contextFrame();
  if (bound === undefined) return live ?? 'root';
  if (live && live.unit === bound.unit) return live;
  const { unit } = bound;
  if (unit.status === 'finished') await unit.settled();
  if (unit.status === 'committed') return contextFrame() ?? 'root';
  if (unit.status === 'running') {
    const open = liveFrame(bound);
    if (open && bound.status !== 'rolledBack') return open;
  }
  throw new TransactionClosedError(
    unit.status === 'rolledBack'
      ? `This transaction client belongs to a transaction that was rolled back${reason(unit.failure)}: ` +
          'its writes are gone, and it cannot be used any more'
      : 'This transaction client belongs to a savepoint that was rolled back: use the client of the transaction around it',
  );
}

function reason(failure: unknown): string {
  return failure instanceof Error ? ` (${failure.name}: ${failure.message.slice(0, 120)})` : '';
}

export interface ChildOptions {
  /** Open a savepoint (false: a step whose failure fails its parent anyway). */
  savepoint: boolean;
  /** The new frame's signal depth (checked against MAX_SIGNAL_DEPTH). */
  depth: number;
  /** For the depth error's message. */
  label: string;
  context?: SignalContext | null;
}

/**
 * Runs `fn` in a child frame of `parent`, after the siblings before it (the parent's lock):
 * on success its events and onCommit callbacks join the parent's; on failure they are dropped
 * and, with a savepoint, so are its rows.
 */
export async function inChild<T>(
  parent: Frame,
  fn: (frame: Frame) => Promise<T>,
  options: ChildOptions,
): Promise<T> {
  if (options.depth > MAX_SIGNAL_DEPTH) {
    throw new SignalDepthError(
      `${options.label} nested ${options.depth} writes deep through receivers (limit ${MAX_SIGNAL_DEPTH}): ` +
        'a receiver is probably re-triggering itself',
    );
  }
  await parent.lock.acquire();
  try {
    const child = new Frame(parent.unit, parent, options.depth, options.context ?? parent.context);
    const savepoint = options.savepoint ? await parent.conn.savepoint() : null;
    try {
      const value = await currentFrame.run(child, () => fn(child));
      if (savepoint) await parent.conn.release(savepoint);
      child.status = 'released';
      parent.events.push(...child.events);
      parent.onCommit.push(...child.onCommit);
      return value;
    } catch (error) {
      child.status = 'rolledBack';
      if (savepoint && parent.unit.status === 'running') {
        try {
          await parent.conn.rollbackTo(savepoint);
        } catch (rollbackError) {
          // The unit ended meanwhile (a timeout): the writer rolled it back as a whole.
          if (
            !(
              rollbackError instanceof TransactionClosedError ||
              rollbackError instanceof TransactionTimeoutError
            )
          ) {
            throw rollbackError;
          }
        }
      }
      throw error;
    }
  } finally {
    parent.lock.release();
  }
}

/** Registers `fn` to run after the outermost commit of `frame`'s unit. */
export function addOnCommit(frame: Frame, fn: unknown): void {
  if (typeof fn !== 'function') {
    throw new TypeError(`onCommit: expected a function, got ${fn === null ? 'null' : typeof fn}`);
  }
  frame.onCommit.push(fn as CommitCallback);
}
