import { createHash, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { type DataLayer, onCommit } from '../db/index.js';
import type { Session } from './context.js';

export const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * A token's session, remembered for a few seconds so a request does not cost two statements to
 * authenticate. Keyed by the token's hash; an entry never outlives the token. logOut drops the
 * entry in this process; other processes notice the revocation when their entry expires (cacheMs).
 */
class TokenCache {
  readonly #lru: LRUCache<string, Session>;

  constructor(readonly cacheMs: number) {
    this.#lru = new LRUCache<string, Session>({
      max: 10_000,
      ttl: Math.max(cacheMs, 1),
      ttlAutopurge: false,
    });
  }

  get(hash: string): Session | null {
    const hit = this.#lru.get(hash);
    if (!hit) return null;
    if (hit.token.expiresAt.getTime() <= Date.now()) {
      this.#lru.delete(hash);
      return null;
    }
    return hit;
  }

  set(session: Session): void {
    const ttl = Math.min(this.cacheMs, session.token.expiresAt.getTime() - Date.now());
    if (ttl > 0) this.#lru.set(session.token.hash, session, { ttl });
  }

  delete(hash: string): void {
    this.#lru.delete(hash);
  }
}

// One cache per data layer: every caller that authenticates against the same database shares it.
const caches = new WeakMap<DataLayer, TokenCache>();

function cacheOf(data: DataLayer): TokenCache | null {
  return caches.get(data) ?? null;
}

/** Turns the token cache on for this data layer (0 turns it off). */
export function configureTokenCache(data: DataLayer, cacheMs: number): void {
  if (cacheMs <= 0) caches.delete(data);
  else if (caches.get(data)?.cacheMs !== cacheMs) caches.set(data, new TokenCache(cacheMs));
}

/** Issues a random bearer token (only its SHA-256 is stored) and drops the user's expired ones. */
export async function issueToken(data: DataLayer, userId: number, ttlMs: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await data.db.$transaction(async (tx) => {
    await tx.authToken.deleteMany({ where: { userId, expiresAt: { lte: new Date() } } });
    await tx.authToken.create({
      data: { tokenHash: sha256(token), userId, expiresAt: new Date(Date.now() + ttlMs) },
    });
  });
  return token;
}

/**
 * The user of a bearer token and the token's hash and expiry (subscriptions end with it), or
 * null when it is unknown, expired or revoked.
 */
export async function sessionForToken(data: DataLayer, token: string): Promise<Session | null> {
  const hash = sha256(token);
  const cache = cacheOf(data);
  const cached = cache?.get(hash);
  if (cached) return cached;
  const found = await data.db.authToken.findUnique({
    where: { tokenHash: hash },
    select: {
      expiresAt: true,
      user: { select: { id: true, username: true, displayName: true, role: true } },
    },
  });
  if (!found || found.expiresAt.getTime() <= Date.now()) return null;
  const { id, username, displayName, role } = found.user;
  const session: Session = {
    user: { id, username: displayName ?? username, role },
    token: { hash, expiresAt: found.expiresAt },
  };
  cache?.set(session);
  return session;
}

/** Revokes one token by its hash (logOut). True when it existed. */
export async function revokeToken(data: DataLayer, hash: string): Promise<boolean> {
  cacheOf(data)?.delete(hash);
  const { count } = await data.db.authToken.deleteMany({ where: { tokenHash: hash } });
  // again once the delete is committed: a request that read the token meanwhile may have cached it
  onCommit(() => cacheOf(data)?.delete(hash));
  return count > 0;
}
