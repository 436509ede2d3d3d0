/**
 * The signal core: Django's dispatcher in TypeScript. Plain code, no database.
 *
 * A receiver is registered under a lookup key (its dispatchUid, or the function itself) and an
 * optional sender. Registering the same key for the same sender twice keeps the first. Receivers
 * run in the order they were connected. The list is copied on every change, so a send that is
 * running keeps the list it started with; the per-sender list is computed once per change and
 * cached, so sending to a sender with no receivers costs a map lookup.
 */

export type Receiver<Args, Result = unknown> = (args: Args) => Result | Promise<Result>;

/** What every receiver gets besides the sent args, as Django passes `signal` and `sender`. */
export interface Delivery<Sender extends string = string> {
  // biome-ignore lint/suspicious/noExplicitAny: any signal may deliver; receivers compare it by identity
  signal: Signal<any, any, any>;
  sender: Sender;
}

/** What a sender passes: the args without `signal`, which the send adds (per member of a union). */
export type SendArgs<Args> = Args extends unknown ? Omit<Args, 'signal'> : never;

export interface ConnectOptions<Sender extends string = string> {
  /** Only sends from this sender reach the receiver. */
  sender?: Sender;
  /** Identifies the registration instead of the function: a second connect with it is ignored. */
  dispatchUid?: string;
}

export type Disconnect = () => boolean;

/** One receiver's outcome in `send` and `sendRobust`: Django's `(receiver, response)`. */
export type ReceiverResult<Args, Result> = [Receiver<Args, Result>, Result];
/** In `sendRobust` a failing receiver's error stands in its pair. */
export type RobustResult<Args, Result> = [Receiver<Args, Result>, Result | Error];

/** One registration, as `signal.registrations()` lists it. */
export interface RegistrationInfo {
  signal: string;
  sender: string | undefined;
  /** The receiver function's name, or `(anonymous)`. */
  name: string;
  dispatchUid: string | undefined;
}

/** Where `sendRobust` reports each failing receiver (Django logs to `django.dispatch`). */
export type SignalLogger = (message: string, error: unknown) => void;
let logger: SignalLogger = (message, error) => console.error(message, error);

/** Replaces the logger of `sendRobust` failures; returns the previous one (to restore it). */
export function setSignalLogger(next: SignalLogger): SignalLogger {
  const previous = logger;
  logger = next;
  return previous;
}

interface Registration<Args, Result> {
  key: unknown;
  sender: string | undefined;
  dispatchUid: string | undefined;
  receiver: Receiver<Args, Result>;
}

const EMPTY: readonly never[] = Object.freeze([]);

export class Signal<Args, Result = unknown, Sender extends string = string> {
  #registrations: readonly Registration<Args & Delivery<Sender>, Result>[] = EMPTY;
  /** sender -> receivers that apply to it; cleared on every connect/disconnect. */
  #cache = new Map<string | undefined, readonly Receiver<Args & Delivery<Sender>, Result>[]>();

  constructor(readonly name = 'signal') {}

  connect(
    receiver: Receiver<Args & Delivery<Sender>, Result>,
    options: ConnectOptions<Sender> = {},
  ): Disconnect {
    if (typeof receiver !== 'function') {
      throw new TypeError(`${this.name}.connect: the receiver must be a function`);
    }
    const key = options.dispatchUid ?? receiver;
    const sender = options.sender;
    const exists = this.#registrations.some((r) => r.key === key && r.sender === sender);
    if (!exists) {
      this.#registrations = [
        ...this.#registrations,
        { key, sender, dispatchUid: options.dispatchUid, receiver },
      ];
      this.#cache.clear();
    }
    return () => this.#remove(key, sender);
  }

  /**
   * Removes a registration by receiver or by `{ dispatchUid }`, for the given sender (or the
   * registration made with no sender). Returns whether something was disconnected.
   */
  disconnect(
    target: Receiver<Args & Delivery<Sender>, Result> | { dispatchUid: string },
    options: { sender?: Sender } = {},
  ): boolean {
    const key = typeof target === 'function' ? target : target.dispatchUid;
    return this.#remove(key, options.sender);
  }

  #remove(key: unknown, sender: string | undefined): boolean {
    const next = this.#registrations.filter((r) => !(r.key === key && r.sender === sender));
    if (next.length === this.#registrations.length) return false;
    this.#registrations = next;
    this.#cache.clear();
    return true;
  }

  /** Every registration in call order: sender, receiver name and dispatchUid. */
  registrations(): RegistrationInfo[] {
    return this.#registrations.map((r) => ({
      signal: this.name,
      sender: r.sender,
      name: r.receiver.name || '(anonymous)',
      dispatchUid: r.dispatchUid,
    }));
  }

  /** The receivers a send from `sender` would call, in connection order. */
  receiversFor(sender?: string): readonly Receiver<Args & Delivery<Sender>, Result>[] {
    let list = this.#cache.get(sender);
    if (list === undefined) {
      list = Object.freeze(
        this.#registrations
          .filter((r) => r.sender === undefined || sender === undefined || r.sender === sender)
          .map((r) => r.receiver),
      );
      this.#cache.set(sender, list);
    }
    return list;
  }

  /** With a sender: whether a send from it would reach anyone. Without: whether any receiver is connected. */
  hasListeners(sender?: Sender): boolean {
    return this.receiversFor(sender).length > 0;
  }

  /**
   * Calls each receiver in turn with `{ signal, sender, ...args }`, awaiting async ones. The
   * first error stops the send and propagates. Returns `[receiver, result]` pairs as Django does.
   */
  async send(
    sender: Sender,
    args: SendArgs<Args>,
  ): Promise<ReceiverResult<Args & Delivery<Sender>, Result>[]> {
    const receivers = this.receiversFor(sender);
    const results: ReceiverResult<Args & Delivery<Sender>, Result>[] = [];
    if (receivers.length === 0) return results;
    const delivered = { ...args, signal: this, sender } as Args & Delivery<Sender>;
    for (const receiver of receivers) {
      results.push([receiver, await receiver(delivered)]);
    }
    return results;
  }

  /**
   * Calls every receiver; an error in one is logged (see `setSignalLogger`) and returned in its
   * pair instead of a result, and the rest still run.
   */
  async sendRobust(
    sender: Sender,
    args: SendArgs<Args>,
  ): Promise<RobustResult<Args & Delivery<Sender>, Result>[]> {
    const receivers = this.receiversFor(sender);
    const results: RobustResult<Args & Delivery<Sender>, Result>[] = [];
    if (receivers.length === 0) return results;
    const delivered = { ...args, signal: this, sender } as Args & Delivery<Sender>;
    for (const receiver of receivers) {
      try {
        results.push([receiver, await receiver(delivered)]);
      } catch (thrown) {
        const error = thrown instanceof Error ? thrown : new Error(String(thrown), { cause: thrown });
        logger(
          `Error calling ${receiver.name || '(anonymous)'} in ${this.name}.sendRobust() (${error.message})`,
          error,
        );
        results.push([receiver, error]);
      }
    }
    return results;
  }
}
