/**
 * WebSocket authentication: a connectionParams token is checked once per connection and its
 * user reused by every operation on it; a token in the subscribe message's
 * `extensions.headers.authorization` (what GraphiQL sends from its Headers tab) is checked once
 * for that operation. Counted in SQL statements against one HTTP request's token check.
 */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
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
 * seen, so a per-token cache (were there one) would not hide a second check.
 */
async function freshStaffToken(): Promise<string> {
  const r = await s.gql<{ logIn: { token: string } }>(
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
  it('a connectionParams token is checked once for the connection, not per operation', async () => {
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
