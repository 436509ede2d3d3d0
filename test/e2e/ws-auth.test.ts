/**
 * WebSocket authentication: a connectionParams token is looked up in the database once per
 * connection; every operation on it re-checks it through the token cache (in memory), so a token
 * revoked or expired meanwhile starts no new operation; a token in the subscribe message's
 * `extensions.headers.authorization` (what GraphiQL sends from its Headers tab) is checked once
 * for that operation. Counted in SQL statements against one HTTP request's token check.
 */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { issueToken } from '../../src/schema/auth.js';
import { Collector, type LiveServer, liveServer } from '../support/live.js';

let s: LiveServer;
let staff: string;
let customer: string;
let warehouseId: number;

const isAuthStatement = (sql: string) => /AuthToken|FROM \S*User\W/.test(sql);
/** The token-check statements run while `fn` runs. */
async function authStatements(fn: () => Promise<void>): Promise<number> {
  const from = s.queries.length;
  await fn();
  return s.queries.slice(from).filter(isAuthStatement).length;
}

const ME = '{ me { username } }';
const CRATES = 'subscription { postSave(model: CRATE) { cursor node { ... on Crate { name } } } }';
type CrateEvent = { postSave: { cursor: string; node: { name: string } | null } };

beforeAll(async () => {
  s = await liveServer();
  staff = (await s.staff()).token;
  customer = (await s.customer('ws-customer')).token;
  warehouseId = (await s.data.db.warehouse.create({ data: { name: 'WS Dock' } })).id;
});
afterAll(() => s.close());

/**
 * A token no request has used yet: each count below starts from a token the server has not
 * seen, so its first check is a database lookup the count includes, whatever the cache holds.
 */
async function freshStaffToken(server: LiveServer = s): Promise<string> {
  const r = await server.gql<{ logIn: { token: string } }>(
    'mutation { logIn(input: { username: "admin", password: "admin-password" }) { token } }',
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.logIn.token;
}

/** One HTTP request's token check: the unit the WebSocket counts are compared with. */
async function perRequest(): Promise<number> {
  const token = await freshStaffToken();
  const n = await authStatements(async () => {
    const r = await s.gql('{ __typename }', {}, token);
    expect(r.data).toEqual({ __typename: 'Query' });
  });
  expect(n).toBeGreaterThan(0);
  return n;
}

function client(connectionParams?: Record<string, unknown>) {
  return createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0 });
}

async function createCrate(name: string) {
  await s.data.db.crate.create({ data: { name, warehouseId } });
}

describe('graphql-ws authentication', () => {
  it('a connectionParams token is looked up once for the connection, not per operation', async () => {
    const unit = await perRequest();
    const ws = client({ authorization: `Bearer ${await freshStaffToken()}` });
    const a = new Collector<CrateEvent>();
    const b = new Collector<CrateEvent>();
    const stops: Array<() => void> = [];
    const before = s.realtime.bus.subscriberCount;
    const statements = await authStatements(async () => {
      stops.push(
        ws.subscribe<CrateEvent>(
          { query: CRATES },
          a.sink((d: CrateEvent) => d),
        ),
      );
      stops.push(
        ws.subscribe<CrateEvent>(
          { query: CRATES },
          b.sink((d: CrateEvent) => d),
        ),
      );
      await s.subscribers(2, before);
      await createCrate('once-per-connection');
      await a.count(1);
      await b.count(1);
    });
    expect(a.items[0]?.postSave.node?.name).toBe('once-per-connection');
    expect(b.items[0]?.postSave.node?.name).toBe('once-per-connection');
    expect(statements).toBe(unit);
    for (const stop of stops) stop();
    await ws.dispose();
    await s.drained(before);
  });

  it("a token in the subscribe message's extensions.headers is checked once for that operation", async () => {
    const unit = await perRequest();
    const token = await freshStaffToken();
    const ws = client(); // no connectionParams, as GraphiQL connects
    const events = new Collector<CrateEvent>();
    const before = s.realtime.bus.subscriberCount;
    let stop = () => {};
    const statements = await authStatements(async () => {
      stop = ws.subscribe<CrateEvent>(
        // the header name as a person types it in GraphiQL's Headers tab
        { query: CRATES, extensions: { headers: { Authorization: `Bearer ${token}` } } },
        events.sink((d: CrateEvent) => d),
      );
      await s.subscribers(1, before);
      await createCrate('from-headers-tab');
      await events.count(1);
    });
    expect(events.items[0]?.postSave.node?.name).toBe('from-headers-tab');
    expect(statements).toBe(unit);
    stop();
    await ws.dispose();
    await s.drained(before);
  });

  it("the subscribe message's token wins over the connection's for that operation only", async () => {
    // connected as a customer (who sees no crates), one operation as STAFF by its header
    const ws = client({ authorization: `Bearer ${customer}` });
    const asStaff = new Collector<CrateEvent>();
    const asCustomer = new Collector<{ me: { username: string } }>();
    const before = s.realtime.bus.subscriberCount;
    const stop = ws.subscribe<CrateEvent>(
      { query: CRATES, extensions: { headers: { authorization: `Bearer ${staff}` } } },
      asStaff.sink((d: CrateEvent) => d),
    );
    ws.subscribe<{ me: { username: string } }>(
      { query: '{ me { username } }' },
      asCustomer.sink((d: { me: { username: string } }) => d),
    );
    await s.subscribers(1, before);
    await createCrate('seen-by-staff-header');
    expect((await asStaff.count(1))[0]?.postSave.node?.name).toBe('seen-by-staff-header');
    expect((await asCustomer.count(1))[0]).toEqual({ me: { username: 'ws-customer' } });
    stop();
    await ws.dispose();
    await s.drained(before);
  });

  it('a bad token in the subscribe message fails that operation with UNAUTHENTICATED; the connection stays', async () => {
    const ws = client();
    const failed = await new Promise<unknown>((resolve) => {
      ws.subscribe(
        { query: CRATES, extensions: { headers: { authorization: 'Bearer made-up' } } },
        { next: (r) => resolve(r.errors), error: resolve, complete: () => resolve('completed') },
      );
    });
    expect(JSON.stringify(failed)).toContain('UNAUTHENTICATED');
    expect(JSON.stringify(failed)).toContain('Invalid or expired token');
    const me = new Collector<{ me: null }>();
    ws.subscribe(
      { query: '{ me { username } }' },
      me.sink((d: { me: null }) => d),
    );
    expect(await me.count(1)).toEqual([{ me: null }]);
    await ws.dispose();
  });

  it('an anonymous connection runs no token check at all', async () => {
    const ws = client();
    const me = new Collector<{ me: null }>();
    const statements = await authStatements(async () => {
      ws.subscribe(
        { query: '{ me { username } }' },
        me.sink((d: { me: null }) => d),
      );
      await me.count(1);
    });
    expect(me.items).toEqual([{ me: null }]);
    expect(statements).toBe(0);
    await ws.dispose();
  });
});

