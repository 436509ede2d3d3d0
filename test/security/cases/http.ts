/** CSRF, CORS, graphql-sse reservations, the request id and Idempotency-Key. */
import assert from 'node:assert/strict';
import { type AbuseCase, CREATE_WAREHOUSE, ok, refused, repeat, SIGN_UP } from './shape.js';

export const HTTP_CASES: AbuseCase[] = [
  {
    area: 'HTTP',
    sent: 'a mutation as an `application/x-www-form-urlencoded` POST',
    as: 'staff',
    run: (f, s) =>
      f.fetch(
        '/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `query=${encodeURIComponent('mutation { createWarehouse(input: { name: "csrf" }) { id } }')}`,
        },
        s,
      ),
    expect: refused('FORBIDDEN', 403, 'CSRF prevention: a browser sends this cross-site without a preflight'),
  },
  {
    area: 'HTTP',
    sent: 'a mutation as a `multipart/form-data` POST',
    as: 'staff',
    run: (f, s) => {
      const form = new FormData();
      form.set(
        'operations',
        JSON.stringify({ query: 'mutation { createWarehouse(input: { name: "csrf" }) { id } }' }),
      );
      return f.fetch('/graphql', { method: 'POST', body: form }, s);
    },
    expect: refused('FORBIDDEN', 403),
  },
  {
    area: 'HTTP',
    sent: 'a `text/plain` POST',
    as: 'staff',
    run: (f, s) =>
      f.fetch(
        '/graphql',
        { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ __typename }"}' },
        s,
      ),
    expect: refused('FORBIDDEN', 403),
  },
  {
    area: 'HTTP',
    sent: 'a GET query without a CSRF header',
    as: 'anonymous',
    run: (f, s) => f.fetch(`/graphql?query=${encodeURIComponent('{ __typename }')}`, { method: 'GET' }, s),
    expect: refused('FORBIDDEN', 403),
  },
  {
    area: 'HTTP',
    sent: 'a GET query with `x-graphql-csrf: 1`',
    as: 'anonymous',
    run: (f, s) =>
      f.fetch(
        `/graphql?query=${encodeURIComponent('{ __typename }')}`,
        { method: 'GET' },
        { ...s, headers: { 'x-graphql-csrf': '1' } },
      ),
    expect: ok(),
  },
  {
    area: 'HTTP',
    sent: 'a mutation as a GET (with the CSRF header)',
    as: 'staff',
    run: (f, s) =>
      f.fetch(
        `/graphql?query=${encodeURIComponent('mutation { logOut }')}`,
        { method: 'GET' },
        { ...s, headers: { 'x-graphql-csrf': '1' } },
      ),
    expect: refused('BAD_USER_INPUT', 405),
  },
  {
    area: 'HTTP',
    sent: 'a request from an origin not in CORS_ORIGINS',
    as: 'staff',
    run: (f, s) => f.gql('{ __typename }', {}, { ...s, headers: { origin: 'https://evil.example' } }),
    expect: ok(
      'no `Access-Control-Allow-Origin`: the browser keeps the answer from the page',
      (_body, response) => assert.equal(response.headers.get('access-control-allow-origin'), null),
    ),
  },
  {
    area: 'HTTP',
    sent: 'a CORS preflight from an origin in CORS_ORIGINS',
    as: 'anonymous',
    run: (f, s) =>
      f.fetch(
        '/graphql',
        {
          method: 'OPTIONS',
          headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
        },
        s,
      ),
    expect: {
      status: 204,
      code: null,
      note: 'that origin (never a reflection of any origin), with credentials',
      check: (_body, response) => {
        assert.equal(response.headers.get('access-control-allow-origin'), 'https://app.example');
        assert.equal(response.headers.get('access-control-allow-credentials'), 'true');
      },
    },
  },
  {
    area: 'HTTP',
    sent: '11 graphql-sse stream reservations (PUT) from one address',
    as: 'anonymous',
    run: (f, s) => repeat(11, () => f.fetch('/graphql', { method: 'PUT' }, s)),
    expect: refused(
      'TOO_MANY_REQUESTS',
      429,
      'SSE_RESERVATIONS_PER_ADDRESS, 10 unused at a time; unused ones expire',
    ),
  },
  {
    area: 'HTTP',
    sent: 'a request that fails: the request id',
    as: 'anonymous',
    run: (f, s) => f.gql('{ nope }', {}, { ...s, headers: { 'x-request-id': 'client-chosen-42' } }),
    expect: refused(
      'GRAPHQL_VALIDATION_FAILED',
      200,
      'the `X-Request-Id` header answers the id the log line carries',
      (_body, response) => assert.equal(response.headers.get('x-request-id'), 'client-chosen-42'),
    ),
  },
  {
    area: 'HTTP',
    sent: 'a mutation with an `Idempotency-Key` of 129 characters',
    as: 'staff',
    run: (f, s) =>
      f.gql(CREATE_WAREHOUSE, { name: 'keyed' }, { ...s, headers: { 'idempotency-key': 'k'.repeat(129) } }),
    expect: refused('BAD_USER_INPUT', 200, '1 to 128 printable ASCII characters; nothing runs', (body) =>
      assert.equal(body.errors?.[0]?.extensions?.field, 'Idempotency-Key'),
    ),
  },
  {
    area: 'HTTP',
    sent: 'a signUp with an `Idempotency-Key`, signed out',
    as: 'anonymous',
    run: (f, s) =>
      f.gql(SIGN_UP, { u: 'keyed-anon', p: 'password-123' }, { ...s, headers: { 'idempotency-key': 'k1' } }),
    expect: refused('BAD_USER_INPUT', 200, 'keys are kept per user: an anonymous request cannot use one'),
  },
  {
    area: 'HTTP',
    sent: 'one `Idempotency-Key` for two different mutations',
    as: 'staff',
    run: async (f, s) => {
      const headers = { 'idempotency-key': 'same-key' };
      await (await f.gql(CREATE_WAREHOUSE, { name: 'first' }, { ...s, headers })).text();
      return f.gql(CREATE_WAREHOUSE, { name: 'second' }, { ...s, headers });
    },
    expect: refused(
      'BAD_USER_INPUT',
      200,
      '`extensions.reason: "IDEMPOTENCY_KEY_REUSED"`; the second runs nothing',
      (body) => assert.equal(body.errors?.[0]?.extensions?.reason, 'IDEMPOTENCY_KEY_REUSED'),
    ),
  },
];
