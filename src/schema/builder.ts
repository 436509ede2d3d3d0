import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { DateTimeResolver } from 'graphql-scalars';
import { AppError, type PrismaClient } from '../db/index.js';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import type { Context } from './context.js';
import UnitOfWorkPlugin from './plugins/unit-of-work/index.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: { signedIn: boolean; staff: boolean };
  Scalars: { DateTime: { Input: Date; Output: Date } };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  defaultFieldNullability: false,
  // last, so innermost: access is checked before a mutation's unit of work opens
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin, UnitOfWorkPlugin],
  scopeAuth: {
    // subscriptions are authorised when they start, not only per event
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({ signedIn: ctx.user !== null, staff: ctx.user?.role === 'STAFF' }),
    unauthorizedError: (_parent, ctx, info) =>
      ctx.user === null
        ? new AppError('UNAUTHENTICATED', `Sign in to use ${info.parentType.name}.${info.fieldName}`)
        : new AppError(
            'FORBIDDEN',
            `${ctx.user.username} may not use ${info.parentType.name}.${info.fieldName}`,
          ),
  },
  prisma: {
    // plugin-prisma's relation loading reads through the read-only client (committed rows, or the
    // open unit's). It only calls read methods; its option is typed as the whole PrismaClient.
    client: (ctx) => ctx.data.reader as unknown as PrismaClient,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  unitOfWork: {
    data: (ctx) => ctx.data,
    signalContext: (ctx) => ({ user: ctx.user, requestId: ctx.requestId }),
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    // node / nodes are ours (node.ts): null for rows that are gone or not the caller's, coded bad IDs
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.queryType({});
builder.subscriptionType({});
