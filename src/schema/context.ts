import { randomUUID } from 'node:crypto';
import type { DataLayer, Db, SignalContext } from '../db/index.js';
import type { Realtime } from '../realtime/index.js';
import { createLoaders, type Loaders } from './loaders.js';

export type SessionUser = NonNullable<SignalContext['user']>;

/** Per-request state: the signed-in user, a client whose writes carry the request to receivers. */
export interface Context {
  user: SessionUser | null;
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

export function createContext(deps: ContextDeps, user: SessionUser | null): Context {
  const requestId = randomUUID();
  return {
    user,
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
