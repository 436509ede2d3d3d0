/**
 * Transactions on a real SQLite file: savepoints (Django's nested atomic), no deadlock, timeouts
 * that release the writer, transaction clients after their transaction, onCommit.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AppError,
  type Db,
  type EventRow,
  LockWaitTimeoutError,
  onCommit,
  TransactionClosedError,
  TransactionTimeoutError,
  type TxClient,
} from '../../src/db/index.js';
import { registerReceivers } from '../../src/receivers/index.js';
import { type Disconnect, postSave } from '../../src/signals/index.js';
import { committed, freshDatabase, freshSqliteDatabase, type TestDatabase } from '../support/db.js';

let t: TestDatabase;
let db: Db;
const published: EventRow[][] = [];
const off: Disconnect[] = [];
beforeAll(async () => {
  t = await freshDatabase({ transactionTimeoutMs: 1_500, lockWaitMs: 300 });
  db = t.data.db;
  registerReceivers();
  t.data.onCommittedEvents((events) => published.push(events));
});
afterAll(() => t.close());
afterEach(() => {
  for (const d of off.splice(0)) d();
  published.length = 0;
});

async function shop(stock: number) {
  const buyer = await db.user.create({ data: { username: `buyer-${Math.random()}`, passwordHash: 'x' } });
  const item = await db.inventoryItem.create({
    data: { item: 'lamp', itemCode: 1, itemCondition: 'new', quantity: stock },
  });
  return { buyer, item };
}

const stockOf = async (id: number) => (await db.inventoryItem.findUniqueOrThrow({ where: { id } })).quantity;

describe('savepoints: a failed write inside a transaction undoes exactly its own work', () => {
  it('a caught failing order leaves no stock taken by its pre_save receiver, and the transaction commits the rest', async () => {
    const { buyer, item } = await shop(5);
    await db.$transaction(async (tx) => {
      try {
        // reserveStock (pre_save) takes 2, then the insert fails: no such buyer
        await tx.order.create({
          data: { inventoryItemId: item.id, orderedById: 999_999, quantity: 2, ordNumber: '' },
        });
      } catch {
        // the caller decides to carry on
      }
      await tx.order.create({
        data: { inventoryItemId: item.id, orderedById: buyer.id, quantity: 1, ordNumber: '' },
      });
    });
    expect(await stockOf(item.id)).toBe(4);
    expect(await db.order.count({ where: { inventoryItemId: item.id } })).toBe(1);
  });

  it('a caught nested $transaction leaves no rows, publishes no events and runs no onCommit', async () => {
    const w = await db.warehouse.create({ data: { name: 'outer' } });
    published.length = 0;
    const ran: string[] = [];
    await db.$transaction(async (tx) => {
      await tx.crate.create({ data: { name: 'kept', warehouseId: w.id } });
      await tx
        .$transaction(async (inner) => {
          await inner.crate.create({ data: { name: 'undone', warehouseId: w.id } });
          onCommit(() => void ran.push('inner'));
          throw new AppError('BAD_USER_INPUT', 'inner changes its mind');
        })
        .catch(() => {});
      onCommit(() => void ran.push('outer'));
    });
    expect((await db.crate.findMany({ where: { warehouseId: w.id } })).map((c) => c.name)).toEqual(['kept']);
    expect(ran).toEqual(['outer']);
    const names = published.flat().filter((e) => e.model === 'Crate');
    expect(names).toHaveLength(1);
    const rows = await t.data.reader.event.findMany({ where: { model: 'Crate', rowId: { gt: 0 } } });
    expect(rows.map((e) => e.id)).toEqual(expect.arrayContaining(names.map((e) => e.id)));
    expect(await t.data.reader.crate.count({ where: { name: 'undone' } })).toBe(0);
  });

  it('siblings on one transaction client may run at once: they are serialized, not interleaved', async () => {
    const w = await db.warehouse.create({ data: { name: 'siblings' } });
    await db.$transaction(async (tx) => {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          tx.crate.create({ data: { name: `s${i}`, warehouseId: w.id }, include: { warehouse: true } }),
        ),
      );
    });
    expect(await db.crate.count({ where: { warehouseId: w.id } })).toBe(10);
    const warehouse = await db.warehouse.findUniqueOrThrow({ where: { id: w.id } });
    expect(warehouse.newestCrateId).not.toBeNull();
  });
});

describe('SQLite (one writer): no deadlock', () => {
  // About SQLite's single writer: on PostgreSQL the outside write takes a pooled connection of
  // its own and simply succeeds, so there is nothing to detect there.
  let s: TestDatabase;
  let sdb: Db;
  beforeAll(async () => {
    s = await freshSqliteDatabase({ transactionTimeoutMs: 1_500, lockWaitMs: 300 });
    sdb = s.data.db;
  });
  afterAll(() => s.close());

  it('a receiver awaiting a write made outside its transaction fails fast with a message saying to write through tx; later writes go on', async () => {
    const w = await sdb.warehouse.create({ data: { name: 'deadlock' } });
    // A job worker started at boot: its writes run in its own async context, not the receiver's.
    const jobs: Array<() => void> = [];
    const worker = setInterval(() => jobs.shift()?.(), 5);
    try {
      off.push(
        postSave.connect(
          async ({ instance, created }) => {
            if (!created || instance.name !== 'needs-a-job') return;
            await new Promise((resolve, reject) => {
              jobs.push(
                () => void sdb.warehouse.create({ data: { name: 'from the job' } }).then(resolve, reject),
              );
            });
          },
          { sender: 'Crate', dispatchUid: 'test.awaitsOutsideWork' },
        ),
      );
      const error = await sdb.crate
        .create({ data: { name: 'needs-a-job', warehouseId: w.id } })
        .catch((e) => e);
      expect(error).toBeInstanceOf(LockWaitTimeoutError);
      expect(String(error.message)).toMatch(/deadlock/);
      expect(String(error.message)).toMatch(/through the `tx`/);
      expect(await sdb.crate.count({ where: { name: 'needs-a-job' } })).toBe(0);
      // the writer is free again
      await sdb.crate.create({ data: { name: 'after', warehouseId: w.id } });
      expect(await sdb.crate.count({ where: { name: 'after' } })).toBe(1);
    } finally {
      clearInterval(worker);
    }
  });
});

describe('no deadlock', () => {
  it('a transaction past its timeout is rolled back, releases the writer and fails its caller; its client is closed', async () => {
    const w = await db.warehouse.create({ data: { name: 'slow' } });
    let stale: TxClient | undefined;
    let release!: () => void;
    const never = new Promise<void>((resolve) => {
      release = resolve;
    });
    let zombie: Promise<unknown> | undefined;
    const error = await db
      .$transaction(async (tx) => {
        stale = tx;
        await tx.crate.create({ data: { name: 'timed-out', warehouseId: w.id } });
        await never; // e.g. an HTTP call that hangs
        // still running after the timeout: through the root client, too, it cannot write
        zombie = db.crate.create({ data: { name: 'zombie', warehouseId: w.id } }).catch((e) => e);
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(TransactionTimeoutError);
    expect(String(error.message)).toMatch(/onCommit/);
    expect(await db.crate.count({ where: { name: 'timed-out' } })).toBe(0);
    await db.crate.create({ data: { name: 'next', warehouseId: w.id } });
    expect(await db.crate.count({ where: { name: 'next' } })).toBe(1);
    release();
    await expect(stale?.crate.create({ data: { name: 'late', warehouseId: w.id } })).rejects.toThrow(
      TransactionClosedError,
    );
    while (!zombie) await new Promise((r) => setTimeout(r, 5));
    expect(await zombie).toBeInstanceOf(TransactionClosedError);
    expect(await db.crate.count({ where: { name: { in: ['late', 'zombie'] } } })).toBe(0);
  });
});

describe('transaction clients after their transaction', () => {
  it('after the commit a tx works like the root client; after a rollback it throws', async () => {
    const w = await db.warehouse.create({ data: { name: 'after' } });
    let kept: TxClient | undefined;
    await db.$transaction(async (tx) => {
      kept = tx;
    });
    const c = await kept?.crate.create({ data: { name: 'via kept tx', warehouseId: w.id } });
    expect(committed(t.file, 'SELECT name FROM "Crate" WHERE id = ?', c?.id)).toBe('via kept tx');
    let doomed: TxClient | undefined;
    await db
      .$transaction(async (tx) => {
        doomed = tx;
        throw new Error('roll back');
      })
      .catch(() => {});
    await expect(doomed?.crate.count()).rejects.toThrow(/rolled back/);
  });
});

describe('onCommit (Django transaction.on_commit)', () => {
  it('runs at once when no transaction is open, after the outermost commit otherwise', async () => {
    const log: string[] = [];
    onCommit(() => void log.push('no transaction: at once'));
    expect(log).toEqual(['no transaction: at once']);
    const w = await db.warehouse.create({ data: { name: 'oc' } });
    await db.$transaction(async (tx) => {
      await tx.$transaction(async (inner) => {
        await inner.crate.create({ data: { name: 'c', warehouseId: w.id } });
        onCommit(
          () =>
            void log.push(
              `nested: committed=${committed(t.file, 'SELECT COUNT(*) FROM "Crate" WHERE name = ?', 'c')}`,
            ),
        );
      });
      log.push('outer body done');
    });
    expect(log.slice(1)).toEqual(['outer body done', 'nested: committed=1']);
  });

  it('never runs after a rollback, nor for a rolled-back savepoint', async () => {
    const log: string[] = [];
    await db
      .$transaction(async () => {
        onCommit(() => void log.push('rolled back'));
        throw new Error('no');
      })
      .catch(() => {});
    await db.$transaction(async (tx) => {
      await tx
        .$transaction(async () => {
          onCommit(() => void log.push('savepoint rolled back'));
          throw new Error('no');
        })
        .catch(() => {});
      onCommit(() => void log.push('outer'));
    });
    expect(log).toEqual(['outer']);
  });

  it('a non-function is a TypeError at once, from the export and from receivers alike', async () => {
    // `as never`: the types refuse a non-function; this is the run-time check JavaScript callers get.
    expect(() => onCommit(42 as never)).toThrow(TypeError);
    const w = await db.warehouse.create({ data: { name: 'bad' } });
    off.push(
      postSave.connect(({ onCommit: later }) => later('not a function' as never), {
        sender: 'Crate',
        dispatchUid: 'test.badOnCommit',
      }),
    );
    await expect(db.crate.create({ data: { name: 'x', warehouseId: w.id } })).rejects.toThrow(TypeError);
  });

  it("a receiver's callback gets a client that works after the commit", async () => {
    const w = await db.warehouse.create({ data: { name: 'follow-up' } });
    const done: number[] = [];
    off.push(
      postSave.connect(
        ({ instance, created, onCommit: later }) => {
          if (!created || instance.name !== 'first') return;
          later(async (client) => {
            const next = await client.crate.create({
              data: { name: 'follow-up', warehouseId: instance.warehouseId },
            });
            done.push(next.id);
          });
        },
        { sender: 'Crate', dispatchUid: 'test.followUp' },
      ),
    );
    await db.crate.create({ data: { name: 'first', warehouseId: w.id } });
    expect(done).toHaveLength(1);
    expect(await db.crate.count({ where: { warehouseId: w.id, name: 'follow-up' } })).toBe(1);
  });

  it("a callback that uses the receiver's own tx after the commit writes in a unit of its own, with its signals", async () => {
    // The case: the callback closes over `tx` (once "Transaction already closed", only logged).
    const w = await db.warehouse.create({ data: { name: 'closure' } });
    const failures: unknown[] = [];
    const saved: string[] = [];
    off.push(
      postSave.connect(
        ({ instance, created, tx, onCommit: later }) => {
          if (!created) return;
          saved.push(String(instance.name));
          if (instance.name !== 'original') return;
          later(async () => {
            try {
              await tx.crate.create({ data: { name: 'after commit', warehouseId: instance.warehouseId } });
            } catch (error) {
              failures.push(error);
            }
          });
        },
        { sender: 'Crate', dispatchUid: 'test.closedOverTx' },
      ),
    );
    await db.crate.create({ data: { name: 'original', warehouseId: w.id } });
    expect(failures).toEqual([]);
    expect(saved).toEqual(['original', 'after commit']);
    expect(committed(t.file, 'SELECT COUNT(*) FROM "Crate" WHERE name = ?', 'after commit')).toBe(1);
    // its own commit: the warehouse's newest crate moved on to it (the crate receiver ran)
    const warehouse = await db.warehouse.findUniqueOrThrow({ where: { id: w.id } });
    const newest = await db.crate.findFirstOrThrow({ where: { name: 'after commit' } });
    expect(warehouse.newestCrateId).toBe(newest.id);
  });
});
