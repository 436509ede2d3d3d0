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

export interface ConnectOptions<Sender extends string = string> {
  /** Only sends from this sender reach the receiver. */
  sender?: Sender;
  /** Identifies the registration instead of the function: a second connect with it is ignored. */
  dispatchUid?: string;
}

export type Disconnect = () => boolean;

/** One receiver's outcome in `sendRobust`. */
export type RobustResult<Args, Result> =
  | { receiver: Receiver<Args, Result>; ok: true; value: Result }
  | { receiver: Receiver<Args, Result>; ok: false; error: unknown };

interface Registration<Args, Result> {
  key: unknown;
  sender: string | undefined;
  receiver: Receiver<Args, Result>;
}

const EMPTY: readonly never[] = Object.freeze([]);

export class Signal<Args, Result = unknown, Sender extends string = string> {
  #registrations: readonly Registration<Args, Result>[] = EMPTY;
  /** sender -> receivers that apply to it; cleared on every connect/disconnect. */
  #cache = new Map<string | undefined, readonly Receiver<Args, Result>[]>();

  constructor(readonly name = 'signal') {}

  connect(receiver: Receiver<Args, Result>, options: ConnectOptions<Sender> = {}): Disconnect {
    if (typeof receiver !== 'function') {
      throw new TypeError(`${this.name}.connect: the receiver must be a function`);
    }
    const key = options.dispatchUid ?? receiver;
    const sender = options.sender;
    const exists = this.#registrations.some((r) => r.key === key && r.sender === sender);
    if (!exists) {
      this.#registrations = [...this.#registrations, { key, sender, receiver }];
      this.#cache.clear();
    }
    return () => this.#remove(key, sender);
  }

  /**
   * Removes a registration by receiver or by `{ dispatchUid }`, for the given sender (or the
   * registration made with no sender). Returns whether something was disconnected.
   */
  disconnect(
    target: Receiver<Args, Result> | { dispatchUid: string },
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

  /** The receivers a send from `sender` would call, in connection order. */
  receiversFor(sender?: string): readonly Receiver<Args, Result>[] {
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
   * Calls each receiver in turn, awaiting async ones. The first error stops the send and
   * propagates. Returns `[receiver, result]` pairs as Django does.
   */
  async send(sender: Sender, args: Args): Promise<Array<[Receiver<Args, Result>, Result]>> {
    const receivers = this.receiversFor(sender);
    const results: Array<[Receiver<Args, Result>, Result]> = [];
    for (const receiver of receivers) {
      results.push([receiver, await receiver(args)]);
    }
    return results;
  }

  /** Calls every receiver; an error in one is returned in its place and the rest still run. */
  async sendRobust(sender: Sender, args: Args): Promise<RobustResult<Args, Result>[]> {
    const receivers = this.receiversFor(sender);
    const results: RobustResult<Args, Result>[] = [];
    for (const receiver of receivers) {
      try {
        results.push({ receiver, ok: true, value: await receiver(args) });
      } catch (error) {
        results.push({ receiver, ok: false, error });
      }
    }
    return results;
  }
}
