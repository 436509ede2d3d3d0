/**
 * NODE_ENV=production as API.md says: no introspection, no field suggestions, no GraphiQL; errors
 * masked. GRAPHIQL=1 brings GraphiQL and /console back, and the introspection GraphiQL needs.
 */
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.js';
import type { AppDeps } from '../../src/server/yoga.js';
import { type TestApp, testApp } from '../support/app.js';

describe('configuration', () => {
  it('production turns GraphiQL off unless GRAPHIQL=1; HOST defaults to 127.0.0.1', () => {
    expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({
      production: true,
      graphiql: false,
      host: '127.0.0.1',
    });
    expect(loadConfig({ NODE_ENV: 'production', GRAPHIQL: '1' }).graphiql).toBe(true);
    expect(loadConfig({}).graphiql).toBe(true);
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('limits, CORS origins and log settings come from the environment, checked', () => {
    const config = loadConfig({
      MAX_DEPTH: '4',
      CORS_ORIGINS: 'https://a.example, http://localhost:5173',
      LOG_LEVEL: 'debug',
      LOG_QUERIES: '1',
    });
    expect(config.limits.maxDepth).toBe(4);
    expect(config.corsOrigins).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(config).toMatchObject({ logLevel: 'debug', logQueries: true });
    expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example/path' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ MAX_BODY_BYTES: '10' })).toThrow(/MAX_BODY_BYTES/);
  });

  it('REDIS_URL selects the Redis bus, with its key prefix; bad values stop start-up', () => {
    expect(loadConfig({})).toMatchObject({ redisUrl: null, redisPrefix: 'signalyard:' });
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379/2', REDIS_PREFIX: 'shop-eu:' })).toMatchObject({
      redisUrl: 'redis://cache:6379/2',
      redisPrefix: 'shop-eu:',
    });
    expect(() => loadConfig({ REDIS_URL: 'cache:6379' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ REDIS_PREFIX: 'a prefix with spaces' })).toThrow(/REDIS_PREFIX/);
  });
});

/** A fresh app built with these options, for the describe block that calls it. */
function appWith(options: Partial<AppDeps>): () => TestApp {
  let t: TestApp | undefined;
  beforeAll(async () => {
    t = await testApp({ app: options });
  });
  afterAll(() => t?.close());
  return () => {
    if (!t) throw new Error('the app did not start');
    return t;
  };
}

/** A misspelt field is refused without naming the real one ("Did you mean …?"). */
async function expectNoSuggestion(t: TestApp) {
  const r = await t.gql('{ nodez(ids: []) { id } }');
  expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(JSON.stringify(r.errors)).not.toMatch(/Did you mean/);
}

describe('a production app', () => {
  const t = appWith({ production: true, graphiql: false });

  it('refuses introspection', async () => {
    const r = await t().gql('{ __schema { types { name } } }');
    expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.data ?? null).toBeNull();
    expect((await t().gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  it('suggests no field names', () => expectNoSuggestion(t()));

  it('serves no GraphiQL to a browser', async () => {
    const response = await t().app.fetch('http://yoga/graphql', { headers: { accept: 'text/html' } });
    expect(await response.text()).not.toMatch(/graphiql/i);
  });
});

describe('a production app with GRAPHIQL=1', () => {
  const t = appWith({ production: true, graphiql: true });

  it('serves GraphiQL and /console and answers the introspection GraphiQL sends', async () => {
    const page = await t().app.fetch('http://yoga/graphql', { headers: { accept: 'text/html' } });
    expect(await page.text()).toContain('subscription Live');
    const consolePage = await t().app.fetch('http://yoga/console', { headers: { accept: 'text/html' } });
    expect(consolePage.status).toBe(200);
    const r = await t().gql<{ __schema: { queryType: { name: string } } }>(getIntrospectionQuery());
    expect(r.errors).toBeUndefined();
    expect(r.data?.__schema.queryType.name).toBe('Query');
  });

  it('still suggests no field names', () => expectNoSuggestion(t()));
});

describe('a development app', () => {
  const t = appWith({});

  it('answers introspection and suggests field names', async () => {
    expect((await t().gql('{ __schema { queryType { name } } }')).data).toEqual({
      __schema: { queryType: { name: 'Query' } },
    });
    expect(JSON.stringify((await t().gql('{ nodez(ids: []) { id } }')).errors)).toMatch(/Did you mean/);
  });
});
