import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createGraphQLError, createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { DataLayer } from '../db/index.js';
import type { Realtime } from '../realtime/index.js';
import { sessionForToken } from '../schema/auth.js';
import { type Context, createContext, type Session } from '../schema/context.js';
import { createMaskError, type ErrorLogger } from '../schema/errors.js';
import { buildSchema } from '../schema/index.js';
import { configureTokenCache } from '../schema/sessions.js';
import { databaseLimiters, type LimiterFactory, useAuthRateLimit } from './auth-limits.js';
import { useBodyLimit } from './body-limit.js';
import { DEFAULT_LIMITS, type Limits } from './config.js';
import { DatabaseFile, useHealth, useWriteGuard } from './health.js';
import { useIdempotencyKeys } from './idempotency.js';
import { limitPlugins, parserCacheOptions } from './limits.js';
import { type Logger, silentLogger } from './logger.js';
import { usePages } from './pages/index.js';
import { attachContext, requestIdOf, useRequestLog } from './request.js';
import { useSharedEventResults } from './shared-events.js';
import { useGraphQLSSESingleConnection } from './sse.js';
import { Subscriptions } from './streams.js';

export interface AppDeps {
  data: DataLayer;
  tokenTtlMs: number;
  realtime: Realtime;
  /** Unexpected errors (with stack) and the request they happened in. Default: the logger. */
  logError?: ErrorLogger;
  /** Request lines and server messages. Default: silent. */
  logger?: Logger;
  /** GraphiQL and /console (default on; production turns them off unless GRAPHIQL=1). */
  graphiql?: boolean;
  /** NODE_ENV=production: no field suggestions, and no introspection unless `graphiql`. */
  production?: boolean;
  limits?: Partial<Limits>;
  /** Browser origins allowed to call the API (CORS); none: same-origin only. */
  corsOrigins?: string[];
  /** Trust X-Forwarded-For for the client address. */
  trustProxy?: boolean;
  /** The SQLite file, checked by /health and before a mutation is acknowledged. */
  databaseFile?: string | null;
  /** How long a token's user is remembered in this process (default 5 s; 0: not at all). */
  tokenCacheMs?: number;
  /** Where logIn/signUp rate-limit counters live (default: the database). */
  limiters?: LimiterFactory;
}

/** The token of an `Authorization: Bearer <token>` value, or null. */
function bearerOf(authorization: string | null | undefined): string | null {
  if (!authorization || authorization.length > 1_000) return null;
  return /^Bearer\s+(\S+)$/i.exec(authorization.trim())?.[1] ?? null;
}

/**
 * The session of an `Authorization: Bearer <token>` value; null without one. A token that is
 * malformed, unknown or expired is refused (401), never silently treated as anonymous.
 */
