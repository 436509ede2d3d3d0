/**
 * urql against signalyard: queries and mutations over HTTP, subscriptions over SSE with the
 * graphql-sse client (a bearer header, as on any HTTP request).
 *
 *   SIGNALYARD_PASSWORD=<admin password> npx tsx examples/urql.ts
 */
import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient } from 'graphql-sse';
import { CRATE_SAVES, type CrateEvent, type DemoClient, optionsFromEnv, runDemo } from './resume-demo.js';

const options = optionsFromEnv(process.env);

function connect(token: string | null): DemoClient {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const sse = createClient({ url: options.url, headers, retryAttempts: 0 });
  const client = new Client({
    url: options.url,
    fetchOptions: { headers },
    exchanges: [
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: sse.subscribe(
              { ...request, query: request.query ?? '' },
              {
                next: (value) => sink.next(value as Parameters<typeof sink.next>[0]),
                error: (error) => sink.error(error),
                complete: () => sink.complete(),
              },
            ),
          }),
        }),
      }),
      fetchExchange,
    ],
  });
  return {
    async mutate<T>(mutation: string, variables: Record<string, unknown>) {
      const r = await client.mutation<T>(mutation, variables).toPromise();
      if (r.error || !r.data) throw r.error ?? new Error('no data');
      return r.data;
    },
    follow(after, onEvent, onError) {
      const { unsubscribe } = client
        .subscription<{ postSave: CrateEvent }>(CRATE_SAVES, { after })
        .subscribe((r) => (r.data ? onEvent(r.data.postSave) : onError(r.error)));
      return unsubscribe;
    },
    async close() {
      sse.dispose();
    },
  };
}

await runDemo({ label: 'urql', ...options, connect });
