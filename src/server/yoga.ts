import { createGraphQLError, createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { DataLayer } from '../db/index.js';
import { userForToken } from '../schema/auth.js';
import { type Context, createContext, type SessionUser } from '../schema/context.js';
import { createMaskError, type ErrorLogger } from '../schema/errors.js';
import { buildSchema } from '../schema/index.js';

export interface AppDeps {
  data: DataLayer;
  tokenTtlMs: number;
  logError?: ErrorLogger;
}

export type App = YogaServerInstance<Record<string, never>, Context>;

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

const DEFAULT_QUERY = `# signalyard: writes fire model signals; committed events stream to subscribers.
# Sign in (logIn / signUp), then send "Authorization: Bearer <token>" in the headers below.

query Warehouses {
  warehouses(first: 10) {
    edges { node { id name newestCrate { id name } } }
  }
}
`;

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

/** Creates the yoga app (never listens: see http.ts). */
export function createApp(deps: AppDeps): App {
  const { data, logError = (m, e) => console.error(m, e) } = deps;
  return createYoga<Record<string, never>, Context>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    // yoga's own liveness check answers without the database; /health is ours (see above).
    healthCheckEndpoint: '/live',
    landingPage: false,
    graphiql: { title: 'signalyard', defaultQuery: DEFAULT_QUERY },
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
    context: async ({ request }) =>
      createContext(deps, await authenticate(data, request.headers.get('authorization'))),
    plugins: [useDatabaseHealth(data)],
  });
}
