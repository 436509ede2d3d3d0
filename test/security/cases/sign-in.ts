/** Usernames, passwords and rate limits of logIn / signUp. */
import assert from 'node:assert/strict';
import { type AbuseCase, LOG_IN, ok, refused, repeat, SIGN_UP } from './shape.js';

export const SIGN_IN_CASES: AbuseCase[] = [
  {
    area: 'sign-in',
    sent: 'signUp `Admin` beside `admin`',
    as: 'anonymous',
    run: (f, s) => f.gql(SIGN_UP, { u: 'Admin', p: 'password-123' }, s),
    expect: refused('BAD_USER_INPUT', 200, 'usernames are NFKC + case-folded and unique'),
  },
  {
    area: 'sign-in',
    sent: 'signUp `ALICE` beside `alice`',
    as: 'anonymous',
    run: (f, s) => f.gql(SIGN_UP, { u: 'ALICE', p: 'password-123' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'sign-in',
    sent: 'signUp full-width `ａｌｉｃｅ` beside `alice`',
    as: 'anonymous',
    run: (f, s) => f.gql(SIGN_UP, { u: 'ａｌｉｃｅ', p: 'password-123' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'sign-in',
    sent: "logIn `ALICE` with alice's password",
    as: 'anonymous',
    run: (f, s) => f.gql(LOG_IN, { u: 'ALICE', p: 'password-123' }, s),
    expect: ok('signed in as `alice`', (body) =>
      assert.equal(
        (body.data?.logIn as { user?: { username: string } } | undefined)?.user?.username,
        'alice',
      ),
    ),
  },
  {
    area: 'sign-in',
    sent: 'logIn of an unknown username',
    as: 'anonymous',
    run: (f, s) => f.gql(LOG_IN, { u: 'nobody-here', p: 'password-123' }, s),
    expect: refused(
      'UNAUTHENTICATED',
      200,
      'the same message as a wrong password (and a dummy hash is checked)',
      (body) => assert.equal(body.errors?.[0]?.message, 'Wrong username or password'),
    ),
  },
  {
    area: 'sign-in',
    sent: 'logIn with a wrong password',
    as: 'anonymous',
    run: (f, s) => f.gql(LOG_IN, { u: 'bob', p: 'wrong-password' }, s),
    expect: refused('UNAUTHENTICATED', 200, undefined, (body) =>
      assert.equal(body.errors?.[0]?.message, 'Wrong username or password'),
    ),
  },
  {
    area: 'sign-in',
    sent: '11 wrong passwords for one username, from 11 addresses',
    as: 'anonymous',
    run: async (f, s) => {
      let n = 0;
      return repeat(11, () =>
        f.gql(LOG_IN, { u: 'carol', p: 'wrong-password' }, { ...s, address: `${s.address}-${n++}` }),
      );
    },
    expect: refused(
      'TOO_MANY_REQUESTS',
      429,
      '`retryAfter` in seconds (AUTH_FAILURES_PER_USERNAME, 10)',
      (body) => assert.ok(Number(body.errors?.[0]?.extensions?.retryAfter) > 0),
    ),
  },
  {
    area: 'sign-in',
    sent: 'the right password after 10 wrong ones',
    as: 'anonymous',
    run: async (f, s) => {
      await f.gql(SIGN_UP, { u: 'dave', p: 'password-123' }, { ...s, address: `${s.address}-signup` });
      let n = 0;
      await repeat(10, () =>
        f.gql(LOG_IN, { u: 'dave', p: 'wrong-password' }, { ...s, address: `${s.address}-${n++}` }),
      );
      return f.gql(LOG_IN, { u: 'dave', p: 'password-123' }, { ...s, address: `${s.address}-last` });
    },
    expect: refused('TOO_MANY_REQUESTS', 429, 'guessing is stopped, not just slowed'),
  },
  {
    area: 'sign-in',
    sent: '31 logIns from one address',
    as: 'anonymous',
    run: (f, s) => repeat(31, () => f.gql(LOG_IN, { u: 'bob', p: 'password-123' }, s)),
    expect: refused('TOO_MANY_REQUESTS', 429, 'AUTH_ATTEMPTS_PER_ADDRESS, 30 per 15 min', (body) =>
      assert.ok(Number(body.errors?.[0]?.extensions?.retryAfter) > 0),
    ),
  },
  {
    area: 'sign-in',
    sent: '31 signUps from one address',
    as: 'anonymous',
    run: async (f, s) => {
      let n = 0;
      return repeat(31, () => f.gql(SIGN_UP, { u: `flood${n++}`, p: 'password-123' }, s));
    },
    expect: refused('TOO_MANY_REQUESTS', 429),
  },
  {
    area: 'sign-in',
    sent: '16 aliased logIns in one request',
    as: 'anonymous',
    run: (f, s) =>
      f.gql(
        `mutation { ${Array.from({ length: 16 }, (_, i) => `l${i}: logIn(input: { username: "bob", password: "x${i}xxxxxxx" }) { token }`).join(' ')} }`,
        {},
        s,
      ),
    expect: refused('GRAPHQL_VALIDATION_FAILED', 200, 'the alias limit holds for mutations too'),
  },
  {
    area: 'sign-in',
    sent: 'signUp with a 7-character password',
    as: 'anonymous',
    run: (f, s) => f.gql(SIGN_UP, { u: 'shorty', p: 'short12' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'sign-in',
    sent: 'signUp with a space in the username',
    as: 'anonymous',
    run: (f, s) => f.gql(SIGN_UP, { u: 'a b c', p: 'password-123' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
];
