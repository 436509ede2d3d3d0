/**
 * The signal core, no database. Ports the behaviours Django's dispatcher tests check
 * (tests/dispatch/tests.py, tests/signals/tests.py) to our API.
 */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  type Disconnect,
  type PostSaveArgs,
  postDelete,
  postSave,
  preDelete,
  preSave,
  receiver,
  Signal,
  setSignalLogger,
} from '../../src/signals/index.js';

type Args = { value: number };
const cleanup: Disconnect[] = [];
afterEach(() => {
  for (const d of cleanup.splice(0)) d();
});

function make() {
  return new Signal<Args, unknown, 'Crate' | 'Order'>('test');
}

describe('connect and send', () => {
  it('send with no receivers returns an empty list', async () => {
    expect(await make().send('Crate', { value: 1 })).toEqual([]);
  });

  it('send returns [receiver, result] pairs in connection order', async () => {
    const s = make();
    const a = ({ value }: Args) => value + 1;
    const b = ({ value }: Args) => value * 10;
    s.connect(a);
    s.connect(b);
    expect(await s.send('Crate', { value: 2 })).toEqual([
      [a, 3],
      [b, 20],
    ]);
  });

  it('receivers run in the order they were connected', async () => {
    const s = make();
    const calls: string[] = [];
    for (const name of ['first', 'second', 'third'])
      s.connect(() => void calls.push(name), { dispatchUid: name });
    await s.send('Crate', { value: 0 });
    expect(calls).toEqual(['first', 'second', 'third']);
  });

  it('connecting the same receiver twice registers it once', async () => {
    const s = make();
    let calls = 0;
    const r = () => {
      calls++;
    };
    s.connect(r);
    s.connect(r);
    await s.send('Crate', { value: 0 });
    expect(calls).toBe(1);
  });

  it('connecting the same dispatchUid twice keeps the first receiver only', async () => {
    const s = make();
    const calls: string[] = [];
    s.connect(() => void calls.push('a'), { dispatchUid: 'uid' });
    s.connect(() => void calls.push('b'), { dispatchUid: 'uid' });
    await s.send('Crate', { value: 0 });
    expect(calls).toEqual(['a']);
  });

  it('the same receiver may be connected once per sender', async () => {
    const s = make();
    const senders: string[] = [];
    const r = () => void senders.push('called');
    s.connect(r, { sender: 'Crate' });
    s.connect(r, { sender: 'Order' });
    s.connect(r, { sender: 'Order' });
    await s.send('Crate', { value: 0 });
    await s.send('Order', { value: 0 });
    expect(senders).toHaveLength(2);
  });

  it('a receiver connected with a sender is not called for another sender', async () => {
    const s = make();
    let calls = 0;
    s.connect(
      () => {
        calls++;
      },
      { sender: 'Crate' },
    );
    await s.send('Order', { value: 0 });
    expect(calls).toBe(0);
    await s.send('Crate', { value: 0 });
    expect(calls).toBe(1);
  });

  it('a receiver connected without a sender is called for every sender', async () => {
    const s = make();
    const seen: number[] = [];
    s.connect(({ value }) => void seen.push(value));
    await s.send('Crate', { value: 1 });
    await s.send('Order', { value: 2 });
    expect(seen).toEqual([1, 2]);
  });

  it('receivers get the args as sent, with the signal and the sender (Django: signal=, sender=)', async () => {
    const s = make();
    let got: unknown;
    s.connect((args) => {
      got = args;
    });
    await s.send('Crate', { value: 42 });
    expect(got).toEqual({ value: 42, signal: s, sender: 'Crate' });
  });

  it('connect refuses something that is not a function', () => {
    expect(() => make().connect(42 as never)).toThrow(TypeError);
  });
});

