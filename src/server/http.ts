import { createServer, type Server } from 'node:http';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { SessionUser } from '../schema/context.js';
import { authorizationOfSubscribe } from './ws-auth.js';
import type { App } from './yoga.js';

export interface HttpServer {
  server: Server;
  wss: WebSocketServer;
  close(): Promise<void>;
}

type Enveloped = ReturnType<App['getEnveloped']>;
type RootValue = { execute: Enveloped['execute']; subscribe: Enveloped['subscribe'] };

/**
 * HTTP and WebSocket on one port: yoga answers HTTP (queries, mutations, SSE, GraphiQL), and
 * graphql-ws answers WebSocket upgrades on the same path, running operations through yoga's
 * envelop so both transports share the schema, context, auth and error masking.
 */
export function createHttpServer(
  app: App,
  authenticate: (authorization: string | undefined) => Promise<SessionUser | null>,
): HttpServer {
  const server = createServer(app);
  const wss = new WebSocketServer({ server, path: app.graphqlEndpoint });
  // The user of the connection's connectionParams token, authenticated once when it opens.
  const disposable = useServer<Record<string, unknown> | undefined, { user: SessionUser | null }>(
    {
      execute: (args) => (args.rootValue as RootValue).execute(args as ExecutionArgs),
      subscribe: (args) => (args.rootValue as RootValue).subscribe(args as ExecutionArgs),
      // A bad token is refused when the connection opens, with a reason the client can show.
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        try {
          ctx.extra.user = await authenticate(typeof authorization === 'string' ? authorization : undefined);
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
        const authorization = authorizationOfSubscribe(payload.extensions);
        let user = ctx.extra.user ?? null;
        if (authorization !== undefined) {
          try {
            user = await authenticate(authorization);
          } catch (error) {
            if (error instanceof GraphQLError) return [error];
            throw error;
          }
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = app.getEnveloped({
          ...ctx,
          request: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionParams: ctx.connectionParams,
          sessionUser: user,
          // graphql-ws's context is not yoga's server context; yoga reads only the fields above.
        } as never);
        const document = parse(payload.query);
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
  };
}

export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
