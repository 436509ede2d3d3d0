import type { Context } from './context.js';

/**
 * Who may see a row of each node type: the one rule behind each type's authScopes and behind
 * `node`/`nodes`, which answer null for a row the caller may not see (as for one that is gone).
 */
type Viewer = Pick<Context, 'user'>;
const staff = (ctx: Viewer) => ctx.user?.role === 'STAFF';

export const canSee = {
  Warehouse: (_row: object, ctx: Viewer) => staff(ctx),
  Crate: (_row: object, ctx: Viewer) => staff(ctx),
  InventoryItem: (_row: object, ctx: Viewer) => ctx.user !== null,
  Order: (row: { orderedById: number }, ctx: Viewer) => staff(ctx) || ctx.user?.id === row.orderedById,
  Notification: (row: { userId: number }, ctx: Viewer) => staff(ctx) || ctx.user?.id === row.userId,
  User: (row: { id: number }, ctx: Viewer) => staff(ctx) || ctx.user?.id === row.id,
} as const;

export type NodeTypename = keyof typeof canSee;
export const NODE_TYPENAMES = Object.keys(canSee) as NodeTypename[];

export function isNodeTypename(name: string): name is NodeTypename {
  return Object.hasOwn(canSee, name);
}
