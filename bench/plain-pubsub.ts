/**
 * What bench/fanout.ts compares signalyard with: a plain yoga server with its in-memory
 * `createPubSub`, graphql-ws on the same port (yoga's documented recipe) and yoga's own SSE,
 * answering the fan-out client's subscription with the payload as published (no outbox, no
 * re-read, no per-subscriber access check).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createPubSub, createSchema, createYoga } from 'graphql-yoga';
import { WebSocketServer } from 'ws';

interface CrateSaved {
  postSave: { cursor: string; node: { __typename: 'Crate'; id: string; name: string } };
}

type Enveloped = ReturnType<ReturnType<typeof createYoga>['getEnveloped']>;
type RootValue = { execute: Enveloped['execute']; subscribe: Enveloped['subscribe'] };

export interface PlainServer {
  url: string;
  subscribers(): number;
  publish(name: string): void;
  close(): Promise<void>;
}

export async function startPlainPubSub(options: { backlog?: number } = {}): Promise<PlainServer> {
  const pubSub = createPubSub<{ postSave: [CrateSaved] }>();
  let subscribers = 0;
  let cursor = 0;
  const yoga = createYoga({
    logging: false,
    graphiql: false,
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        enum ModelName { CRATE }
        interface Node { id: ID! }
        type Crate implements Node { id: ID! name: String! }
        type Saved { cursor: String! node: Node }
        type Query { ok: Boolean }
        type Subscription { postSave(model: ModelName!): Saved! }
      `,
      resolvers: {
        Subscription: {
          postSave: {
            // Counted on the iterator itself: a generator around it would wait for the next
            // event before its `finally` ran, so an ended subscription would stay counted.
            subscribe: (): AsyncIterableIterator<CrateSaved> => {
              subscribers++;
              const inner = pubSub.subscribe('postSave')[Symbol.asyncIterator]();
              let ended = false;
              const iterator: AsyncIterableIterator<CrateSaved> = {
                [Symbol.asyncIterator]: () => iterator,
                next: () => inner.next(),
                return: (value?: unknown) => {
                  if (!ended) subscribers--;
                  ended = true;
                  return inner.return?.(value) ?? Promise.resolve({ done: true, value: undefined });
                },
              };
              return iterator;
            },
          },
        },
      },
    }),
  });
  const server: Server = createServer(yoga);
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  useServer(
    {
      execute: (args) => (args.rootValue as RootValue).execute(args as ExecutionArgs),
      subscribe: (args) => (args.rootValue as RootValue).subscribe(args as ExecutionArgs),
      onSubscribe: async (ctx, _id, payload) => {
        // graphql-ws's context is not yoga's server context; yoga reads only what it needs of it
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        } as never);
        const document = parse(payload.query);
        const errors = validate(schema, document);
        if (errors.length > 0) return errors as GraphQLError[];
        return {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    wss,
  );
  // signalyard's listen backlog, so that the fan-out compares delivery, not connect storms
  // (bench/connect.ts measures those, with Node's default backlog here)
  const backlog = options.backlog;
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog }, resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return {
    url,
    subscribers: () => subscribers,
    publish(name) {
      cursor++;
      pubSub.publish('postSave', {
        postSave: { cursor: String(cursor), node: { __typename: 'Crate', id: `c${cursor}`, name } },
      });
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
