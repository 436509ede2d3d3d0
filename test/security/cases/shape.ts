/** The shape of an abuse case, the fixture it runs against, and the helpers the rows share. */
import assert from 'node:assert/strict';

export type Role = 'anonymous' | 'alice' | 'bob' | 'staff';

export interface Fixture {
  /** POST /graphql as JSON, from `address` (X-Forwarded-For: the test app trusts it). */
  gql(query: string, variables?: Record<string, unknown>, options?: Send): Promise<Response>;
  /** Any request to the app. */
  fetch(path: string, init?: RequestInit, options?: Send): Promise<Response>;
  ids: { warehouse: string; crate: string; deletedCrate: string; item: string; aliceOrder: string };
  token(role: Role): string | undefined;
  /** A STAFF mutation for a case's own set-up; fails the case if it is refused. */
  staff<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

export interface Send {
  as?: Role;
  /** The client address (X-Forwarded-For); each case gets its own unless it sets one. */
  address?: string;
  headers?: Record<string, string>;
}

export interface Expect {
  status: number;
  /** extensions.code of the first error, or null for an answer without errors. */
  code: string | null;
  /** What else the answer shows (documentation). */
  note?: string;
  check?: (body: Body, response: Response) => void;
}

export interface Body {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export interface AbuseCase {
  area:
    | 'document limits'
    | 'text and numbers'
    | 'variables and arguments'
    | 'IDs'
    | 'access'
    | 'sign-in'
    | 'HTTP';
  /** What the client sends. */
  sent: string;
  as: Role;
  run(f: Fixture, send: Send): Promise<Response>;
  expect: Expect;
}

export const MB = 'x'.repeat(1024 * 1024);
/** Long, yet inside the body limit: refused by the field's own limit. */
export const KB100 = 'x'.repeat(100 * 1024);
export const INT_MAX = 2 ** 31 - 1;
export const deep = (open: string, close: string, n: number, inner = '') =>
  `${open.repeat(n)}${inner}${close.repeat(n)}`;
export const CREATE_WAREHOUSE =
  'mutation($name: String!, $address: String) { createWarehouse(input: { name: $name, address: $address }) { id } }';
export const PLACE =
  'mutation($i: ID!, $q: Int!) { placeOrder(input: { inventoryItemId: $i, quantity: $q }) { id } }';
export const SIGN_UP =
  'mutation($u: String!, $p: String!) { signUp(input: { username: $u, password: $p }) { token } }';
export const LOG_IN =
  'mutation($u: String!, $p: String!) { logIn(input: { username: $u, password: $p }) { token user { username } } }';
export const NODE = 'query($id: ID!) { node(id: $id) { id } }';

export const ok = (note?: string, check?: Expect['check']): Expect => ({
  status: 200,
  code: null,
  note,
  check,
});
export const refused = (code: string, status = 200, note?: string, check?: Expect['check']): Expect => ({
  status,
  code,
  note,
  check,
});
export const nodeIsNull: Expect['check'] = (body) => assert.equal(body.data?.node, null);
export const shortMessage: Expect['check'] = (body) =>
  assert.ok((body.errors?.[0]?.message.length ?? 0) < 200);

/** Repeats a request `times` times and answers the last response. */
export async function repeat(times: number, send: () => Promise<Response>): Promise<Response> {
  let last = await send();
  for (let i = 1; i < times; i++) {
    await last.text();
    last = await send();
  }
  return last;
}
