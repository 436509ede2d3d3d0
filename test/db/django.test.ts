/**
 * Django's model-signal semantics on the real pipeline, ported from Django's own tests
 * (tests/signals/tests.py, tests/delete/tests.py) to this project's models: Warehouse → Crate
 * stands for Book → Page, User → AuthToken / Order / Notification for a wider cascade.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type Db, muteSignals } from '../../src/db/index.js';
import { postDelete, postSave, preDelete, preSave, Signal } from '../../src/signals/index.js';
import { signalSuite } from '../support/db.js';

const suite = signalSuite(['crate', 'warehouse', 'user']);
const { off } = suite;
let db: Db;
beforeAll(() => {
  db = suite.db;
});

async function bookWithPages() {
  const book = await muteSignals(() => db.warehouse.create({ data: { name: 'Rayuela' } }));
  const pages = await muteSignals(() =>
    db.crate.createManyAndReturn({
      data: ['Page 1', 'Page 2'].map((name) => ({ name, warehouseId: book.id })),
    }),
  );
  return { book, pages };
}

describe('tests/signals: test_save_signals, test_delete_signals', () => {
  it('receivers get signal and sender, for save and delete', async () => {
    const w = await muteSignals(() => db.warehouse.create({ data: { name: 'W' } }));
    const data: unknown[] = [];
    const handler = ({ signal, sender }: { signal: unknown; sender: string }) =>
      void data.push([signal, sender]);
    off.push(
      preSave.connect(handler, { dispatchUid: 'pre' }),
      postSave.connect(handler, { dispatchUid: 'post' }),
      preDelete.connect(handler, { dispatchUid: 'preDelete' }),
      postDelete.connect(handler, { dispatchUid: 'postDelete' }),
    );
    const c = await db.crate.create({ data: { name: 'p1', warehouseId: w.id } });
    await db.crate.delete({ where: { id: c.id } });
    expect(data).toEqual([
      [preSave, 'Crate'],
      [postSave, 'Crate'],
      [preDelete, 'Crate'],
      [postDelete, 'Crate'],
    ]);
  });

  it('a custom signal’s receivers get signal and sender too', async () => {
    const shipped = new Signal<{ ordNumber: string }>('shipped');
    const got: unknown[] = [];
    shipped.connect((args) => void got.push(args));
    await shipped.send('Order', { ordNumber: 'ORD-000007' });
    expect(got).toEqual([{ signal: shipped, sender: 'Order', ordNumber: 'ORD-000007' }]);
  });

  it('connecting a model signal to a sender that is not a model name is a TypeError naming the models', () => {
    // `as never`: the types refuse a sender that is not a model name; this is the run-time check.
    expect(() => postSave.connect(() => {}, { sender: 'Crates' as never })).toThrow(TypeError);
    expect(() => postSave.connect(() => {}, { sender: 'Crates' as never })).toThrow(
      /sender 'Crates' is not a model name; the models are .*Warehouse, Crate/,
    );
  });
});

describe('tests/signals: test_delete_signals_origin_model / _queryset', () => {
  const log: unknown[] = [];
  const track = () => {
    log.length = 0;
    const record = ({ sender, origin }: { sender: string; origin: unknown }) =>
      void log.push([sender, origin]);
    off.push(
      preDelete.connect(record, { dispatchUid: 'origin.pre' }),
      postDelete.connect(record, { dispatchUid: 'origin.post' }),
    );
  };

  it.each([
    ['instance deletion: the origin is the row deleted, its cascade included', 'delete'],
    ['queryset deletion: the origin is the bulk delete', 'deleteMany'],
  ] as const)('%s', async (_name, operation) => {
    const { book } = await bookWithPages();
    track();
    const origin =
      operation === 'delete'
        ? { model: 'Warehouse', operation, instance: book }
        : { model: 'Warehouse', operation, where: { name: 'Rayuela' } };
    if (operation === 'delete') await db.warehouse.delete({ where: { id: book.id } });
    else await db.warehouse.deleteMany({ where: { name: 'Rayuela' } });
    const once = [
      ['Crate', origin],
      ['Crate', origin],
      ['Warehouse', origin],
    ];
    expect(log).toEqual([...once, ...once]);
  });
});

describe('tests/delete: the collector’s order', () => {
  it('pre_delete for every row first, dependants before parents (ascending ids); post_delete per model after its rows go, newest first', async () => {
    const { book, pages } = await bookWithPages();
    const pre: unknown[] = [];
    const post: unknown[] = [];
    off.push(
      preDelete.connect(({ sender, instance }) => void pre.push([sender, instance.id]), {
        dispatchUid: 'order.pre',
      }),
      postDelete.connect(({ sender, instance }) => void post.push([sender, instance.id]), {
        dispatchUid: 'order.post',
      }),
    );
    await db.warehouse.delete({ where: { id: book.id } });
    const [p1, p2] = pages.map((p) => p.id);
    expect(pre).toEqual([
      ['Crate', p1],
      ['Crate', p2],
      ['Warehouse', book.id],
    ]);
    expect(post).toEqual([
      ['Crate', p2],
      ['Crate', p1],
      ['Warehouse', book.id],
    ]);
  });

  it('test_relational_post_delete_signals_happen_before_parent_object: a dependant’s post_delete sees its parent', async () => {
    const { book, pages } = await bookWithPages();
    const seen: Array<[number, boolean]> = [];
    off.push(
      postDelete.connect(
        async ({ instance, tx }) => {
          seen.push([instance.id, (await tx.warehouse.count({ where: { id: instance.warehouseId } })) === 1]);
        },
        { sender: 'Crate' },
      ),
    );
    await db.warehouse.delete({ where: { id: book.id } });
    expect(seen.map(([, parentThere]) => parentThere)).toEqual([true, true]);
    expect(seen.map(([id]) => id).sort()).toEqual(pages.map((p) => p.id).sort());
  });

  it('a wider cascade: every dependant model before the user; a SetNull reference from a row deleted too is left alone', async () => {
    const user = await db.user.create({ data: { username: 'leaving', passwordHash: 'x' } });
    const item = await db.inventoryItem.create({
      data: { item: 'pen', itemCode: 1, itemCondition: 'new', quantity: 5 },
    });
    await muteSignals(async () => {
      await db.authToken.create({
        data: { tokenHash: 'h', userId: user.id, expiresAt: new Date(Date.now() + 60_000) },
      });
      const order = await db.order.create({
        data: { inventoryItemId: item.id, orderedById: user.id, quantity: 1, ordNumber: 'ORD-X' },
      });
      await db.notification.create({ data: { userId: user.id, orderId: order.id, message: 'hi' } });
    });
    const log: string[] = [];
    const record =
      (kind: string) =>
      ({ sender }: { sender: string }) =>
        void log.push(`${kind}:${sender}`);
    off.push(
      preDelete.connect(record('pre'), { dispatchUid: 'wide.pre' }),
      postDelete.connect(record('post'), { dispatchUid: 'wide.post' }),
      postSave.connect(record('save'), { dispatchUid: 'wide.save' }),
    );
    await db.user.delete({ where: { id: user.id } });
    expect(log).toEqual([
      'pre:AuthToken',
      'pre:Order',
      'pre:Notification',
      'pre:User',
      // no save: the notification whose orderId would be set to null is deleted itself
      'post:AuthToken',
      'post:Order',
      'post:Notification',
      'post:User',
    ]);
    expect(await db.order.count({ where: { orderedById: user.id } })).toBe(0);
  });
});
