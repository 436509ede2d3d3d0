/** Documents the server will not run: size, depth, cost, aliases, tokens, nesting, syntax. */
import { type AbuseCase, deep, refused } from './shape.js';

export const DOCUMENTS_CASES: AbuseCase[] = [
  {
    area: 'document limits',
    sent: '219-byte query nesting `me.orders.orderedBy.orders…` (depth 13)',
    as: 'alice',
    run: (f, s) =>
      f.gql(
        `{ me { orders { edges { node { orderedBy { orders { edges { node { orderedBy { orders { edges { node { id } } } } } } } } } } } } }`,
        {},
        s,
      ),
    expect: refused('GRAPHQL_VALIDATION_FAILED', 200, 'depth limit (MAX_DEPTH, 10)'),
  },
  {
    area: 'document limits',
    sent: '20 aliases of `warehouses`',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: warehouses { edges { cursor } }`).join(' ')} }`,
        {},
        s,
      ),
    expect: refused('GRAPHQL_VALIDATION_FAILED', 200, 'alias limit (MAX_ALIASES, 15)'),
  },
  {
    area: 'document limits',
    sent: '1,000 aliases of `warehouses`',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: warehouses { edges { cursor } }`).join(' ')} }`,
        {},
        s,
      ),
    expect: refused('GRAPHQL_PARSE_FAILED', 200, 'token limit (MAX_TOKENS, 2,000), before any work'),
  },
  {
    area: 'document limits',
    sent: '`warehouses(first: 100)` → `crates(first: 100)` → `warehouse` → `crates(first: 100)`',
    as: 'staff',
    run: (f, s) =>
      f.gql(
        '{ warehouses(first: 100) { edges { node { crates(first: 100) { edges { node { warehouse { crates(first: 100) { edges { node { name } } } } } } } } } } }',
        {},
        s,
      ),
    expect: refused('GRAPHQL_VALIDATION_FAILED', 200, 'cost limit (MAX_COST, 20,000)'),
  },
  {
    area: 'document limits',
    sent: '20 `@include(if: true)` directives on one field',
    as: 'staff',
    run: (f, s) => f.gql(`{ __typename ${'@include(if: true) '.repeat(20)} }`, {}, s),
    expect: refused('GRAPHQL_VALIDATION_FAILED', 200, 'directive limit (MAX_DIRECTIVES, 10)'),
  },
  {
    area: 'document limits',
    sent: 'a selection set nested 3,000 deep',
    as: 'anonymous',
    run: (f, s) => f.gql(`{ warehouses ${deep('{ edges ', '}', 3000)} }`, {}, s),
    expect: refused('GRAPHQL_PARSE_FAILED', 200, 'refused by a scan before parsing: no stack overflow'),
  },
  {
    area: 'document limits',
    sent: 'a list literal nested 3,000 deep',
    as: 'anonymous',
    run: (f, s) => f.gql(`{ nodes(ids: ${deep('[', ']', 3000)}) { id } }`, {}, s),
    expect: refused('GRAPHQL_PARSE_FAILED', 200),
  },
  {
    area: 'document limits',
    sent: 'an input object literal nested 3,000 deep',
    as: 'staff',
    run: (f, s) =>
      f.gql(`mutation { createWarehouse(input: ${deep('{ name: ', '}', 3000, '"x"')}) { id } }`, {}, s),
    expect: refused('GRAPHQL_PARSE_FAILED', 200),
  },
  {
    area: 'document limits',
    sent: '`{{{…a…}}}`: 3,000 bare braces deep',
    as: 'anonymous',
    run: (f, s) => f.gql(deep('{', '}', 3000, 'a'), {}, s),
    expect: refused('GRAPHQL_PARSE_FAILED', 200),
  },
  {
    area: 'document limits',
    sent: '3,000 fields in one selection (6,000 tokens)',
    as: 'anonymous',
    run: (f, s) => f.gql(`{ ${'__typename '.repeat(3000)} }`, {}, s),
    expect: refused('GRAPHQL_PARSE_FAILED', 200, 'token limit'),
  },
  {
    area: 'document limits',
    sent: 'a 2 MB document',
    as: 'anonymous',
    run: (f, s) => f.gql(`{ __typename ${' '.repeat(2_000_000)} }`, {}, s),
    expect: refused('GRAPHQL_PARSE_FAILED', 413, 'body limit (MAX_BODY_BYTES, 256 KiB)'),
  },
  {
    area: 'document limits',
    sent: 'a syntax error',
    as: 'anonymous',
    run: (f, s) => f.gql('{ warehouses(', {}, s),
    expect: refused('GRAPHQL_PARSE_FAILED', 200),
  },
  {
    area: 'document limits',
    sent: 'an unknown field',
    as: 'anonymous',
    run: (f, s) => f.gql('{ nope }', {}, s),
    expect: refused('GRAPHQL_VALIDATION_FAILED', 200),
  },
  {
    area: 'document limits',
    sent: 'two operations in a JSON array (batching)',
    as: 'anonymous',
    run: (f, s) =>
      f.fetch(
        '/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
        },
        s,
      ),
    expect: refused('BAD_USER_INPUT', 400, 'batching is off'),
  },
  {
    area: 'document limits',
    sent: 'a body that is not JSON',
    as: 'anonymous',
    run: (f, s) =>
      f.fetch(
        '/graphql',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' },
        s,
      ),
    expect: refused('BAD_USER_INPUT', 400),
  },
  {
    area: 'document limits',
    sent: 'a POST with no query',
    as: 'anonymous',
    run: (f, s) =>
      f.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, s),
    expect: refused('BAD_USER_INPUT'),
  },
];
