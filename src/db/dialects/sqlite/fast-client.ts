import type { PrismaClient } from '../../../generated/prisma/client.js';
import {
  createFastPath,
  type FastPath,
  NOT_FAST,
  projectMetadata,
  type StatementSource,
} from '../../fast/index.js';
import type { SqliteConnection } from './connection.js';

/**
 * WARNING: a path beside Prisma (src/db/fast). Model calls the fast path reproduces exactly
 * (test/db/fast*.test.ts proves it against Prisma) run as one cached prepared statement on the
 * connection, inside whatever transaction is open on it; every other call, and every `$` method,
 * goes to Prisma unchanged. Prisma's query compiler and its per-call JS work are most of a
 * simple call's cost (issue 9's profile: ≈ 66% of a request), so this is where the time is.
 */

let shared: FastPath | undefined;
/** One fast path per process: the metadata is the generated client's, the same for every file. */
function fastPath(): FastPath {
  shared ??= createFastPath(projectMetadata());
  return shared;
}

/** The connection's Prisma statement cache as the fast path's source (safe integers, as the adapter reads). */
function sourceOf(connection: SqliteConnection): StatementSource {
  return { prepare: (sql) => connection.prepare(sql).statement };
}

type Method = (args?: unknown) => Promise<unknown>;

/** `crate` → `Crate`: the fast path names models as the schema does. */
const modelName = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);

/** `prisma` with its model calls tried on the fast path first. */
export function withFastPath(prisma: PrismaClient, connection: SqliteConnection): PrismaClient {
  const fast = fastPath();
  const source = sourceOf(connection);
  const target = prisma as unknown as Record<string | symbol, unknown>;
  const delegates = new Map<string, unknown>();
  // The proxy keeps PrismaClient's generated shape and only intercepts model methods.
  return new Proxy(target, {
    get(raw, prop) {
      const value = raw[prop];
      // Only model delegates: the client's own internals (`_engine`, `$queryRaw`, ...) stay as they are.
      if (typeof prop !== 'string' || typeof value !== 'object' || value === null) return value;
      const model = modelName(prop);
      if (fast.model(model) === undefined) return value;
      let delegate = delegates.get(prop);
      if (!delegate) {
        const methods = value as Record<string, unknown>;
        const wrapped = new Map<string, Method>();
        delegate = new Proxy(methods, {
          get: (d, name) => {
            const fn = d[name as string];
            if (typeof name !== 'string' || typeof fn !== 'function') return fn;
            let method = wrapped.get(name);
            if (!method) {
              const prismaMethod = (fn as Method).bind(d);
              method = (args?: unknown) => {
                let result: unknown;
                try {
                  result = fast.run(source, model, name, args);
                } catch (error) {
                  return Promise.reject(error);
                }
                return result === NOT_FAST ? prismaMethod(args) : Promise.resolve(result);
              };
              wrapped.set(name, method);
            }
            return method;
          },
        });
        delegates.set(prop, delegate);
      }
      return delegate;
    },
  }) as unknown as PrismaClient;
}
