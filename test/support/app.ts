import type { OpenOptions } from '../../src/db/index.js';
import { Realtime } from '../../src/realtime/index.js';
import { registerReceivers } from '../../src/receivers/index.js';
import { ensureAdmin } from '../../src/schema/auth.js';
import { type App, type AppDeps, createApp } from '../../src/server/yoga.js';
import { freshDatabase, freshSqliteDatabase, type TestDatabase } from './db.js';

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }>;
}

export interface TestApp extends TestDatabase {
  app: App;
  realtime: Realtime;
  /** Unexpected errors the server masked (a test that expects none checks it is empty). */
  masked: unknown[];
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GqlResult<T>>;
  /** Signs up a customer and returns its token and global id. */
  customer(username: string): Promise<{ token: string; id: string }>;
  /** The STAFF user `admin` (ADMIN_PASSWORD path), signed in. */
  staff(): Promise<{ token: string; id: string }>;
}

/** The real yoga app on a fresh database (see freshDatabase), called through `yoga.fetch` (no network). */
export async function testApp(
  options: {
    retentionMs?: number;
    subscriberCapacity?: number;
    sessionCheckMs?: number;
    app?: Partial<AppDeps>;
    /** A SQLite file whatever TEST_DATABASE_URL says (tests about SQLite itself). */
    sqlite?: boolean;
    /** What the data layer is opened with (timeouts, lock waits). */
    db?: Omit<OpenOptions, 'onQuery'>;
  } = {},
): Promise<TestApp> {
  const db = options.sqlite ? await freshSqliteDatabase(options.db) : await freshDatabase(options.db);
  registerReceivers();
  const masked: unknown[] = [];
  const realtime = new Realtime(db.data, {
    retentionMs: options.retentionMs ?? 3_600_000,
    pollMs: 100,
    sessionCheckMs: options.sessionCheckMs ?? 100,
    subscriberCapacity: options.subscriberCapacity,
    logError: (_m, e) => masked.push(e),
  }).start();
  const app = createApp({
    data: db.data,
    realtime,
    tokenTtlMs: 3_600_000,
    logError: (_m, e) => masked.push(e),
    databaseFile: db.kind === 'sqlite' ? db.file : null,
    ...options.app,
  });

  const gql: TestApp['gql'] = async (query, variables, token) => {
    const response = await app.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as GqlResult;
    return { ...body, status: response.status } as never;
  };

  const signIn = async (mutation: 'signUp' | 'logIn', username: string, password: string) => {
    const r = await gql<{ auth: { token: string; user: { id: string } } }>(
      `mutation($input: CredentialsInput!) { auth: ${mutation}(input: $input) { token user { id } } }`,
      { input: { username, password } },
    );
    if (!r.data?.auth) throw new Error(`${mutation} ${username} failed: ${JSON.stringify(r.errors)}`);
    return { token: r.data.auth.token, id: r.data.auth.user.id };
  };

  return {
    ...db,
    async close() {
      await realtime.stop();
      await db.close();
    },
    realtime,
    app,
    masked,
    gql,
    customer: (username) => signIn('signUp', username, 'password-123'),
    staff: async () => {
      await ensureAdmin(db.data, 'admin-password');
      return signIn('logIn', 'admin', 'admin-password');
    },
  };
}

/** A test app and the STAFF token, for suites that act as STAFF. */
export async function staffApp(
  options: Parameters<typeof testApp>[0] = {},
): Promise<{ t: TestApp; staff: string }> {
  const t = await testApp(options);
  return { t, staff: (await t.staff()).token };
}

/**
 * The statements a query itself ran: without the per-request bearer-token lookup (token, then
 * user) and the realtime tailer's reads of the event log, which run after earlier commits
 * whenever they come (with the fast path they can land inside the counted request).
 */
export function appStatements(queries: string[]): string[] {
  return queries.filter((q) => !/AuthToken|FROM \S*User\W|FROM \S*Event\W/.test(q));
}
