import { useGraphQLSSE } from '@graphql-yoga/plugin-graphql-sse';
import { createGraphQLError, createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { DataLayer } from '../db/index.js';
import type { Realtime } from '../realtime/index.js';
import { userForToken } from '../schema/auth.js';
import { type Context, createContext, type SessionUser } from '../schema/context.js';
import { createMaskError, type ErrorLogger } from '../schema/errors.js';
import { buildSchema } from '../schema/index.js';
import { usePages } from './pages/index.js';

export interface AppDeps {
  data: DataLayer;
  tokenTtlMs: number;
  realtime: Realtime;
  logError?: ErrorLogger;
  /** GraphiQL and /console (default on; production turns them off unless GRAPHIQL=1). */
  graphiql?: boolean;
}

/** `GET /health`: 200 when the database answers a query, 503 otherwise. */
function useDatabaseHealth(data: DataLayer): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== '/health' || request.method !== 'GET') return;
      try {
        await data.reader.$queryRawUnsafe('SELECT 1');
        endResponse(Response.json({ status: 'ok' }));
      } catch {
        endResponse(
          Response.json({ status: 'unavailable', reason: 'database did not answer' }, { status: 503 }),
        );
      }
    },
  };
}

/**
 * The user of an `Authorization: Bearer <token>` value; null without one. A token that is
 * malformed, unknown or expired is refused (401), never silently treated as anonymous.
 */
export async function authenticate(
  data: DataLayer,
  authorization: string | null | undefined,
): Promise<SessionUser | null> {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  const user = match?.[1] ? await userForToken(data, match[1]) : null;
  if (!user) {
    throw createGraphQLError('Invalid or expired token: sign in again (logIn) and send "Bearer <token>"', {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
  }
  return user;
}

/** What graphql-ws passes as the server context of a WebSocket operation. */
export interface ServerContext {
  connectionParams?: Record<string, unknown>;
  /** Set on WebSocket operations: the user http.ts already authenticated (once per connection). */
  sessionUser?: SessionUser | null;
}

export type App = YogaServerInstance<ServerContext, Context>;

/** The bearer value of an HTTP request (WebSocket operations arrive authenticated: see http.ts). */
function authorizationOf(initial: { request?: unknown }) {
  // a fetch Request (yoga's own Headers class, so no instanceof); a WebSocket upgrade has none here
  const headers = (initial.request as { headers?: { get?: unknown } } | undefined)?.headers;
  if (typeof headers?.get === 'function') return (headers as Headers).get('authorization');
  return undefined;
}

/**
 * The graphql-sse protocol's single-connection mode (PUT to reserve a stream, a stream token,
 * DELETE to stop) on /graphql. Its distinct-connections mode is plain SSE, which yoga answers.
 */
function useGraphQLSSESingleConnection(): Plugin {
  const inner = useGraphQLSSE({ endpoint: '/graphql' });
  return {
    onYogaInit: inner.onYogaInit,
    onRequest(payload) {
      const { request, url } = payload;
      const single =
        request.method === 'PUT' ||
        request.method === 'DELETE' ||
        request.headers.has('x-graphql-event-stream-token') ||
        url.searchParams.has('token');
      if (single) return inner.onRequest?.(payload);
    },
  };
}

/** Creates the yoga app (never listens: see http.ts). */
export function createApp(deps: AppDeps): App {
  const { data, logError = (m, e) => console.error(m, e) } = deps;
  return createYoga<ServerContext, Context>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    // yoga's own liveness check answers without the database; /health is ours (see above).
    healthCheckEndpoint: '/live',
    landingPage: false,
    // GraphiQL and /console are served by usePages (src/server/pages), with no CDN.
    graphiql: false,
    maskedErrors: { maskError: createMaskError(logError) },
    logging: {
      debug: () => {},
      info: () => {},
      warn: (...args: unknown[]) => console.warn(...args),
      // maskError (src/schema/errors.ts) already reported the unexpected ones; expected ones are not news.
      error: (...args: unknown[]) => {
        const [first] = args;
        if (first instanceof Error && 'extensions' in first) return;
        logError('[signalyard] server error', first);
      },
    },
    context: async (initial) =>
      createContext(
        deps,
        initial.sessionUser !== undefined
          ? initial.sessionUser
          : await authenticate(data, authorizationOf(initial)),
      ),
    plugins: [
      useDatabaseHealth(data),
      useGraphQLSSESingleConnection(),
      usePages({ endpoint: '/graphql', enabled: deps.graphiql !== false }),
    ],
  });
}
