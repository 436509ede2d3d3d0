/**
 * Real clients against the real server on a loopback port: graphql-ws, graphql-sse (both of its
 * modes), Apollo Client 4 (GraphQLWsLink + HttpLink) and urql (subscriptionExchange). In each, a
 * STAFF subscriber sees a new crate's SaveEvent and the warehouse's update event, and a rejected
 * order publishes nothing.
 */
import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { fetchExchange, subscriptionExchange, Client as UrqlClient } from '@urql/core';
import { OperationTypeNode } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Collector, type LiveServer, liveServer } from '../support/live.js';

const POST_SAVE = `subscription Live {
  postSave {
    cursor model created updateFields
    node { id ... on Crate { name } ... on Warehouse { name newestCrate { name } } }
  }
}`;

interface SaveEvent {
  cursor: string;
  model: string;
  created: boolean;
  updateFields: string[] | null;
  node: { id: string; name?: string; newestCrate?: { name: string } | null } | null;
}

let s: LiveServer;
let staff: string;
let customer: string;
let warehouseId: string;
let scarceItem: string;

async function post<T>(
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<{ data?: T; errors?: unknown[] }> {
  const response = await fetch(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: T; errors?: unknown[] };
}

beforeAll(async () => {
  s = await liveServer();
  staff = (await s.staff()).token;
  customer = (await s.customer('shopper')).token;
  const w = await post<{ createWarehouse: { id: string } }>(
    'mutation { createWarehouse(input: { name: "Live Dock" }) { id } }',
    {},
    staff,
  );
  warehouseId = w.data?.createWarehouse.id ?? '';
  const i = await post<{ createInventoryItem: { id: string } }>(
    'mutation { createInventoryItem(input: { item: "rare", itemCode: 1, itemCondition: "new", quantity: 1 }) { id } }',
    {},
    staff,
  );
  scarceItem = i.data?.createInventoryItem.id ?? '';
});
afterAll(() => s.close());

type Mutate = (query: string, variables: Record<string, unknown>) => Promise<unknown>;

/**
 * The shared scenario: with a subscriber listening, a rejected order (no event), a crate (its
 * SaveEvent, then the warehouse's), then a marker warehouse proves nothing else came between.
 */
async function scenario(events: Collector<SaveEvent>, mutate: Mutate, label: string) {
  const rejected = await post(
    'mutation($i: ID!) { placeOrder(input: { inventoryItemId: $i, quantity: 5 }) { id } }',
    { i: scarceItem },
    customer,
  );
  expect(JSON.stringify(rejected.errors)).toContain('OUT_OF_STOCK');
  await mutate(
    'mutation($w: ID!, $n: String!) { createCrate(input: { name: $n, warehouseId: $w }) { id } }',
    {
      w: warehouseId,
      n: `crate-${label}`,
    },
  );
  await mutate('mutation($n: String!) { createWarehouse(input: { name: $n }) { id } }', {
    n: `marker-${label}`,
  });
  const [crate, warehouse, marker] = await events.count(3);
  expect(crate).toMatchObject({
    model: 'CRATE',
    created: true,
    updateFields: null,
    node: { name: `crate-${label}` },
  });
  expect(warehouse).toMatchObject({
    model: 'WAREHOUSE',
    created: false,
    updateFields: ['newestCrateId'],
    node: { id: warehouseId, newestCrate: { name: `crate-${label}` } },
  });
  // the rejected order published nothing: the next event is the marker
  expect(marker).toMatchObject({ model: 'WAREHOUSE', created: true, node: { name: `marker-${label}` } });
  expect(events.items).toHaveLength(3);
  const cursors = events.items.map((e) => e.cursor);
  expect(new Set(cursors).size).toBe(3);
}

const staffMutate: Mutate = async (query, variables) => {
  const r = await post(query, variables, staff);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data;
};

describe('graphql-ws client', () => {
  it('receives the crate and warehouse events; a rejected order sends none', async () => {
    const client = createWsClient({
      url: s.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${staff}` },
    });
    const events = new Collector<SaveEvent>();
    const before = s.realtime.bus.subscriberCount;
    const stop = client.subscribe<{ postSave: SaveEvent }>(
      { query: POST_SAVE },
      events.sink((d: { postSave: SaveEvent }) => d.postSave),
    );
    await s.subscribers(1, before);
    await scenario(events, staffMutate, 'ws');
    stop();
    await client.dispose();
    await s.drained(before);
  });

  it('an invalid token is refused when the connection opens, with a clear reason', async () => {
    const client = createWsClient({
      url: s.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: 'Bearer expired-or-made-up' },
      retryAttempts: 0,
    });
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
      client.on('closed', (event) => resolve(event as { code: number; reason: string }));
      client.subscribe({ query: POST_SAVE }, { next: () => {}, error: () => {}, complete: () => {} });
    });
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/Invalid or expired token/);
    await client.dispose();
  });

  it('an anonymous subscriber is refused with UNAUTHENTICATED', async () => {
    const client = createWsClient({ url: s.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    const error = await new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: POST_SAVE },
        { next: (r) => resolve(r.errors), error: resolve, complete: () => {} },
      );
    });
    expect(JSON.stringify(error)).toMatch(/UNAUTHENTICATED|Sign in/);
    await client.dispose();
  });
});

describe.each([
  ['distinct connections (yoga SSE)', false],
  ['single connection (graphql-sse protocol)', true],
])('graphql-sse client, %s', (_name, singleConnection) => {
  it('receives the crate and warehouse events; a rejected order sends none', async () => {
    const client = createSseClient({
      url: s.url,
      singleConnection,
      headers: { authorization: `Bearer ${staff}` },
      retryAttempts: 0,
    });
    const events = new Collector<SaveEvent>();
    const before = s.realtime.bus.subscriberCount;
    const stop = client.subscribe<{ postSave: SaveEvent }>(
      { query: POST_SAVE },
      events.sink((d: { postSave: SaveEvent }) => d.postSave),
    );
    await s.subscribers(1, before);
    await scenario(events, staffMutate, singleConnection ? 'sse-single' : 'sse');
    stop();
    client.dispose();
    await s.drained(before);
  });
});

describe('Apollo Client 4 (GraphQLWsLink + HttpLink)', () => {
  it('receives the crate and warehouse events; a rejected order sends none', async () => {
    const wsClient = createWsClient({
      url: s.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${staff}` },
    });
    const link = ApolloLink.split(
      ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
      new GraphQLWsLink(wsClient),
      new HttpLink({ uri: s.url, headers: { authorization: `Bearer ${staff}` } }),
    );
    const client = new ApolloClient({ link, cache: new InMemoryCache() });
    const events = new Collector<SaveEvent>();
    const before = s.realtime.bus.subscriberCount;
    const subscription = client.subscribe<{ postSave: SaveEvent }>({ query: gql(POST_SAVE) }).subscribe({
      next: (r) => (r.data ? events.push(r.data.postSave) : events.fail(r.error)),
      error: events.fail,
    });
    await s.subscribers(1, before);
    const mutate: Mutate = async (query, variables) => {
      const r = await client.mutate({ mutation: gql(query), variables });
      if (r.error) throw r.error;
      return r.data;
    };
    await scenario(events, mutate, 'apollo');
    subscription.unsubscribe();
    client.stop();
    await wsClient.dispose();
    await s.drained(before);
  });
});

describe('urql (subscriptionExchange over graphql-sse)', () => {
  it('receives the crate and warehouse events; a rejected order sends none', async () => {
    const sse = createSseClient({
      url: s.url,
      headers: { authorization: `Bearer ${staff}` },
      retryAttempts: 0,
    });
    const client = new UrqlClient({
      url: s.url,
      fetchOptions: { headers: { authorization: `Bearer ${staff}` } },
      exchanges: [
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({
              unsubscribe: sse.subscribe({ ...request, query: request.query ?? '' }, sink as never),
            }),
          }),
        }),
        fetchExchange,
      ],
    });
    const events = new Collector<SaveEvent>();
    const before = s.realtime.bus.subscriberCount;
    const { unsubscribe } = client.subscription<{ postSave: SaveEvent }>(POST_SAVE, {}).subscribe((r) => {
      if (r.data) events.push(r.data.postSave);
      else events.fail(r.error);
    });
    await s.subscribers(1, before);
    const mutate: Mutate = async (query, variables) => {
      const r = await client.mutation(query, variables).toPromise();
      if (r.error) throw r.error;
      return r.data;
    };
    await scenario(events, mutate, 'urql');
    unsubscribe();
    sse.dispose();
    await s.drained(before);
  });
});