describe('disconnect', () => {
  it('connect returns a function that disconnects: true once, then false', async () => {
    const s = make();
    const off = s.connect(() => 1);
    expect(off()).toBe(true);
    expect(off()).toBe(false);
    expect(await s.send('Crate', { value: 0 })).toEqual([]);
  });

  it('disconnect(receiver) returns whether something was disconnected', () => {
    const s = make();
    const r = () => 1;
    s.connect(r);
    expect(s.disconnect(r)).toBe(true);
    expect(s.disconnect(r)).toBe(false);
  });

  it('disconnect of a receiver never connected returns false', () => {
    expect(make().disconnect(() => 1)).toBe(false);
  });

  it('disconnect({ dispatchUid }) removes that registration', async () => {
    const s = make();
    s.connect(() => 'x', { dispatchUid: 'uid' });
    expect(s.disconnect({ dispatchUid: 'uid' })).toBe(true);
    expect(s.hasListeners()).toBe(false);
  });

  it('disconnect with another sender than the one connected does nothing', () => {
    const s = make();
    const r = () => 1;
    s.connect(r, { sender: 'Crate' });
    expect(s.disconnect(r, { sender: 'Order' })).toBe(false);
    expect(s.disconnect(r)).toBe(false);
    expect(s.hasListeners('Crate')).toBe(true);
    expect(s.disconnect(r, { sender: 'Crate' })).toBe(true);
  });

  it('dispatchUid registrations are per sender', () => {
    const s = make();
    s.connect(() => 1, { dispatchUid: 'uid', sender: 'Crate' });
    s.connect(() => 2, { dispatchUid: 'uid', sender: 'Order' });
    expect(s.disconnect({ dispatchUid: 'uid' }, { sender: 'Crate' })).toBe(true);
    expect(s.hasListeners('Crate')).toBe(false);
    expect(s.hasListeners('Order')).toBe(true);
  });
});

describe('hasListeners', () => {
  it('is false with no receivers, true after connect, false after disconnect', () => {
    const s = make();
    expect(s.hasListeners()).toBe(false);
    const off = s.connect(() => 1);
    expect(s.hasListeners()).toBe(true);
    off();
    expect(s.hasListeners()).toBe(false);
  });

  it('with a sender, counts receivers for that sender and for any sender', () => {
    const s = make();
    const off = s.connect(() => 1, { sender: 'Crate' });
    expect(s.hasListeners('Crate')).toBe(true);
    expect(s.hasListeners('Order')).toBe(false);
    off();
    s.connect(() => 1);
    expect(s.hasListeners('Order')).toBe(true);
  });
});

describe('errors: send vs sendRobust', () => {
  it('send stops at the first error, which propagates; later receivers are not called', async () => {
    const s = make();
    const calls: string[] = [];
    s.connect(() => void calls.push('a'), { dispatchUid: 'a' });
    s.connect(
      () => {
        throw new Error('boom');
      },
      { dispatchUid: 'b' },
    );
    s.connect(() => void calls.push('c'), { dispatchUid: 'c' });
    await expect(s.send('Crate', { value: 0 })).rejects.toThrow('boom');
    expect(calls).toEqual(['a']);
  });

  it('send propagates a rejected promise of an async receiver', async () => {
    const s = make();
    s.connect(async () => {
      await Promise.resolve();
      throw new Error('async boom');
    });
    await expect(s.send('Crate', { value: 0 })).rejects.toThrow('async boom');
  });

  it('sendRobust calls every receiver and returns each result or error', async () => {
    const s = make();
    const error = new Error('boom');
    const a = () => 'ok-a';
    const b = () => {
      throw error;
    };
    const c = async () => 'ok-c';
    s.connect(a);
    s.connect(b);
    s.connect(c);
    const logged: unknown[] = [];
    const previous = setSignalLogger((_message, e) => logged.push(e));
    try {
      expect(await s.sendRobust('Crate', { value: 0 })).toEqual([
        [a, 'ok-a'],
        [b, error],
        [c, 'ok-c'],
      ]);
    } finally {
      setSignalLogger(previous);
    }
    expect(logged).toEqual([error]);
  });

  it('sendRobust with no receivers returns an empty list', async () => {
    expect(await make().sendRobust('Crate', { value: 0 })).toEqual([]);
  });

  it('sendRobust respects the sender filter', async () => {
    const s = make();
    s.connect(() => 1, { sender: 'Order' });
    expect(await s.sendRobust('Crate', { value: 0 })).toEqual([]);
  });
});

