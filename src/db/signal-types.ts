import type { Prisma } from '../generated/prisma/client.js';
import type { TxClient } from './client-types.js';
import type { SignalContext } from './frames.js';

type Models = Prisma.TypeMap['model'];
type RowOf<M extends Prisma.ModelName> = Models[M]['payload']['scalars'];
/** A field's value, or one of Prisma's atomic updates (`{ decrement: 1 }`, `{ set: null }`). */
type FieldWrite<T> =
  | T
  | { set?: T }
  | (T extends number
      ? { increment?: number; decrement?: number; multiply?: number; divide?: number }
      : never);
/** What a pre_save receiver sees and may change: the fields about to be written. */
type DataOf<M extends Prisma.ModelName> = { [K in keyof RowOf<M>]?: FieldWrite<RowOf<M>[K]> };

type Registry = { [M in Prisma.ModelName]: { row: RowOf<M>; data: DataOf<M> } };

// Fills the signal core's registry with this project's models, so `connect(r, { sender: 'Crate' })`
// types `instance` as a Crate while src/signals imports nothing from src.
declare module '../signals/models.js' {
  interface ModelRegistry extends Registry {}
  interface SignalEnvironment {
    tx: TxClient;
    context: SignalContext;
  }
}
