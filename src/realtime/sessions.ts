import type { DataLayer } from '../db/index.js';

/** The bearer token a subscription was authorized with. */
export interface SessionToken {
  /** SHA-256 of the token, as stored in AuthToken.tokenHash. */
  hash: string;
  expiresAt: Date;
}

interface Watch {
  token: SessionToken;
  end: (message: string) => void;
  timer: NodeJS.Timeout | null;
}

const REVOKED = 'Your session was revoked: sign in again (logIn) and resubscribe with your last cursor';

/** setTimeout's longest delay; a later expiry re-arms. */
const MAX_DELAY = 2_147_483_647;

/**
 * Ends live subscriptions whose token stops being valid: a timer per subscription for its
 * expiry, and one batched query every `checkMs` for the tokens of all live subscriptions to
 * notice the revoked (deleted) ones, instead of a query per subscriber.
 */
export class SessionWatch {
  readonly #watches = new Set<Watch>();
  #timer: NodeJS.Timeout | null = null;
  #checking: Promise<void> | null = null;

  constructor(
    private readonly data: DataLayer,
    private readonly checkMs: number,
    private readonly logError: (message: string, error: unknown) => void,
  ) {}

  /** Calls `end` once, when the token expires or is revoked; returns the function that stops watching. */
  watch(token: SessionToken, end: (message: string) => void): () => void {
    const watch: Watch = { token, end, timer: null };
    this.#watches.add(watch);
    this.#arm(watch);
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.check(), this.checkMs);
      this.#timer.unref();
    }
    return () => this.#drop(watch);
  }

  get size(): number {
    return this.#watches.size;
  }

  #arm(watch: Watch): void {
    const left = watch.token.expiresAt.getTime() - Date.now();
    if (left <= 0) {
      this.#end(watch, 'Your session expired: sign in again (logIn) and resubscribe with your last cursor');
      return;
    }
    watch.timer = setTimeout(() => this.#arm(watch), Math.min(left, MAX_DELAY));
    watch.timer.unref();
  }

  #end(watch: Watch, message: string): void {
    if (!this.#watches.has(watch)) return;
    this.#drop(watch);
    watch.end(message);
  }

  #drop(watch: Watch): void {
    if (watch.timer) clearTimeout(watch.timer);
    this.#watches.delete(watch);
    if (this.#watches.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  /** Ends the subscriptions of a token this process revoked (logOut), without waiting for the check. */
  revoked(hash: string): void {
    for (const watch of [...this.#watches]) {
      if (watch.token.hash === hash) this.#end(watch, REVOKED);
    }
  }

  /** One query for every watched token: the ones no longer stored were revoked. */
  check(): Promise<void> {
    this.#checking ??= this.#check()
      .catch((error: unknown) => this.logError('[signalyard] session check failed:', error))
      .finally(() => {
        this.#checking = null;
      });
    return this.#checking;
  }

  async #check(): Promise<void> {
    const watches = [...this.#watches];
    const hashes = [...new Set(watches.map((w) => w.token.hash))];
    const alive = new Set<string>();
    for (let i = 0; i < hashes.length; i += 500) {
      const rows = await this.data.reader.authToken.findMany({
        where: { tokenHash: { in: hashes.slice(i, i + 500) } },
        select: { tokenHash: true },
      });
      for (const row of rows) alive.add(row.tokenHash);
    }
    for (const watch of watches) {
      if (!alive.has(watch.token.hash)) {
        this.#end(watch, REVOKED);
      }
    }
  }

  stop(): void {
    for (const watch of [...this.#watches]) this.#drop(watch);
  }
}
