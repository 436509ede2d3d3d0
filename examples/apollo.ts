/**
 * Apollo Client 4 against signalyard: queries and mutations over HTTP, subscriptions over
 * graphql-ws with GraphQLWsLink (yoga refuses Apollo's multipart HTTP subscriptions with 406).
 *
 *   SIGNALYARD_PASSWORD=<admin password> npx tsx examples/apollo.ts
 */
import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CRATE_SAVES, type CrateEvent, type DemoClient, optionsFromEnv, runDemo } from './resume-demo.js';

const options = optionsFromEnv(process.env);

function connect(token: string | null): DemoClient {
  const authorization = token ? `Bearer ${token}` : undefined;
  const ws = createClient({
    url: options.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket, // Node 20 has no global WebSocket
    connectionParams: authorization ? { authorization } : {},
  });
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    link: ApolloLink.split(
      ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
      new GraphQLWsLink(ws),
      new HttpLink({ uri: options.url, headers: authorization ? { authorization } : {} }),
    ),
  });
  return {
    async mutate<T>(mutation: string, variables: Record<string, unknown>) {
      const r = await client.mutate<T>({ mutation: gql(mutation), variables });
      if (r.error || !r.data) throw r.error ?? new Error('no data');
      return r.data as T;
    },
    follow(after, onEvent, onError) {
      const subscription = client
        .subscribe<{ postSave: CrateEvent }>({ query: gql(CRATE_SAVES), variables: { after } })
        .subscribe({
          next: (r) => (r.data ? onEvent(r.data.postSave) : onError(r.error)),
          error: onError,
        });
      return () => subscription.unsubscribe();
    },
    async close() {
      client.stop();
      await ws.dispose();
    },
  };
}

await runDemo({ label: 'apollo', ...options, connect });
