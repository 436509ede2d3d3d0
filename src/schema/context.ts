import { randomUUID } from 'node:crypto';
import type { DataLayer, Db, SignalContext } from '../db/index.js';
import type { Realtime, SessionToken } from '../realtime/index.js';
import { createLoaders, type Loaders } from './loaders.js';

export type SessionUser = NonNullable<SignalContext['user']>;

/** Who a bearer token signs in, and the token itself (subscriptions end when it does). */
export interface Session {
  user: SessionUser;
  token: SessionToken;
}

/** Per-request state: the signed-in user, a client whose writes carry the request to receivers. */
export interface Context {
  user: SessionUser | null;
  /** The bearer token of the request (its hash and expiry), null when anonymous: logOut revokes it. */
  token: SessionToken | null;
  /** The client's address as the server sees it (rate limits key on it). */
  clientAddress: string;
  requestId: string;
  data: DataLayer;
  /** Writes through it reach receivers with this request's `context`. */
  db: Db;
  tokenTtlMs: number;
  realtime: Realtime;
  loaders: Loaders;
}

export interface ContextDeps {
  data: DataLayer;
  tokenTtlMs: number;
  realtime: Realtime;
}

export interface RequestInfo {
  requestId?: string;
  clientAddress?: string;
}

export function createContext(
  deps: ContextDeps,
  session: Session | null,
  request: RequestInfo = {},
): Context {
  const requestId = request.requestId ?? randomUUID();
  const user = session?.user ?? null;
  return {
    user,
    token: session?.token ?? null,
    clientAddress: request.clientAddress ?? 'unknown',
    requestId,
    data: deps.data,
    db: deps.data.withContext({ user, requestId }),
    tokenTtlMs: deps.tokenTtlMs,
    realtime: deps.realtime,
    loaders: createLoaders(deps.data),
  };
}

/** STAFF may see and manage everything. */
export function isStaff(ctx: Pick<Context, 'user'>): boolean {
  return ctx.user?.role === 'STAFF';
}
