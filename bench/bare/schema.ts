/**
 * The bare stack signalyard is measured against (issue 9): yoga + Pothos + plugin-prisma on the
 * official better-sqlite3 adapter (or @prisma/adapter-pg, bench/pg.ts), the same schema subset, the same work per mutation, each
 * mutation in one interactive `$transaction`, as one would write it by hand. No signals, no
 * outbox, no group commit.
 */
import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin, { decodeGlobalID } from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import type PrismaTypes from '../../src/generated/pothos-types.js';
import { getDatamodel } from '../../src/generated/pothos-types.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';

export interface BareContext {
  user: { id: number; role: 'STAFF' | 'CUSTOMER' } | null;
}

function idOf(globalId: string, type: string): number {
  const { typename, id } = decodeGlobalID(globalId);
  if (typename !== type)
    throw new GraphQLError(`not a ${type} id`, { extensions: { code: 'BAD_USER_INPUT' } });
  return Number(id);
}

const fail = (code: string, message: string) => new GraphQLError(message, { extensions: { code } });

export interface BareOptions {
  /**
   * PostgreSQL: createCrate locks the warehouse row first (`SELECT ... FOR UPDATE`), as
   * signalyard's newest-crate receiver does. Without it, two concurrent creates into one
   * warehouse deadlock: each insert takes a KEY SHARE lock on the warehouse (the foreign key),
   * and updating `newestCrateId` (a unique column, so a key update) waits for the other's.
   * SQLite has one writer at a time: nothing to lock.
   */
  lockWarehouse: boolean;
}

export function bareSchema(prisma: PrismaClient, options: BareOptions = { lockWarehouse: false }) {
  const builder = new SchemaBuilder<{
    Context: BareContext;
    PrismaTypes: PrismaTypes;
    AuthScopes: { signedIn: boolean; staff: boolean };
    DefaultFieldNullability: false;
  }>({
    defaultFieldNullability: false,
    // the same access plugin signalyard uses
    plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin],
    scopeAuth: {
      authScopes: (ctx) => ({ signedIn: ctx.user !== null, staff: ctx.user?.role === 'STAFF' }),
      unauthorizedError: () => fail('FORBIDDEN', 'not allowed'),
    },
    prisma: { client: prisma, dmmf: getDatamodel(), onUnusedQuery: null },
    relay: { clientMutationId: 'omit', cursorType: 'String' },
  });

  builder.prismaNode('Warehouse', {
    id: { field: 'id' },
    fields: (t) => ({
      name: t.exposeString('name'),
      newestCrate: t.relation('newestCrate', { nullable: true }),
    }),
  });
  builder.prismaNode('Crate', {
    id: { field: 'id' },
    fields: (t) => ({
      name: t.exposeString('name'),
      description: t.exposeString('description', { nullable: true }),
      warehouse: t.relation('warehouse'),
    }),
  });
  builder.prismaNode('InventoryItem', {
    id: { field: 'id' },
    fields: (t) => ({ item: t.exposeString('item'), quantity: t.exposeInt('quantity') }),
  });
  builder.prismaNode('Order', {
    id: { field: 'id' },
    fields: (t) => ({
      ordNumber: t.exposeString('ordNumber'),
      quantity: t.exposeInt('quantity'),
      inventoryItem: t.relation('inventoryItem'),
    }),
  });

  builder.queryType({ fields: (t) => ({ ok: t.boolean({ resolve: () => true }) }) });
  const CreateCrateInput = builder.inputType('CreateCrateInput', {
    fields: (t) => ({
      name: t.string({ required: true }),
      description: t.string(),
      warehouseId: t.id({ required: true }),
    }),
  });
  const PlaceOrderInput = builder.inputType('PlaceOrderInput', {
    fields: (t) => ({ inventoryItemId: t.id({ required: true }), quantity: t.int({ required: true }) }),
  });

  builder.mutationType({
    fields: (t) => ({
      createCrate: t.prismaField({
        type: 'Crate',
        authScopes: { staff: true },
        args: { input: t.arg({ type: CreateCrateInput, required: true }) },
        resolve: (query, _root, { input }) => {
          const warehouseId = idOf(String(input.warehouseId), 'Warehouse');
          return prisma.$transaction(async (tx) => {
            const warehouse = options.lockWarehouse
              ? (
                  await tx.$queryRaw<
                    Array<{ id: number }>
                  >`SELECT "id" FROM "Warehouse" WHERE "id" = ${warehouseId} FOR UPDATE`
                )[0]
              : await tx.warehouse.findUnique({ where: { id: warehouseId }, select: { id: true } });
            if (!warehouse) throw fail('NOT_FOUND', `Warehouse ${input.warehouseId} not found`);
            const crate = await tx.crate.create({
              data: { name: input.name, description: input.description ?? null, warehouseId },
            });
            // the newest-crate rule, by hand
            await tx.warehouse.update({ where: { id: warehouseId }, data: { newestCrateId: crate.id } });
            return tx.crate.findUniqueOrThrow({ ...query, where: { id: crate.id } });
          });
        },
      }),
      placeOrder: t.prismaField({
        type: 'Order',
        authScopes: { signedIn: true },
        args: { input: t.arg({ type: PlaceOrderInput, required: true }) },
        resolve: (query, _root, { input }, ctx) => {
          const user = ctx.user as NonNullable<BareContext['user']>; // signedIn scope above
          const itemId = idOf(String(input.inventoryItemId), 'InventoryItem');
          const quantity = input.quantity;
          if (!Number.isInteger(quantity) || quantity <= 0) throw fail('BAD_USER_INPUT', 'quantity');
          return prisma.$transaction(async (tx) => {
            const reserved = await tx.inventoryItem.updateMany({
              where: { id: itemId, quantity: { gte: quantity } },
              data: { quantity: { decrement: quantity } },
            });
            const item = await tx.inventoryItem.findUnique({ where: { id: itemId }, select: { item: true } });
            if (!item) throw fail('NOT_FOUND', 'no such item');
            if (reserved.count === 0) throw fail('OUT_OF_STOCK', `Not enough '${item.item}' in stock`);
            const seq = await tx.sequence.upsert({
              where: { name: 'order' },
              create: { name: 'order', value: 1 },
              update: { value: { increment: 1 } },
            });
            const ordNumber = `ORD-${String(seq.value).padStart(6, '0')}`;
            const order = await tx.order.create({
              data: { inventoryItemId: itemId, quantity, orderedById: user.id, ordNumber },
            });
            await tx.notification.create({
              data: {
                userId: user.id,
                orderId: order.id,
                message: `Order ${ordNumber}: ${quantity} × ${item.item}`,
              },
            });
            return tx.order.findUniqueOrThrow({ ...query, where: { id: order.id } });
          });
        },
      }),
    }),
  });
  return builder.toSchema();
}
