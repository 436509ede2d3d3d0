/**
 * The unit-of-work plugin on a schema of its own (one Mutation field with every per-field hook),
 * through a real yoga server's fetch on a real SQLite file: the order of the hooks around the
 * commit, a before hook adjusting args or rejecting, and an after hook's throw undoing it all.
 */
import SchemaBuilder from '@pothos/core';
import { createYoga } from 'graphql-yoga';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError, type DataLayer, muteSignals } from '../../src/db/index.js';
import { createMaskError } from '../../src/schema/errors.js';
import UnitOfWorkPlugin, {
  afterMutation,
  beforeMutation,
  fieldHooksOf,
} from '../../src/schema/plugins/unit-of-work/index.js';
import { type Disconnect, postSave, preSave } from '../../src/signals/index.js';
import { committed, freshDatabase, type TestDatabase } from '../support/db.js';

interface Ctx {
  data: DataLayer;
  requestId: string;
}

let db: TestDatabase;
/** What ran, in order: every hook, receiver and the resolver write one entry. */
const log: string[] = [];
const off: Disconnect[] = [];
/** Whether the row is visible to another connection (committed), by name. */
const visible = (name: string) =>
  committed(db.file, 'SELECT count(*) FROM "Warehouse" WHERE name = ?', name) === 1
    ? 'committed'
    : 'uncommitted';

function testSchema() {
  // The project's plugins merge their (required) options into every builder's options type;
  // this builder uses only the unit-of-work plugin, so it has none of theirs to give.
  const builder = new SchemaBuilder<{ Context: Ctx }>({
    plugins: [UnitOfWorkPlugin],
    unitOfWork: {
      data: (ctx) => ctx.data,
      signalContext: (ctx) => ({ user: null, requestId: ctx.requestId }),
    },
  } as ConstructorParameters<typeof SchemaBuilder<{ Context: Ctx }>>[0]);
  builder.queryType({ fields: (t) => ({ ok: t.boolean({ resolve: () => true }) }) });
  builder.mutationType({
    fields: (t) => ({
      addWarehouse: t.string({
        args: { name: t.arg.string({ required: true }) },
        hooks: {
          prepare: function preparing({ args }) {
            log.push(`prepare ${args.name}`);
          },
          before: function normalise({ args }) {
            log.push(`before ${args.name}`);
            if (args.name === 'refused') throw new AppError('FORBIDDEN', 'refused by the before hook');
            return { name: args.name.trim().toUpperCase() };
          },
          after: function check({ args, result }) {
            log.push(`after ${result} ${visible(args.name)}`);
            if (args.name === 'FAIL-AFTER') throw new AppError('BAD_USER_INPUT', 'refused by the after hook');
          },
          afterCommit: function announce({ args, result }) {
            log.push(`afterCommit ${result} ${visible(args.name)}`);
          },
        },
        // the root client, not a tx: inside the unit it joins the unit all the same
        resolve: async (_root, args, ctx) => {
          log.push(`resolver ${args.name}`);
          return (await ctx.data.db.warehouse.create({ data: { name: args.name } })).name;
        },
      }),
      plain: t.boolean({ resolve: () => true }),
    }),
  });
  return builder.toSchema();
}

const schema = testSchema();
const mask = createMaskError(() => {});
let yoga: ReturnType<typeof createYoga<Record<string, unknown>, Ctx>>;

async function add(name: string) {
  const response = await yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($n: String!) { addWarehouse(name: $n) }',
      variables: { n: name },
    }),
  });
  return (await response.json()) as {
    data?: { addWarehouse: string } | null;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
}

beforeAll(async () => {
  db = await freshDatabase();
  yoga = createYoga<Record<string, unknown>, Ctx>({
    schema,
    context: () => ({ data: db.data, requestId: 'test' }),
    maskedErrors: { maskError: (error, message) => mask(error, message) },
    logging: false,
  });
  off.push(
    beforeMutation.connect(
      function globalBefore({ args }) {
        log.push(`global before ${String(args.name)}`);
      },
      { sender: 'addWarehouse', dispatchUid: 'test.globalBefore' },
    ),
    afterMutation.connect(
      function globalAfter({ result }) {
        log.push(`global after ${String(result)}`);
      },
      { sender: 'addWarehouse' },
    ),
    preSave.connect(
      function pre({ instance }) {
        log.push(`preSave ${instance.name}`);
      },
      { sender: 'Warehouse' },
    ),
    postSave.connect(
      function post({ instance, onCommit }) {
        log.push(`postSave ${instance.name}`);
        onCommit(() => log.push(`onCommit ${instance.name}`));
      },
      { sender: 'Warehouse' },
    ),
  );
});
afterEach(async () => {
  log.length = 0;
  await muteSignals(() => db.data.db.warehouse.deleteMany({}));
});
afterAll(async () => {
  for (const d of off) d();
  await db.close();
});

describe('unit-of-work hooks', () => {
  it('run in order around the one commit: before hooks, resolver, receivers, after hooks, commit, afterCommit', async () => {
    expect(await add(' dock ')).toEqual({ data: { addWarehouse: 'DOCK' } });
    expect(log).toEqual([
      'prepare  dock ',
      'global before  dock ',
      'before  dock ',
      'resolver DOCK',
      'preSave DOCK',
      'postSave DOCK',
      // nothing is committed until every hook inside the unit has run
      'after DOCK uncommitted',
      'global after DOCK',
      'onCommit DOCK',
      'afterCommit DOCK committed',
    ]);
  });

  it('a before hook adjusts the args the resolver gets', async () => {
    await add('lower case');
    expect(await db.data.reader.warehouse.findMany({ select: { name: true } })).toEqual([
      { name: 'LOWER CASE' },
    ]);
  });

  it('a before hook rejects with a typed error: the resolver never runs, nothing is written', async () => {
    const r = await add('refused');
    expect(r.errors?.[0]).toMatchObject({
      message: 'refused by the before hook',
      extensions: { code: 'FORBIDDEN' },
    });
    expect(log).toEqual(['prepare refused', 'global before refused', 'before refused']);
    expect(await db.data.reader.warehouse.count()).toBe(0);
  });

  it("an after hook's throw rolls back the resolver's row and receivers' work; no afterCommit, no onCommit", async () => {
    const r = await add('fail-after');
    expect(r.errors?.[0]).toMatchObject({
      message: 'refused by the after hook',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(log).toEqual([
      'prepare fail-after',
      'global before fail-after',
      'before fail-after',
      'resolver FAIL-AFTER',
      'preSave FAIL-AFTER',
      'postSave FAIL-AFTER',
      'after FAIL-AFTER uncommitted',
    ]);
    expect(committed(db.file, 'SELECT count(*) FROM "Warehouse"')).toBe(0);
  });

  it('lists the per-field hooks on the built schema; a hook for an unknown field is refused at connect', () => {
    expect(fieldHooksOf(schema)).toEqual([
      { signal: 'prepare', sender: 'addWarehouse', name: 'preparing' },
      { signal: 'beforeMutation', sender: 'addWarehouse', name: 'normalise' },
      { signal: 'afterMutation', sender: 'addWarehouse', name: 'check' },
      { signal: 'afterCommit', sender: 'addWarehouse', name: 'announce' },
    ]);
    expect(() => beforeMutation.connect(function nowhere() {}, { sender: 'noSuchField' })).toThrow(
      new TypeError(
        "beforeMutation.connect: sender 'noSuchField' is not a Mutation field; the fields are addWarehouse, plain",
      ),
    );
  });
});
