/**
 * Hardening's checks on WebSocket operations, which http.ts authenticates itself (ws-auth):
 * mutations run, documents and variables the server refuses fail that operation with a code and
 * leave the connection (and its other subscriptions) open, logOut revokes the connection's token,
 * and sign-in rate limits key on the proxy's X-Forwarded-For as they do over HTTP.
 */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type LiveServer, liveServer } from '../support/live.js';

let s: LiveServer;
beforeAll(async () => {
  s = await liveServer();
});
afterAll(() => s.close());

/** A graphql-ws client (with a connectionParams token), counting the connections it opened. */
function client(token?: string, options: { url?: string; forwardedFor?: string } = {}) {
  const { forwardedFor } = options;
  // the upgrade request's headers, as a proxy in front of the server would set them
  class Proxied extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, forwardedFor ? { headers: { 'x-forwarded-for': forwardedFor } } : {});
    }
  }
  const ws = createClient({
    url: options.url ?? s.wsUrl,
    webSocketImpl: Proxied,
    ...(token && { connectionParams: { authorization: `Bearer ${token}` } }),
    retryAttempts: 0,
  });
  let connections = 0;
  ws.on('connected', () => {
    connections++;
  });
  return { ws, connections: () => connections };
}

interface Outcome {
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

/** The first result of one operation; an operation-level error (graphql-ws `error`) as its errors. */
function once(
  ws: ReturnType<typeof createClient>,
  payload: { query: string; variables?: Record<string, unknown> },
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    ws.subscribe(payload, {
      next: (result) => resolve(result as Outcome),
      error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
      complete: () => {},
    });
  });
}

const codeOf = (r: Outcome) => r.errors?.[0]?.extensions?.code;
const CREATE = 'mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) { name } }';

describe('WebSocket operations', () => {
  it('a mutation runs over graphql-ws (the upgrade is a GET, the operation is not)', async () => {
    const { ws } = client((await s.staff()).token);
    const r = await once(ws, { query: CREATE, variables: { i: { name: 'By WebSocket' } } });
    expect(r).toEqual({ data: { createWarehouse: { name: 'By WebSocket' } } });
    await ws.dispose();
  });

  it('refused documents and variables fail the operation with a code; the connection stays open', async () => {
    const { ws, connections } = client((await s.staff()).token);
    const before = s.realtime.bus.subscriberCount;
    const live: unknown[] = [];
    const stop = ws.subscribe(
      { query: 'subscription { postSave(model: WAREHOUSE) { cursor } }' },
      { next: (r) => live.push(r), error: (e) => live.push(e), complete: () => {} },
    );
    await s.subscribers(1, before);

    const deep = `{ ${'me { orders { edges { node { orderedBy { '.repeat(20)} id ${'} } } } }'.repeat(20)} }`;
    const nested = await once(ws, { query: deep });
    expect(codeOf(nested)).toBe('GRAPHQL_PARSE_FAILED');
    expect(nested.errors?.[0]?.message).toMatch(/nested deeper than/);
    expect(codeOf(await once(ws, { query: '{ me { ' }))).toBe('GRAPHQL_PARSE_FAILED');
    expect(codeOf(await once(ws, { query: '{ mee { username } }' }))).toBe('GRAPHQL_VALIDATION_FAILED');
    const surrogate = await once(ws, { query: CREATE, variables: { i: { name: 'a\uD800b' } } });
    expect(codeOf(surrogate)).toBe('BAD_USER_INPUT');
    expect(await s.data.db.warehouse.count({ where: { name: { startsWith: 'a' } } })).toBe(0);

    // one connection all along, and its subscription still delivers
    expect(await once(ws, { query: CREATE, variables: { i: { name: 'After refusals' } } })).toEqual({
      data: { createWarehouse: { name: 'After refusals' } },
    });
    const deadline = Date.now() + 10_000;
    while (live.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(live).toHaveLength(1);
    expect(connections()).toBe(1);
    stop();
    await ws.dispose();
  });

  it("logOut on a connection revokes the connection's token", async () => {
    const { token } = await s.customer('ws-logout');
    const { ws } = client(token);
    expect(await once(ws, { query: '{ me { username } }' })).toEqual({
      data: { me: { username: 'ws-logout' } },
    });
    expect(await once(ws, { query: 'mutation { logOut }' })).toEqual({ data: { logOut: true } });
    await ws.dispose();
    const after = await s.gql('{ me { username } }', {}, token);
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('behind a trusted proxy', () => {
  let proxied: LiveServer;
  beforeAll(async () => {
    proxied = await liveServer({ app: { trustProxy: true, limits: { authAttemptsPerAddress: 2 } } });
  });
  afterAll(() => proxied.close());

  it("logIn over WebSocket is rate limited per X-Forwarded-For address, not per the proxy's", async () => {
    const logIn = 'mutation { logIn(input: { username: "nobody", password: "wrong-password" }) { token } }';
    const a = client(undefined, { url: proxied.wsUrl, forwardedFor: '203.0.113.7' }).ws;
    expect(codeOf(await once(a, { query: logIn }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await once(a, { query: logIn }))).toBe('UNAUTHENTICATED');
    const refused = await once(a, { query: logIn });
    expect(codeOf(refused)).toBe('TOO_MANY_REQUESTS');
    expect(refused.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(0);
    // another client behind the same proxy (the same socket address) still gets its own count
    const b = client(undefined, { url: proxied.wsUrl, forwardedFor: '198.51.100.4' }).ws;
    expect(codeOf(await once(b, { query: logIn }))).toBe('UNAUTHENTICATED');
    await a.dispose();
    await b.dispose();
  });
});
