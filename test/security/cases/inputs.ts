/** Texts past their limits, numbers out of range, variables and arguments of the wrong type. */
import assert from 'node:assert/strict';
import {
  type AbuseCase,
  type Body,
  CREATE_WAREHOUSE,
  INT_MAX,
  KB100,
  LOG_IN,
  MB,
  PLACE,
  refused,
  SIGN_UP,
  shortMessage,
} from './shape.js';

export const INPUTS_CASES: AbuseCase[] = [
  {
    area: 'text and numbers',
    sent: 'a 1 MB `address`',
    as: 'staff',
    run: (f, s) => f.gql(CREATE_WAREHOUSE, { name: 'W', address: MB }, s),
    expect: refused('GRAPHQL_PARSE_FAILED', 413, 'over the body limit: never read whole'),
  },
  {
    area: 'text and numbers',
    sent: 'a 100 KB `address`',
    as: 'staff',
    run: (f, s) => f.gql(CREATE_WAREHOUSE, { name: 'W', address: KB100 }, s),
    expect: refused('BAD_USER_INPUT', 200, 'address ≤ 2,000 characters', shortMessage),
  },
  {
    area: 'text and numbers',
    sent: 'a 100 KB crate `description`',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'mutation($w: ID!, $d: String) { createCrate(input: { name: "c", description: $d, warehouseId: $w }) { id } }',
        { w: f.ids.warehouse, d: KB100 },
        s,
      ),
    expect: refused('BAD_USER_INPUT', 200, 'description ≤ 2,000 characters', shortMessage),
  },
  {
    area: 'text and numbers',
    sent: 'a warehouse name of 129 characters',
    as: 'staff',
    run: (f, s) => f.gql(CREATE_WAREHOUSE, { name: 'n'.repeat(129) }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'a crate name of 65 characters (updateCrate)',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        `mutation($c: ID!) { updateCrate(input: { id: $c, name: "${'n'.repeat(65)}" }) { id } }`,
        { c: f.ids.crate },
        s,
      ),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'an inventory `item` of 21 characters',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'mutation { createInventoryItem(input: { item: "' +
          'i'.repeat(21) +
          '", itemCode: 1, itemCondition: "new", quantity: 1 }) { id } }',
        {},
        s,
      ),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'an `itemCondition` of 51 characters (updateInventoryItem)',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'mutation($i: ID!) { updateInventoryItem(input: { id: $i, itemCondition: "' +
          'c'.repeat(51) +
          '" }) { id } }',
        { i: f.ids.item },
        s,
      ),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'a blank warehouse name `"   "`',
    as: 'staff',
    run: (f, s) => f.gql(CREATE_WAREHOUSE, { name: '   ' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'a lone UTF-16 surrogate in a warehouse name',
    as: 'staff',
    run: (f, s) => f.gql(CREATE_WAREHOUSE, { name: 'a\ud800b' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'a lone UTF-16 surrogate in a signUp username',
    as: 'anonymous',
    run: (f, s) => f.gql(SIGN_UP, { u: 'eve\udc00', p: 'password-123' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'a 100 KB username to logIn',
    as: 'anonymous',
    run: (f, s) => f.gql(LOG_IN, { u: KB100, p: 'password-123' }, s),
    expect: refused('BAD_USER_INPUT', 200, 'the message quotes no more than a short prefix', shortMessage),
  },
  {
    area: 'text and numbers',
    sent: 'a 100 KB username to signUp',
    as: 'anonymous',
    run: (f, s) => f.gql(SIGN_UP, { u: KB100, p: 'password-123' }, s),
    expect: refused('BAD_USER_INPUT', 200, undefined, shortMessage),
  },
  {
    area: 'text and numbers',
    sent: 'stock raised to 2^31−1, then an order of it cancelled (stock would pass 2^31−1)',
    as: 'alice',
    run: async (f, s) => {
      const made = await f.staff<{ createInventoryItem: { id: string } }>(
        'mutation { createInventoryItem(input: { item: "max", itemCode: 9, itemCondition: "new", quantity: 10 }) { id } }',
      );
      const item = made.createInventoryItem.id;
      const order = (await (await f.gql(PLACE, { i: item, q: 5 }, s)).json()) as {
        data: { placeOrder: { id: string } };
      };
      await f.staff(
        'mutation($i: ID!, $q: Int!) { updateInventoryItem(input: { id: $i, quantity: $q }) { id } }',
        { i: item, q: INT_MAX },
      );
      const cancel = await f.gql(
        'mutation($o: ID!) { cancelOrder(id: $o) { status } }',
        { o: order.data.placeOrder.id },
        s,
      );
      const read = (await (
        await f.gql('query($i: ID!) { node(id: $i) { ... on InventoryItem { quantity } } }', { i: item }, s)
      ).json()) as Body;
      assert.deepEqual(read.data?.node, { quantity: INT_MAX }); // still readable
      return cancel;
    },
    expect: refused(
      'BAD_USER_INPUT',
      200,
      'a CHECK constraint keeps stock ≤ 2^31−1; the item stays readable',
    ),
  },
  {
    area: 'text and numbers',
    sent: 'createInventoryItem with quantity −1',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'mutation { createInventoryItem(input: { item: "neg", itemCode: 1, itemCondition: "new", quantity: -1 }) { id } }',
        {},
        s,
      ),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'placeOrder quantity 0',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item, q: 0 }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'placeOrder quantity −5',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item, q: -5 }, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'text and numbers',
    sent: 'placeOrder of more than the stock',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item, q: INT_MAX }, s),
    expect: refused('OUT_OF_STOCK', 200, 'names the item and the quantity available'),
  },
  {
    area: 'variables and arguments',
    sent: 'quantity `1.5`',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item, q: 1.5 }, s),
    expect: refused('BAD_USER_INPUT', 200),
  },
  {
    area: 'variables and arguments',
    sent: 'quantity `2^31`',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item, q: 2 ** 31 }, s),
    expect: refused('BAD_USER_INPUT', 200),
  },
  {
    area: 'variables and arguments',
    sent: 'quantity `"1"` (a string)',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item, q: '1' }, s),
    expect: refused('BAD_USER_INPUT', 200),
  },
  {
    area: 'variables and arguments',
    sent: 'quantity `null` for `Int!`',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item, q: null }, s),
    expect: refused('BAD_USER_INPUT', 400),
  },
  {
    area: 'variables and arguments',
    sent: 'a required variable left out',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item }, s),
    expect: refused('BAD_USER_INPUT', 400),
  },
  {
    area: 'variables and arguments',
    sent: 'a 100 KB string where an Int goes',
    as: 'alice',
    run: (f, s) => f.gql(PLACE, { i: f.ids.item, q: KB100 }, s),
    expect: refused('BAD_USER_INPUT', 200, 'the value is quoted as a short prefix', shortMessage),
  },
  {
    area: 'variables and arguments',
    sent: 'itemCode `2^31` (literal)',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'mutation { createInventoryItem(input: { item: "x", itemCode: 2147483648, itemCondition: "new", quantity: 1 }) { id } }',
        {},
        s,
      ),
    expect: refused('GRAPHQL_VALIDATION_FAILED', 200),
  },
  {
    area: 'variables and arguments',
    sent: '`warehouses(first: -1)`',
    as: 'staff',
    run: (f, s) => f.gql('{ warehouses(first: -1) { edges { node { id } } } }', {}, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'variables and arguments',
    sent: '`warehouses(after: "zzz")` (not a cursor)',
    as: 'staff',
    run: (f, s) => f.gql('{ warehouses(after: "zzz") { edges { node { id } } } }', {}, s),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'variables and arguments',
    sent: '`crates(after: "zzz")` (not a crates cursor)',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        'query($w: ID!) { node(id: $w) { ... on Warehouse { crates(after: "zzz") { edges { node { id } } } } } }',
        { w: f.ids.warehouse },
        s,
      ),
    expect: refused('BAD_USER_INPUT'),
  },
  {
    area: 'variables and arguments',
    sent: '`inventoryItems(last: -1)`',
    as: 'alice',
    run: (f, s) => f.gql('{ inventoryItems(last: -1) { edges { node { id } } } }', {}, s),
    expect: refused('BAD_USER_INPUT'),
  },
];
