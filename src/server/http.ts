import { createServer, type Server } from 'node:http';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Session } from '../schema/context.js';
import { SHUTDOWN_REASON } from './streams.js';
import { sessionOfOperation } from './ws-auth.js';
import { type App, appSubscriptions } from './yoga.js';

export interface HttpServer {
  server: Server;
  wss: WebSocketServer;
  close(): Promise<void>;
  /**
   * The stop sequence: stop accepting, `flush` (main: the log tailer publishes what is committed,
   * so live subscribers get it before their end), end every subscription with a reason (SSE: a
   * last error event, then complete; WebSocket: that event, then close code 1001 with a reason),
   * let in-flight requests finish, then close. Connections still open at the deadline are cut.
   */
  shutdown(deadlineMs: number, flush?: () => Promise<void>): Promise<void>;
}

/** WebSocket close code 1001 (Going Away): the server is stopping. */
const GOING_AWAY = 1001;

type Enveloped = ReturnType<App['getEnveloped']>;
type RootValue = { execute: Enveloped['execute']; subscribe: Enveloped['subscribe'] };

/** A syntax error coded as yoga codes it on HTTP (limit refusals carry their own code already). */
function parseFailed(error: GraphQLError): GraphQLError {
  if (error.extensions.code) return error;
  return new GraphQLError(error.message, {
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code: 'GRAPHQL_PARSE_FAILED' },
  });
}

/**
 * HTTP and WebSocket on one port: yoga answers HTTP (queries, mutations, SSE, GraphiQL), and
 * graphql-ws answers WebSocket upgrades on the same path, running operations through yoga's
 * envelop so both transports share the schema, context, auth and error masking.
 */
export function createHttpServer(
  app: App,
  authenticate: (authorization: string | undefined) => Promise<Session | null>,
): HttpServer {
  const server = createServer(app);
  const wss = new WebSocketServer({ server, path: app.graphqlEndpoint });
  // The connection's connectionParams bearer value, checked when the socket opens; every
  // operation re-checks it (or its own header's) through the token cache: ws-auth.ts.
  const disposable = useServer<Record<string, unknown> | undefined, { authorization: string | undefined }>(
    {
      execute: (args) => (args.rootValue as RootValue).execute(args as ExecutionArgs),
      subscribe: (args) => (args.rootValue as RootValue).subscribe(args as ExecutionArgs),
      // A bad token is refused when the connection opens, with a reason the client can show.
      onConnect: async (ctx) => {
        const given = ctx.connectionParams?.authorization;
        const authorization = typeof given === 'string' ? given : undefined;
        try {
          await authenticate(authorization);
          ctx.extra.authorization = authorization;
          return true;
        } catch (error) {
          const reason = error instanceof Error ? error.message : 'Unauthorized';
          ctx.extra.socket.close(CloseCode.Unauthorized, reason.slice(0, 120));
          return false;
        }
      },
      // GraphiQL sends its Headers tab in each subscribe message: such a token is authenticated
      // for that operation only; otherwise the operation runs as the connection's user.
      onSubscribe: async (ctx, _id, payload) => {
        let session: Session | null;
        try {
          session = await sessionOfOperation(authenticate, ctx.extra.authorization, payload.extensions);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = app.getEnveloped({
          ...ctx,
          // `req`, not `request`: yoga takes a `request` for an HTTP one and refuses a mutation
          // when its method is GET, which the upgrade's is
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionParams: ctx.connectionParams,
          session,
          // graphql-ws's context is not yoga's server context; yoga reads only the fields above.
        } as never);
        let document: ReturnType<typeof parse>;
        try {
          document = parse(payload.query);
        } catch (error) {
          // a document the server will not run fails that operation; thrown, graphql-ws would
          // close the whole connection (4500) and every subscription on it
          if (error instanceof GraphQLError) return [parseFailed(error)];
          throw error;
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        return {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies RootValue,
        };
      },
    },
    wss,
  );
  return {
    server,
    wss,
    async close() {
      await disposable.dispose();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async shutdown(deadlineMs, flush) {
      const deadline = Date.now() + deadlineMs;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await flush?.();
      await appSubscriptions(app).endAll(deadlineMs / 2);
      for (const socket of wss.clients) socket.close(GOING_AWAY, SHUTDOWN_REASON.slice(0, 120));
      await disposable.dispose();
      // keep-alive connections become idle as their requests finish
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      const cut = setTimeout(() => server.closeAllConnections(), Math.max(deadline - Date.now(), 0));
      await closed;
      clearInterval(idle);
      clearTimeout(cut);
    },
  };
}

/**
 * Pending connections the kernel queues while the process is busy accepting (issue 9: 10,000
 * WebSocket clients connecting at once). Node's default, 511, overflows and the kernel drops
 * the SYNs past it, so clients wait for retransmits or fail; Linux still caps this at
 * net.core.somaxconn.
 */
const LISTEN_BACKLOG = 8_192;

export function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