export async function authenticate(
  data: DataLayer,
  authorization: string | null | undefined,
): Promise<Session | null> {
  if (!authorization) return null;
  const token = bearerOf(authorization);
  const session = token ? await sessionForToken(data, token) : null;
  if (!session) {
    throw createGraphQLError('Invalid or expired token: sign in again (logIn) and send "Bearer <token>"', {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
  }
  return session;
}

/** What graphql-ws passes as the server context of a WebSocket operation. */
export interface ServerContext {
  connectionParams?: Record<string, unknown>;
  /**
   * Set on WebSocket operations: the session http.ts already authenticated (the connection's,
   * re-checked through the token cache, or the subscribe message's own header's); null: anonymous.
   */
  session?: Session | null;
}

export type App = YogaServerInstance<ServerContext, Context>;

/** The bearer value of an HTTP request (WebSocket operations arrive authenticated: see http.ts). */
function authorizationOf(initial: { request?: unknown }) {
  // a fetch Request (yoga's own Headers class, so no instanceof); a WebSocket upgrade has none here
  const headers = (initial.request as { headers?: { get?: unknown } } | undefined)?.headers;
  if (typeof headers?.get === 'function') return (headers as Headers).get('authorization');
  return undefined;
}

/** X-Forwarded-For of a fetch Request (HTTP) or of node's IncomingMessage (a WebSocket upgrade). */
function forwardedFor(initial: { req?: unknown; request?: unknown }): string | undefined {
  const headers = (initial.request as { headers?: { get?: unknown } } | undefined)?.headers;
  const raw =
    typeof headers?.get === 'function'
      ? (headers as Headers).get('x-forwarded-for')
      : (initial.req as { headers?: Record<string, unknown> } | undefined)?.headers?.['x-forwarded-for'];
  return typeof raw === 'string' ? raw.split(',')[0]?.trim() || undefined : undefined;
}

/** The client's address: the socket's peer, or X-Forwarded-For's first entry behind a trusted proxy. */
function clientAddressOf(initial: { req?: unknown; request?: unknown }, trustProxy: boolean): string {
  const forwarded = trustProxy ? forwardedFor(initial) : undefined;
  if (forwarded) return forwarded.slice(0, 64);
  // node:http's IncomingMessage: `req` for HTTP (yoga's server context) and WebSocket (http.ts)
  const req = initial.req as { socket?: { remoteAddress?: string } } | undefined;
  return req?.socket?.remoteAddress ?? 'unknown';
}

const subscriptionsOf = new WeakMap<App, Subscriptions>();
const eventResultsOf = new WeakMap<App, ReturnType<typeof useSharedEventResults>>();

/** How many times the app executed a subscription's selection for an event (shared ones count once). */
export function appEventExecutions(app: App): number {
  return eventResultsOf.get(app)?.executions() ?? 0;
}

/** The live subscriptions of an app (http.ts ends them on shutdown). */
export function appSubscriptions(app: App): Subscriptions {
  const found = subscriptionsOf.get(app);
  if (!found) throw new Error('not an app made by createApp');
  return found;
}

/** Headers that mark a request as not "simple" (a browser preflights it), besides a JSON content type. */
const CSRF_HEADERS = [
  'x-graphql-yoga-csrf',
  'x-graphql-csrf',
  'apollo-require-preflight',
  'x-apollo-operation-name',
];

function corsOptions(origins: readonly string[]) {
  if (origins.length === 0) return false;
  return (request: Request) => {
    const origin = request.headers.get('origin');
    // Only listed origins get CORS headers (with credentials); others get none: never a reflection.
    if (origin === null || !origins.includes(origin)) return false;
    return {
      origin: [origin],
      credentials: true,
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: [
        'content-type',
        'authorization',
        'idempotency-key',
        'x-request-id',
        ...CSRF_HEADERS,
        'x-graphql-event-stream-token',
      ],
      exposedHeaders: ['x-request-id', 'retry-after', 'idempotent-replayed'],
      maxAge: 600,
    };
  };
}

/** Creates the yoga app (never listens: see http.ts). */
export function createApp(deps: AppDeps): App {
  const { data } = deps;
  const logger = deps.logger ?? silentLogger();
  const logError: ErrorLogger =
    deps.logError ?? ((message, error, requestId) => logger.error({ err: error, requestId }, message));
  const limits: Limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const trustProxy = deps.trustProxy ?? false;
  const production = deps.production ?? false;
  const graphiql = deps.graphiql !== false;
  const file = new DatabaseFile(deps.databaseFile ?? null);
  const subscriptions = new Subscriptions();
  const eventResults = useSharedEventResults();
  configureTokenCache(data, deps.tokenCacheMs ?? 5_000);
  const mask = createMaskError(logError);

  const app = createYoga<ServerContext, Context>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    // yoga's own liveness check answers without the database; /health is ours (health.ts).
    healthCheckEndpoint: '/live',
    landingPage: false,
    // GraphiQL and /console are served by usePages (src/server/pages), with no CDN.
    graphiql: false,
    maskedErrors: { maskError: (error, message) => mask(error, message) },
    // MAX_BODY_BYTES: useBodyLimit below (yoga's check streams every body through a pipeline)
    maxRequestBodySize: false,
    parserAndValidationCache: parserCacheOptions(limits),
    multipart: false,
    cors: corsOptions(deps.corsOrigins ?? []),
    logging: {
      debug: (...args: unknown[]) => logger.debug({ args }, 'yoga'),
      info: (...args: unknown[]) => logger.info({ args }, 'yoga'),
      warn: (...args: unknown[]) => logger.warn({ args }, 'yoga'),
      // maskError (src/schema/errors.ts) already reported the unexpected ones; expected ones are not news.
      error: (...args: unknown[]) => {
        const [first] = args;
        if (first instanceof Error && 'extensions' in first) return;
        logError('[signalyard] server error', first);
      },
    },
    context: async (initial) => {
      const request = initial.request as Request | undefined;
      // WebSocket operations arrive authenticated (http.ts); HTTP requests carry their header
      const ws = initial.session !== undefined;
      const session = ws ? (initial.session ?? null) : await authenticate(data, authorizationOf(initial));
      const context = createContext(deps, session, {
        requestId: requestIdOf(request),
        clientAddress: clientAddressOf(initial as { req?: unknown; request?: unknown }, trustProxy),
      });
      attachContext(request, context);
      return context;
    },
    plugins: [
      useRequestLog(logger, logError),
      useHealth(data, file, deps.realtime),
      // before CSRF prevention: GraphiQL's page is a plain GET a browser sends without a preflight
      usePages({ endpoint: '/graphql', enabled: graphiql }),
      useCSRFPrevention({ requestHeaders: CSRF_HEADERS }),
      useGraphQLSSESingleConnection(limits, (payload) =>
        clientAddressOf(
          { req: (payload.serverContext as { req?: unknown }).req, request: payload.request },
          trustProxy,
        ),
      ),
      ...limitPlugins(limits, {
        suggestions: !production,
        // API.md: production turns introspection off unless GRAPHIQL=1, which cannot work without it
        introspection: !production || graphiql,
      }),
      // after every request parser (yoga's come before these plugins), so it wraps the chosen one
      useBodyLimit(limits.maxBodyBytes),
      useWriteGuard(file),
      useAuthRateLimit(limits, deps.limiters ?? databaseLimiters(data)),
      subscriptions.plugin(),
      // a live event's selection runs once for every subscriber with the same document and viewer
      eventResults,
      // last: its execute wraps whatever the others set, in the key's unit of work
      useIdempotencyKeys(data),
    ] as Plugin[],
  });
  subscriptionsOf.set(app, subscriptions);
  eventResultsOf.set(app, eventResults);
  return app;
}
