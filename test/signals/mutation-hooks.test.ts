/**
 * The global mutation hooks' sender check, with no schema built in this process: a connect
 * limited to a field is checked once a schema's Mutation fields are known, as model signals'
 * senders are checked once the models are.
 */
import { expect, it } from 'vitest';
import {
  afterMutation,
  beforeMutation,
  registerMutationFields,
} from '../../src/schema/plugins/unit-of-work/hooks.js';

it('a sender connected before any schema is built is checked when one is; later ones at connect', async () => {
  const off = beforeMutation.connect(function early() {}, { sender: 'notAField' });
  expect(() => registerMutationFields(['createCrate', 'placeOrder'])).toThrow(
    new TypeError(
      "beforeMutation.connect: sender 'notAField' is not a Mutation field; the fields are createCrate, placeOrder",
    ),
  );
  off();
  expect(() => afterMutation.connect(function late() {}, { sender: 'placeOrders' })).toThrow(TypeError);
  const calls: string[] = [];
  afterMutation.connect(
    function recorded({ sender }) {
      calls.push(sender);
    },
    { sender: 'placeOrder', dispatchUid: 'test.recorded' },
  );
  // the same dispatchUid twice registers once, as receivers do
  afterMutation.connect(function recorded() {}, { sender: 'placeOrder', dispatchUid: 'test.recorded' });
  // `as never`: no database or resolve info in this file, and the hook under test reads neither
  await afterMutation.send('placeOrder', {
    args: {},
    result: null,
    context: { user: null, requestId: 'r' },
    tx: {} as never,
    info: {} as never,
  });
  await afterMutation.send('createCrate', {
    args: {},
    result: null,
    context: { user: null, requestId: 'r' },
    tx: {} as never,
    info: {} as never,
  });
  expect(calls).toEqual(['placeOrder']);
  expect(afterMutation.registrations()).toEqual([
    { signal: 'afterMutation', sender: 'placeOrder', name: 'recorded', dispatchUid: 'test.recorded' },
  ]);
});
