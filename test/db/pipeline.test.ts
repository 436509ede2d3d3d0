/**
 * The write pipeline on a real SQLite file: signals around every write, in the write's
 * transaction, bulk writes included, with rollback, onCommit, nesting and the depth guard.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AppError,
  captureSignals,
  type Db,
  MAX_SIGNAL_DEPTH,
  muteSignals,
  SignalDepthError,
  UnsupportedWriteError,
} from '../../src/db/index.js';
import { postDelete, postSave, preDelete, preSave } from '../../src/signals/index.js';
import { committed, signalSuite, type TestDatabase } from '../support/db.js';

const suite = signalSuite(['crate', 'warehouse', 'inventoryItem']);
const { off } = suite;
let t: TestDatabase;
let db: Db;
beforeAll(() => {
  ({ t, db } = suite);
});

const warehouse = (name = 'W') => muteSignals(() => db.warehouse.create({ data: { name } }));

describe('single writes', () => {
  it('create sends pre_save then post_save, with created = true and the stored row', async () => {
    const w = await warehouse();
    const log: string[] = [];
    off.push(
      preSave.connect(({ instance, created }) => void log.push(`pre:${instance.name}:${created}`), {
        sender: 'Crate',
      }),
      postSave.connect(({ instance, created }) => void log.push(`post:${instance.id > 0}:${created}`), {
        sender: 'Crate',
      }),
    );
    await db.crate.create({ data: { name: 'c1', warehouseId: w.id } });
    expect(log).toEqual(['pre:c1:true', 'post:true:true']);
  });

  it('a pre_save receiver may change the data about to be written', async () => {
    const w = await warehouse();
    off.push(
      preSave.connect(
        ({ instance }) => {
          instance.name = String(instance.name).toUpperCase();
        },
        { sender: 'Crate' },
      ),
    );
    const c = await db.crate.create({ data: { name: 'shout', warehouseId: w.id } });
    expect(c.name).toBe('SHOUT');
    expect((await db.crate.findUniqueOrThrow({ where: { id: c.id } })).name).toBe('SHOUT');
  });

  it('a pre_save receiver that throws rejects the write: nothing is stored', async () => {
    const w = await warehouse();
    off.push(
      preSave.connect(
        () => {
          throw new AppError('BAD_USER_INPUT', 'no crates today');
        },
        { sender: 'Crate' },
      ),
    );
    await expect(db.crate.create({ data: { name: 'x', warehouseId: w.id } })).rejects.toThrow(
      'no crates today',
    );
    expect(await db.crate.count()).toBe(0);
  });

  it('update sends created = false, the updated fields and the previous row', async () => {
    const w = await warehouse();
    const c = await db.crate.create({ data: { name: 'before', warehouseId: w.id } });
    const seen: unknown[] = [];
    off.push(
      postSave.connect(
        ({ instance, created, updateFields, previous }) =>
          void seen.push({ name: instance.name, created, updateFields, previous: previous?.name }),
        { sender: 'Crate' },
      ),
    );
    await db.crate.update({ where: { id: c.id }, data: { name: 'after' } });
    expect(seen).toEqual([{ name: 'after', created: false, updateFields: ['name'], previous: 'before' }]);
  });

  it('upsert is a create when the row is missing and an update when it exists', async () => {
    const created: boolean[] = [];
    off.push(postSave.connect(({ created: c }) => void created.push(c), { sender: 'User' }));
    const args = {
      where: { username: 'ann' },
      create: { username: 'ann', passwordHash: 'x' },
      update: { passwordHash: 'y' },
    };
    await db.user.upsert(args);
    await db.user.upsert(args);
    expect(created).toEqual([true, false]);
    await muteSignals(() => db.user.deleteMany({}));
  });

  it('delete sends pre_delete while the row exists and post_delete after it is gone', async () => {
    const w = await warehouse();
    const c = await db.crate.create({ data: { name: 'doomed', warehouseId: w.id } });
    const log: string[] = [];
    off.push(
      preDelete.connect(
        async ({ instance, tx }) =>
          void log.push(`pre:${(await tx.crate.count({ where: { id: instance.id } })) === 1}`),
        { sender: 'Crate' },
      ),
      postDelete.connect(
        async ({ instance, tx }) =>
          void log.push(`post:${(await tx.crate.count({ where: { id: instance.id } })) === 0}`),
        { sender: 'Crate' },
      ),
    );
    await db.crate.delete({ where: { id: c.id } });
    expect(log).toEqual(['pre:true', 'post:true']);
  });

  it('select and include are honoured, and reflect what receivers wrote', async () => {
    const w = await warehouse('Main');
    const c = await db.crate.create({
      data: { name: 'c', warehouseId: w.id },
      select: { name: true, warehouse: { select: { name: true } } },
    });
    expect(c).toEqual({ name: 'c', warehouse: { name: 'Main' } });
  });

  it('an update of a missing row is NOT_FOUND', async () => {
    await expect(db.crate.update({ where: { id: 999_999 }, data: { name: 'x' } })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('text limits are checked after pre_save, with the field named', async () => {
    const w = await warehouse();
    await expect(db.crate.create({ data: { name: 'x'.repeat(65), warehouseId: w.id } })).rejects.toThrow(
      /Crate.name must be at most 64 characters, got 65/,
    );
  });
});

describe('bulk writes send a signal per row', () => {
  it('createMany sends pre_save and post_save for every row', async () => {
    const w = await warehouse();
    const { signals, result } = await captureSignals(() =>
      db.crate.createMany({ data: [1, 2, 3].map((i) => ({ name: `c${i}`, warehouseId: w.id })) }),
    );
    expect(result).toEqual({ count: 3 });
    expect(signals.map((s) => `${s.signal}:${(s.instance as { name: string }).name}`)).toEqual([
      'preSave:c1',
      'preSave:c2',
      'preSave:c3',
      'postSave:c1',
      'postSave:c2',
      'postSave:c3',
    ]);
  });

  it('updateMany sends post_save per row with its previous row (Django sends none)', async () => {
    const a = await warehouse('A');
    const b = await warehouse('B');
    await muteSignals(() =>
      db.crate.createMany({ data: [1, 2, 3].map((i) => ({ name: `c${i}`, warehouseId: a.id })) }),
    );
    const moves: string[] = [];
    off.push(
      postSave.connect(
        ({ instance, previous, updateFields }) =>
          void moves.push(
            `${instance.name}:${previous?.warehouseId}->${instance.warehouseId}:${updateFields}`,
          ),
        { sender: 'Crate' },
      ),
    );
    const result = await db.crate.updateMany({ where: { warehouseId: a.id }, data: { warehouseId: b.id } });
    expect(result).toEqual({ count: 3 });
    expect(moves).toEqual([1, 2, 3].map((i) => `c${i}:${a.id}->${b.id}:warehouseId`));
  });

  it('a pre_save receiver may change one row of an updateMany', async () => {
    const w = await warehouse();
    await muteSignals(() =>
      db.crate.createMany({ data: ['a', 'b'].map((name) => ({ name, warehouseId: w.id })) }),
    );
    off.push(
      preSave.connect(
        ({ instance, previous }) => {
          if (previous?.name === 'b') instance.description = 'special';
        },
        { sender: 'Crate' },
      ),
    );
    await db.crate.updateMany({ where: {}, data: { description: 'plain' } });
    const rows = await db.crate.findMany({ orderBy: { name: 'asc' } });
    expect(rows.map((r) => r.description)).toEqual(['plain', 'special']);
  });

  it('a conditional updateMany stays atomic: a row that no longer matches is not written', async () => {
    const item = await db.inventoryItem.create({
      data: { item: 'apple', itemCode: 1, itemCondition: 'new', quantity: 2 },
    });
    const saves: number[] = [];
    off.push(
      postSave.connect(({ instance }) => void saves.push(instance.quantity), { sender: 'InventoryItem' }),
    );
    const take = () =>
      db.inventoryItem.updateMany({
        where: { id: item.id, quantity: { gte: 2 } },
        data: { quantity: { decrement: 2 } },
      });
    expect(await take()).toEqual({ count: 1 });
    expect(await take()).toEqual({ count: 0 });
    expect(saves).toEqual([0]);
  });

  it('deleteMany sends pre_delete and post_delete per row', async () => {
    const w = await warehouse();
    await muteSignals(() =>
      db.crate.createMany({ data: ['a', 'b'].map((name) => ({ name, warehouseId: w.id })) }),
    );
    const { signals } = await captureSignals(() => db.crate.deleteMany({ where: { warehouseId: w.id } }));
    expect(signals.map((s) => s.signal)).toEqual(['preDelete', 'preDelete', 'postDelete', 'postDelete']);
  });

  it("deleting a warehouse deletes its crates through the pipeline, dependants' pre_delete first (Django's collector)", async () => {
    const w = await warehouse();
    await muteSignals(() =>
      db.crate.createMany({ data: ['a', 'b'].map((name) => ({ name, warehouseId: w.id })) }),
    );
    const { signals } = await captureSignals(() => db.warehouse.delete({ where: { id: w.id } }));
    // Django's Collector.sort puts a model after the models that must be deleted first, and
    // sends every pre_delete in that order before deleting anything (tests/delete, tests/signals).
    expect(signals.map((s) => `${s.signal}:${s.sender}`)).toEqual([
      'preDelete:Crate',
      'preDelete:Crate',
      'preDelete:Warehouse',
      'postDelete:Crate',
      'postDelete:Crate',
      'postDelete:Warehouse',
    ]);
  });

  it('a model with no receivers writes without the per-row reads', async () => {
    const w = await warehouse();
    await muteSignals(() =>
      db.crate.createMany({ data: ['a', 'b'].map((name) => ({ name, warehouseId: w.id })) }),
    );
    t.queries.length = 0;
    await db.crate.updateMany({ where: { warehouseId: w.id }, data: { description: 'x' } });
    const statements = t.queries.filter((q) => !/^(BEGIN|COMMIT|SAVEPOINT|RELEASE)/.test(q));
    expect(statements.filter((q) => q.startsWith('SELECT'))).toEqual([]);
    expect(statements.filter((q) => q.startsWith('UPDATE'))).toHaveLength(1);
  });
});

describe('transactions', () => {
  it('writes receivers make through tx fire their own signals', async () => {
    const w = await warehouse();
    const log: string[] = [];
    off.push(
      postSave.connect(
        async ({ instance, tx }) => {
          await tx.warehouse.update({
            where: { id: instance.warehouseId },
            data: { newestCrateId: instance.id },
          });
        },
        { sender: 'Crate' },
      ),
      postSave.connect(({ updateFields }) => void log.push(`warehouse:${updateFields}`), {
        sender: 'Warehouse',
      }),
    );
    await db.crate.create({ data: { name: 'c', warehouseId: w.id } });
    expect(log).toEqual(['warehouse:newestCrateId']);
  });

  it('a receiver that throws rolls back the write and every write other receivers made', async () => {
    const w = await warehouse('Original');
    off.push(
      postSave.connect(
        async ({ instance, tx }) => {
          await tx.warehouse.update({ where: { id: instance.warehouseId }, data: { name: 'Changed' } });
        },
        { sender: 'Crate', dispatchUid: 'writer' },
      ),
      postSave.connect(
        () => {
          throw new Error('second receiver fails');
        },
        { sender: 'Crate', dispatchUid: 'failer' },
      ),
    );
    await expect(db.crate.create({ data: { name: 'c', warehouseId: w.id } })).rejects.toThrow(
      'second receiver fails',
    );
    expect(await db.crate.count()).toBe(0);
    expect((await db.warehouse.findUniqueOrThrow({ where: { id: w.id } })).name).toBe('Original');
  });

  it('onCommit runs after the commit, when the row is visible to other connections', async () => {
    const w = await warehouse();
    const seen: number[] = [];
    off.push(
      postSave.connect(
        ({ instance, onCommit }) =>
          onCommit(async () => {
            seen.push(await t.data.reader.crate.count({ where: { id: instance.id } }));
          }),
        { sender: 'Crate' },
      ),
    );
    await db.crate.create({ data: { name: 'c', warehouseId: w.id } });
    expect(seen).toEqual([1]);
  });

  it('onCommit never runs after a rollback', async () => {
    const w = await warehouse();
    let ran = false;
    off.push(
      postSave.connect(
        ({ onCommit }) => {
          onCommit(() => {
            ran = true;
          });
          throw new Error('reject');
        },
        { sender: 'Crate' },
      ),
    );
    await expect(db.crate.create({ data: { name: 'c', warehouseId: w.id } })).rejects.toThrow('reject');
    expect(ran).toBe(false);
  });

  it('a failing onCommit callback is reported and does not undo the commit', async () => {
    const w = await warehouse();
    const after: string[] = [];
    off.push(
      postSave.connect(
        ({ onCommit }) => {
          onCommit(() => {
            throw new Error('mail server down');
          });
          onCommit(() => void after.push('next callback still runs'));
        },
        { sender: 'Crate' },
      ),
    );
    await db.crate.create({ data: { name: 'kept', warehouseId: w.id } });
    expect(await db.crate.count({ where: { name: 'kept' } })).toBe(1);
    expect(after).toEqual(['next callback still runs']);
  });

  it('nested transactions join the outer one; onCommit waits for the outermost commit', async () => {
    const w = await warehouse();
    const order: string[] = [];
    await db.$transaction(async (tx) => {
      await tx.$transaction(async (inner) => {
        await inner.crate.create({ data: { name: 'inner', warehouseId: w.id } });
      });
      off.push(
        postSave.connect(({ onCommit }) => onCommit(() => void order.push('onCommit')), { sender: 'Crate' }),
      );
      await tx.crate.create({ data: { name: 'outer', warehouseId: w.id } });
      order.push('outer body done');
      // a write through the root client inside the transaction joins it too, and so do reads
      expect(await db.crate.count()).toBe(2);
      expect(await t.data.reader.crate.count()).toBe(2);
      expect(committed(t.file, 'SELECT COUNT(*) FROM "Crate"')).toBe(0); // another connection: not yet
    });
    expect(order).toEqual(['outer body done', 'onCommit']);
  });

  it('an error in a nested transaction rolls back the whole outer transaction', async () => {
    const w = await warehouse();
    await expect(
      db.$transaction(async (tx) => {
        await tx.crate.create({ data: { name: 'first', warehouseId: w.id } });
        await tx.$transaction(async (inner) => {
          await inner.crate.create({ data: { name: 'second', warehouseId: w.id } });
          throw new Error('inner fails');
        });
      }),
    ).rejects.toThrow('inner fails');
    expect(await db.crate.count()).toBe(0);
  });

  it('a write sent while another transaction is open is not lost when that one rolls back', async () => {
    const w = await warehouse();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const failing = db
      .$transaction(async (tx) => {
        await tx.crate.create({ data: { name: 'rolled back', warehouseId: w.id } });
        await gate;
        throw new Error('rollback');
      })
      .catch((e: Error) => e.message);
    // Issued from outside that transaction's async context, while it is open.
    const independent = db.crate.create({ data: { name: 'independent', warehouseId: w.id } });
    setTimeout(release, 20);
    expect(await failing).toBe('rollback');
    await independent;
    expect((await db.crate.findMany()).map((c) => c.name)).toEqual(['independent']);
  });

  it('nested writes are refused with a message saying what to do; connect by id is allowed', async () => {
    const w = await warehouse();
    await expect(
      db.warehouse.update({ where: { id: w.id }, data: { crates: { create: [{ name: 'nested' }] } } }),
    ).rejects.toThrow(UnsupportedWriteError);
    await expect(
      db.warehouse.update({ where: { id: w.id }, data: { crates: { create: [{ name: 'nested' }] } } }),
    ).rejects.toThrow(/write the Crate rows directly/);
    const c = await db.crate.create({ data: { name: 'connected', warehouse: { connect: { id: w.id } } } });
    expect(c.warehouseId).toBe(w.id);
  });

  it('$transaction with an array is refused (its writes would start outside the transaction)', () => {
    // @ts-expect-error the array form is not part of Db's type either
    expect(() => db.$transaction([])).toThrow(UnsupportedWriteError);
  });

  it(`the depth guard stops a receiver that re-triggers itself (limit ${MAX_SIGNAL_DEPTH}) and rolls back`, async () => {
    const w = await warehouse();
    off.push(
      postSave.connect(
        async ({ instance, tx }) => {
          await tx.crate.update({
            where: { id: instance.id },
            data: { description: `${instance.description}+` },
          });
        },
        { sender: 'Crate' },
      ),
    );
    const error = await db.crate
      .create({ data: { name: 'loop', description: '', warehouseId: w.id } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(SignalDepthError);
    expect(String(error.message)).toMatch(/re-triggering itself/);
    expect(await db.crate.count()).toBe(0);
  });

  it('the request context reaches receivers', async () => {
    const w = await warehouse();
    const users: (string | undefined)[] = [];
    off.push(
      postSave.connect(({ context }) => void users.push(context?.user?.username), { sender: 'Crate' }),
    );
    const scoped = t.data.withContext({
      user: { id: 7, username: 'staffer', role: 'STAFF' },
      requestId: 'r1',
    });
    await scoped.crate.create({ data: { name: 'c', warehouseId: w.id } });
    await db.crate.create({ data: { name: 'd', warehouseId: w.id } });
    expect(users).toEqual(['staffer', undefined]);
  });
});

describe('test helpers', () => {
  it('muteSignals: writes inside send no signals; receivers stay connected', async () => {
    const w = await warehouse();
    let calls = 0;
    off.push(
      postSave.connect(
        () => {
          calls++;
        },
        { sender: 'Crate' },
      ),
    );
    await muteSignals(() => db.crate.create({ data: { name: 'quiet', warehouseId: w.id } }));
    expect(calls).toBe(0);
    await db.crate.create({ data: { name: 'loud', warehouseId: w.id } });
    expect(calls).toBe(1);
  });

  it('captureSignals returns every signal the writes sent, in order', async () => {
    const w = await warehouse();
    const { signals } = await captureSignals(async () => {
      const c = await db.crate.create({ data: { name: 'c', warehouseId: w.id } });
      await db.crate.delete({ where: { id: c.id } });
    });
    expect(signals.map((s) => [s.signal, s.sender, s.created])).toEqual([
      ['preSave', 'Crate', true],
      ['postSave', 'Crate', true],
      ['preDelete', 'Crate', undefined],
      ['postDelete', 'Crate', undefined],
    ]);
  });
});
