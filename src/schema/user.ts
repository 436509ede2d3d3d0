import { canSee } from './access.js';
import { builder } from './builder.js';

export const Role = builder.enumType('Role', { values: ['STAFF', 'CUSTOMER'] as const });

/** A user is visible to themself and to STAFF. */
export const User = builder.prismaNode('User', {
  id: { field: 'id' },
  authScopes: (user, ctx) => canSee.User(user, ctx),
  fields: (t) => ({
    // the name as the user typed it; `username` in the database is the normalised sign-in key
    username: t.string({ resolve: (user) => user.displayName ?? user.username }),
    role: t.expose('role', { type: Role }),
    orders: t.relatedConnection(
      'orders',
      { cursor: 'id', query: { orderBy: { id: 'desc' } } },
      { name: 'OrderConnection' },
      { name: 'OrderEdge' },
    ),
    notifications: t.relatedConnection(
      'notifications',
      { cursor: 'id', query: { orderBy: { id: 'desc' } } },
      { name: 'NotificationConnection' },
      { name: 'NotificationEdge' },
    ),
  }),
});

builder.queryField('me', (t) =>
  t.prismaField({
    type: 'User',
    nullable: true,
    resolve: (query, _root, _args, ctx) =>
      ctx.user ? ctx.db.user.findUnique({ ...query, where: { id: ctx.user.id } }) : null,
  }),
);
