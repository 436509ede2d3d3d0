/**
 * Model signal senders are checked against the model names the data layer registers (this
 * folder imports nothing from src/db, so a connect made earlier is checked at registration).
 */
import { expect, it } from 'vitest';
import { postSave, preSave, registerModelNames } from '../../src/signals/index.js';

// `as never` below: with no data layer loaded the model names are unknown to the types as well;
// the senders are checked at run time, which is what this file tests.
it('a connect before the model names are known is checked when they are registered; later ones at once', () => {
  const noop = () => {};
  const offOk = preSave.connect(noop, { sender: 'Crate' as never, dispatchUid: 'ok' });
  const offBad = postSave.connect(noop, { sender: 'Crat' as never, dispatchUid: 'typo' });
  expect(() => registerModelNames(['Crate', 'Order'])).toThrow(TypeError);
  offOk();
  offBad();
  expect(() => postSave.connect(noop, { sender: 'Ordr' as never })).toThrow(
    "postSave.connect: sender 'Ordr' is not a model name; the models are Crate, Order",
  );
  expect(() => postSave.connect(noop, { sender: 'Order' as never, dispatchUid: 'fine' })).not.toThrow();
  expect(postSave.disconnect({ dispatchUid: 'fine' }, { sender: 'Order' as never })).toBe(true);
});