/** The first result of one operation on `ws`: its data, or its errors. */
function once(
  ws: ReturnType<typeof client>,
  payload: { query: string; extensions?: Record<string, unknown> },
): Promise<{ data?: unknown; errors?: unknown }> {
  return new Promise((resolve) => {
    ws.subscribe(payload, {
      next: (r) => resolve(r.errors ? { errors: r.errors } : { data: r.data }),
      error: (errors) => resolve({ errors }),
      complete: () => {},
    });
  });
}

const codeOf = (r: { errors?: unknown }) =>
  (r.errors as Array<{ extensions?: { code?: string } }> | undefined)?.[0]?.extensions?.code;

describe('a connection whose token stops being valid', () => {
  let r: LiveServer;
  beforeAll(async () => {
    // the batched revocation check is far away: what ends things below is logOut in this process
    r = await liveServer({ sessionCheckMs: 600_000 });
    await r.staff();
  });
  afterAll(() => r.close());

  const logIn = () => freshStaffToken(r);
  const connect = (token: string) =>
    createClient({
      url: r.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      // one socket throughout: a lazy client would reconnect per operation (and be refused at connect)
      lazy: false,
    });

  it('after logOut the socket starts no new operation with it, and its subscriptions end with UNAUTHENTICATED', async () => {
    const token = await logIn();
    const other = await logIn();
    let sockets = 0;
    const opened = () => sockets++;
    r.http.wss.on('connection', opened);
    const ws = connect(token);
    expect(await once(ws, { query: ME })).toEqual({ data: { me: { username: 'admin' } } });
    const live = new Collector<CrateEvent>();
    const before = r.realtime.bus.subscriberCount;
    ws.subscribe<CrateEvent>(
      { query: CRATES },
      live.sink((d: CrateEvent) => d),
    );
    await r.subscribers(1, before);

    expect((await r.gql('mutation { logOut }', {}, token)).data).toEqual({ logOut: true });
    await expect(live.count(1)).rejects.toThrow(/UNAUTHENTICATED/);
    const refused = await once(ws, { query: ME });
    expect(codeOf(refused)).toBe('UNAUTHENTICATED');
    // the socket itself stays: an operation with a valid token of its own still runs
    const own = await once(ws, { query: ME, extensions: { headers: { authorization: `Bearer ${other}` } } });
    expect(own).toEqual({ data: { me: { username: 'admin' } } });
    expect(sockets).toBe(1);
    r.http.wss.off('connection', opened);
    await r.drained(before);
    await ws.dispose();
  });

  it('once the token expires the socket starts no new operation with it', async () => {
    const admin = await r.data.reader.user.findUniqueOrThrow({ where: { username: 'admin' } });
    const ttlMs = 1_500;
    const token = await issueToken(r.data, admin.id, ttlMs);
    const expiresAt = Date.now() + ttlMs;
    const ws = connect(token);
    expect(await once(ws, { query: ME })).toEqual({ data: { me: { username: 'admin' } } });
    await new Promise((resolve) => setTimeout(resolve, expiresAt - Date.now() + 100));
    const refused = await once(ws, { query: ME });
    expect(codeOf(refused)).toBe('UNAUTHENTICATED');
    await ws.dispose();
  });
});