describe('async receivers and changes during a send', () => {
  it('async receivers are awaited one after the other', async () => {
    const s = make();
    const log: string[] = [];
    s.connect(
      async () => {
        log.push('slow start');
        await new Promise((r) => setTimeout(r, 20));
        log.push('slow end');
      },
      { dispatchUid: 'slow' },
    );
    s.connect(() => void log.push('fast'), { dispatchUid: 'fast' });
    await s.send('Crate', { value: 0 });
    expect(log).toEqual(['slow start', 'slow end', 'fast']);
  });

  it('a receiver connected during a send runs from the next send on', async () => {
    const s = make();
    const calls: string[] = [];
    const late = () => void calls.push('late');
    s.connect(() => {
      calls.push('first');
      s.connect(late);
    });
    await s.send('Crate', { value: 0 });
    expect(calls).toEqual(['first']);
    await s.send('Crate', { value: 0 });
    expect(calls).toEqual(['first', 'first', 'late']);
  });

  it('a receiver disconnected during a send still runs in that send, not in the next', async () => {
    const s = make();
    const calls: string[] = [];
    const second = () => void calls.push('second');
    s.connect(() => {
      calls.push('first');
      s.disconnect(second);
    });
    s.connect(second);
    await s.send('Crate', { value: 0 });
    await s.send('Crate', { value: 0 });
    expect(calls).toEqual(['first', 'second', 'first']);
  });

  it('a receiver may disconnect itself while running', async () => {
    const s = make();
    let calls = 0;
    const once = () => {
      calls++;
      s.disconnect(once);
    };
    s.connect(once);
    await s.send('Crate', { value: 0 });
    await s.send('Crate', { value: 0 });
    expect(calls).toBe(1);
  });
});

describe('model signals and the receiver helper', () => {
  it('the four model signals are distinct signals', () => {
    expect(new Set([preSave, postSave, preDelete, postDelete]).size).toBe(4);
  });

  it('a receiver connected with sender Crate is typed for Crate', async () => {
    const seen: string[] = [];
    const r = ({ instance, created }: PostSaveArgs<'Crate'>) => {
      expectTypeOf(instance.warehouseId).toEqualTypeOf<number>();
      seen.push(`${instance.name}:${created}`);
    };
    cleanup.push(postSave.connect(r, { sender: 'Crate' }));
    await postSave.send('Crate', {
      sender: 'Crate',
      instance: { id: 1, name: 'c', description: null, warehouseId: 1, createdAt: new Date(), createdSeq: 1 },
      created: true,
      updateFields: null,
      previous: null,
      operation: 'create',
      tx: {} as never,
      context: null,
      onCommit: () => {},
    });
    expect(seen).toEqual(['c:true']);
  });

  it('receiver() connects one function to several signals', () => {
    const fn = () => {};
    const off = receiver([preSave, postSave], { sender: 'Crate' }, fn);
    cleanup.push(off);
    expect(preSave.hasListeners('Crate')).toBe(true);
    expect(postSave.hasListeners('Crate')).toBe(true);
    expect(preSave.hasListeners('Order')).toBe(false);
  });

  it('receiver() connects to several senders and returns one disconnect for all', () => {
    const fn = () => {};
    const off = receiver(postDelete, { sender: ['Crate', 'Order'] }, fn);
    expect(postDelete.hasListeners('Crate')).toBe(true);
    expect(postDelete.hasListeners('Order')).toBe(true);
    expect(off()).toBe(true);
    expect(postDelete.hasListeners('Crate')).toBe(false);
    expect(postDelete.hasListeners('Order')).toBe(false);
    expect(off()).toBe(false);
  });

  it('registrations() lists sender, receiver name and dispatchUid in call order', () => {
    const s = make();
    function auditTrail() {}
    s.connect(auditTrail, { sender: 'Order' });
    s.connect(() => {}, { dispatchUid: 'anonymous-one' });
    expect(s.registrations()).toEqual([
      { signal: 'test', sender: 'Order', name: 'auditTrail', dispatchUid: undefined },
      { signal: 'test', sender: undefined, name: '(anonymous)', dispatchUid: 'anonymous-one' },
    ]);
  });

  it("sendRobust logs each failure as Django does: 'Error calling <receiver> in <signal>.sendRobust() (<message>)'", async () => {
    const s = make();
    function fails(): never {
      throw new Error('this');
    }
    s.connect(fails);
    const logged: string[] = [];
    const previous = setSignalLogger((message) => logged.push(message));
    try {
      const [[receiver, result] = []] = await s.sendRobust('Crate', { value: 1 });
      expect(receiver).toBe(fails);
      expect(result).toBeInstanceOf(Error);
      expect((result as Error).message).toBe('this');
    } finally {
      setSignalLogger(previous);
    }
    expect(logged).toEqual(['Error calling fails in test.sendRobust() (this)']);
  });

  it('your own Signal<Args> works like the model signals', async () => {
    const orderShipped = new Signal<{ ordNumber: string }>('orderShipped');
    const shipped: unknown[] = [];
    orderShipped.connect(({ ordNumber, signal, sender }) => void shipped.push([ordNumber, signal, sender]));
    await orderShipped.send('Order', { ordNumber: 'ORD-000001' });
    expect(shipped).toEqual([['ORD-000001', orderShipped, 'Order']]);
  });
});
