/** Global IDs that are bad, gone or not yours, and access answers. */
import assert from 'node:assert/strict';
import { encodeGlobalID } from '@pothos/plugin-relay';
import {
  type AbuseCase,
  type Body,
  CREATE_WAREHOUSE,
  KB100,
  NODE,
  nodeIsNull,
  ok,
  PLACE,
  refused,
  SIGN_UP,
  shortMessage,
} from './shape.js';

export const IDS_CASES: AbuseCase[] = [
  {
    area: 'IDs',
    sent: '`node(id: "zzz")` (not a global ID)',
    as: 'staff',
    run: (f, s) => f.gql(NODE, { id: 'zzz' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'IDs',
    sent: '`node` of an ID of an unknown type (`Foo:1`)',
    as: 'staff',
    run: (f, s) => f.gql(NODE, { id: encodeGlobalID('Foo', 1) }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'IDs',
    sent: '`node` of `Warehouse:abc` (not a row id)',
    as: 'staff',
    run: (f, s) => f.gql(NODE, { id: encodeGlobalID('Warehouse', 'abc') }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'IDs',
    sent: '`node` of a 100 KB ID',
    as: 'staff',
    run: (f, s) => f.gql(NODE, { id: KB100 }, s),
    expect: refused('BAD_USER_INPUT', 200, 'quotes a short prefix', shortMessage),
  },
  {
    area: 'IDs',
    sent: '`node` of a well-formed ID with no row',
    as: 'staff',
    run: (f, s) => f.gql(NODE, { id: encodeGlobalID('Warehouse', 999_999) }, s),
    expect: ok('`node: null`', nodeIsNull),
  },
  {
    area: 'IDs',
    sent: '`node` of a deleted crate',
    as: 'staff',
    run: (f, s) => f.gql(NODE, { id: f.ids.deletedCrate }, s),
    expect: ok('`node: null`', nodeIsNull),
  },
  {
    area: 'IDs',
    sent: '`nodes([missing, existing])`',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
        { ids: [f.ids.deletedCrate, f.ids.warehouse] },
        s,
      ),
    expect: ok('`[null, {id}]`: the others answer normally', (body) =>
      assert.deepEqual(
        ((body.data?.nodes ?? []) as unknown[]).map((n) => n === null),
        [true, false],
      ),
    ),
  },
  {
    area: 'IDs',
    sent: '`nodes` of 101 IDs',
    as: 'staff',
    run: (f, s) =>
      f.gql('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: Array(101).fill(f.ids.warehouse) }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'IDs',
    sent: 'placeOrder with a Crate ID as `inventoryItemId`',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.crate, q: 1 }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'IDs',
    sent: 'placeOrder of an item that does not exist',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: encodeGlobalID('InventoryItem', 999_999), q: 1 }, s),
    expect: refused('NOT_FOUND'),
  },
  {
    area: 'IDs',
    sent: 'updateCrate of a deleted crate',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'mutation($c: ID!) { updateCrate(input: { id: $c, name: "x" }) { id } }',
        { c: f.ids.deletedCrate },
        s,
      ),
    expect: refused('NOT_FOUND'),
  },
  {
    area: 'IDs',
    sent: 'moveCrates with one deleted crate among them',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'mutation($c: [ID!]!, $w: ID!) { moveCrates(input: { ids: $c, warehouseId: $w }) { id } }',
        { c: [f.ids.crate, f.ids.deletedCrate], w: f.ids.warehouse },
        s,
      ),
    expect: refused('NOT_FOUND'),
  },
  {
    area: 'IDs',
    sent: 'deleteCrate of a 100 KB ID',
    as: 'staff',
    run: (f, s) => f.gql('mutation($c: ID!) { deleteCrate(id: $c) }', { c: KB100 }, s),
    expect: refused('BAD_USER_INPUT', 200, undefined, shortMessage),
  },
  {
    area: 'access',
    sent: "`node` of another customer's order",
    as: 'bob',
    run: (f, s) =>
      f.gql('query($id: ID!) { node(id: $id) { ... on Order { ordNumber } } }', { id: f.ids.aliceOrder }, s),
    expect: ok('`node: null`, as for a missing order', nodeIsNull),
  },
  {
    area: 'access',
    sent: "cancelOrder of another customer's order",
    as: 'bob',
    run: (f, s) => f.gql('mutation($id: ID!) { cancelOrder(id: $id) { id } }', { id: f.ids.aliceOrder }, s),
    expect: refused('NOT_FOUND', 200, 'the answer of a missing order'),
  },
  {
    area: 'access',
    sent: '`node` of a warehouse, as a customer',
    as: 'alice',
    run: (f, s) =>
      f.gql('query($id: ID!) { node(id: $id) { ... on Warehouse { name } } }', { id: f.ids.warehouse }, s),
    expect: ok('`node: null`', nodeIsNull),
  },
  {
    area: 'access',
    sent: 'createWarehouse, signed out',
    as: 'anonymous',
    run: (f, s) => f.gql(CREATE_WAREHOUSE, { name: 'W' }, s),
    expect: refused('UNAUTHENTICATED'),
  },
  {
    area: 'access',
    sent: 'createWarehouse, as a customer',
    as: 'alice',
    run: (f, s) => f.gql(CREATE_WAREHOUSE, { name: 'W' }, s),
    expect: refused('FORBIDDEN'),
  },
  {
    area: 'access',
    sent: 'a forged bearer token',
    as: 'anonymous',
    run: (f, s) => f.gql('{ me { id } }', {}, { ...s, headers: { authorization: 'Bearer forged-token' } }),
    expect: refused('UNAUTHENTICATED', 401),
  },
  {
    area: 'access',
    sent: 'a 100 KB Authorization header',
    as: 'anonymous',
    run: (f, s) => f.gql('{ me { id } }', {}, { ...s, headers: { authorization: `Bearer ${KB100}` } }),
    expect: refused('UNAUTHENTICATED', 401),
  },
  {
    area: 'access',
    sent: 'a token used again after logOut',
    as: 'anonymous',
    run: async (f, s) => {
      const signedUp = (await (await f.gql(SIGN_UP, { u: 'leaver', p: 'password-123' }, s)).json()) as {
        data: { signUp: { token: string } };
      };
      const headers = { authorization: `Bearer ${signedUp.data.signUp.token}` };
      const out = (await (await f.gql('mutation { logOut }', {}, { ...s, headers })).json()) as Body;
      assert.deepEqual(out.data, { logOut: true });
      return f.gql('{ me { id } }', {}, { ...s, headers });
    },
    expect: refused('UNAUTHENTICATED', 401, 'logOut revokes the token (and drops it from the token cache)'),
  },
  {
    area: 'access',
    sent: 'logOut, signed out',
    as: 'anonymous',
    run: (f, s) => f.gql('mutation { logOut }', {}, s),
    expect: refused('UNAUTHENTICATED'),
  },
];
