import type { DataLayer } from '../db/index.js';

/** The bearer token a subscription was authorized with. */
export interface SessionToken {
  /** SHA-256 of the token, as stored in AuthToken.tokenHash. */
  hash: string;
  expiresAt: Date;
}

/** One live subscription a token authorized: told once, when the token stops being valid. */
export interface SessionWatcher {
  sessionEnded(message: string): void;
}

/** The live subscriptions of one token: one expiry timer for all of them. */
interface TokenWatch {
  token: SessionToken;
  ends: Set<SessionWatcher>;
  timer: NodeJS.Timeout | null;
}

const REVOKED = 'Your session was revoked: sign in again (logIn) and resubscribe with your last cursor';
const EXPIRED = 'Your session expired: sign in again (logIn) and resubscribe with your last cursor';

/** setTimeout's longest delay; a later expiry re-arms. */
const MAX_DELAY = 2_147_483_647;

/**
 * Ends live subscriptions whose token stops being valid: a timer per watched token (shared by
 * all of that token's subscriptions) for its expiry, and one batched query every `checkMs` for
 * all watched tokens to notice the revoked (deleted) ones, instead of a query per subscriber.
 */
export class SessionWatch {
  /** By token hash. */
  readonly #tokens = new Map<string, TokenWatch>();
  #size = 0;
  #timer: NodeJS.Timeout | null = null;
  #checking: Promise<void> | null = null;

  constructor(
    private readonly data: DataLayer,
    private readonly checkMs: number,
    private readonly logError: (message: string, error: unknown) => void,
  ) {}

  /**
   * Tells `watcher` once, when the token expires or is revoked (at once, if its entry has ended
   * already), until `unwatch`. Each watch passes its own watcher (a token's watches are a set of
   * them). An object, not a callback and a returned stop function: no closures per subscriber.
   */
  watch(token: SessionToken, watcher: SessionWatcher): void {
    let entry = this.#tokens.get(token.hash);
    if (!entry) {
      entry = { token, ends: new Set(), timer: null };
      this.#tokens.set(token.hash, entry);
      this.#arm(entry);
    }
    // a token's entry may end while it is armed (an expiry already past): then so does this
    if (this.#tokens.get(token.hash) !== entry) {
      watcher.sessionEnded(EXPIRED);
      return;
    }
    if (entry.ends.has(watcher)) throw new Error('SessionWatch.watch: this watcher is watching already');
    entry.ends.add(watcher);
    this.#size += 1;
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.check(), this.checkMs);
      this.#timer.unref();
    }
  }

  /** Stops telling `watcher` about the token (nothing if it was told already, or never watched). */
  unwatch(token: SessionToken, watcher: SessionWatcher): void {
    const entry = this.#tokens.get(token.hash);
    if (entry) this.#drop(entry, watcher);
  }

  /** Live subscriptions watched. */
  get size(): number {
    return this.#size;
  }

  #arm(entry: TokenWatch): void {
    const left = entry.token.expiresAt.getTime() - Date.now();
    if (left <= 0) {
      this.#end(entry, EXPIRED);
      return;
    }
    entry.timer = setTimeout(() => this.#arm(entry), Math.min(left, MAX_DELAY));
    entry.timer.unref();
  }

  /** Ends every subscription of the token. */
  #end(entry: TokenWatch, message: string): void {
    if (this.#tokens.get(entry.token.hash) !== entry) return;
    const ends = [...entry.ends];
    this.#forget(entry);
    for (const watcher of ends) watcher.sessionEnded(message);
  }

  #forget(entry: TokenWatch): void {
    if (entry.timer) clearTimeout(entry.timer);
    this.#tokens.delete(entry.token.hash);
    this.#size -= entry.ends.size;
    entry.ends.clear();
    this.#idle();
  }

  #drop(entry: TokenWatch, watcher: SessionWatcher): void {
    if (!entry.ends.delete(watcher)) return;
    this.#size -= 1;
    if (entry.ends.size === 0 && this.#tokens.get(entry.token.hash) === entry) {
      if (entry.timer) clearTimeout(entry.timer);
      this.#tokens.delete(entry.token.hash);
    }
    this.#idle();
  }

  #idle(): void {
    if (this.#size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  /** Ends the subscriptions of a token this process revoked (logOut), without waiting for the check. */
  revoked(hash: string): void {
    const entry = this.#tokens.get(hash);
    if (entry) this.#end(entry, REVOKED);
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
    const hashes = [...this.#tokens.keys()];
    const alive = new Set<string>();
    for (let i = 0; i < hashes.length; i += 500) {
      const rows = await this.data.reader.authToken.findMany({
        where: { tokenHash: { in: hashes.slice(i, i + 500) } },
        select: { tokenHash: true },
      });
      for (const row of rows) alive.add(row.tokenHash);
    }
    for (const hash of hashes) {
      if (!alive.has(hash)) this.revoked(hash);
    }
  }

  stop(): void {
    for (const entry of [...this.#tokens.values()]) this.#forget(entry);
  }
}
