/**
 * What README tells Apollo users: a subscription sent through Apollo's HttpLink (its multipart
 * HTTP subscription protocol) is refused with 406 and the media types that work, so they use
 * GraphQLWsLink (examples/apollo.ts) or SSE.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { staffApp, type TestApp } from '../support/app.js';

let t: TestApp;
let staff: string;
beforeAll(async () => {
  ({ t, staff } = await staffApp());
});
afterAll(() => t.close());

it("refuses Apollo's multipart HTTP subscriptions with 406, naming text/event-stream", async () => {
  const response = await t.app.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      // what @apollo/client's HttpLink sends for a subscription
      accept: 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json',
      authorization: `Bearer ${staff}`,
    },
    body: JSON.stringify({ query: 'subscription { postSave { cursor } }' }),
  });
  expect(response.status).toBe(406);
  expect(response.headers.get('accept')).toContain('text/event-stream');
  await response.body?.cancel();
});
