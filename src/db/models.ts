import { getDatamodel } from '../generated/pothos-types.js';
import { Prisma } from '../generated/prisma/client.js';
import { registerModelNames } from '../signals/index.js';
import { AppError } from './errors.js';

export type ModelName = Prisma.ModelName;
export const MODEL_NAMES = Object.values(Prisma.ModelName) as ModelName[];

// Model signals check their senders against these names (src/signals imports nothing from src).
registerModelNames(MODEL_NAMES);

/** The Prisma client property of a model: `InventoryItem` -> `inventoryItem`. */
export function delegateKey(model: ModelName): string {
  return model.charAt(0).toLowerCase() + model.slice(1);
}

export interface RelationMeta {
  /** The related model. */
  type: ModelName;
  /** The foreign-key scalars on this side, empty when the key is on the other side. */
  fromFields: string[];
}

export interface ModelMeta {
  name: ModelName;
  key: string;
  relations: Map<string, RelationMeta>;
}

const datamodel = getDatamodel().datamodel.models;

export const MODELS: ReadonlyMap<ModelName, ModelMeta> = new Map(
  MODEL_NAMES.map((name) => {
    const fields = datamodel[name]?.fields ?? [];
    const relations = new Map<string, RelationMeta>();
    for (const field of fields) {
      if (field.kind === 'object') {
        relations.set(field.name, {
          type: field.type as ModelName,
          fromFields: [...(field.relationFromFields ?? [])],
        });
      }
    }
    return [name, { name, key: delegateKey(name), relations }];
  }),
);

export const MODEL_BY_KEY: ReadonlyMap<string, ModelMeta> = new Map(
  [...MODELS.values()].map((m) => [m.key, m]),
);

export function modelMeta(name: ModelName): ModelMeta {
  const meta = MODELS.get(name);
  if (!meta) throw new Error(`Unknown model ${name}`);
  return meta;
}

/**
 * What the database does to other rows when a row of the key model is deleted (the schema's
 * `onDelete`). The pipeline performs Cascade and SetNull itself, row by row, so the dependants'
 * signals fire as Django's collector does; test/db/models.test.ts keeps this in step with schema.prisma.
 */
export const ON_DELETE: Readonly<
  Record<
    ModelName,
    readonly { model: ModelName; field: string; action: 'Cascade' | 'SetNull' | 'Restrict' }[]
  >
> = {
  User: [
    { model: 'AuthToken', field: 'userId', action: 'Cascade' },
    { model: 'Order', field: 'orderedById', action: 'Cascade' },
    { model: 'Notification', field: 'userId', action: 'Cascade' },
    { model: 'IdempotencyKey', field: 'userId', action: 'Cascade' },
  ],
  AuthToken: [],
  Warehouse: [{ model: 'Crate', field: 'warehouseId', action: 'Cascade' }],
  Crate: [{ model: 'Warehouse', field: 'newestCrateId', action: 'SetNull' }],
  InventoryItem: [{ model: 'Order', field: 'inventoryItemId', action: 'Restrict' }],
  Order: [{ model: 'Notification', field: 'orderId', action: 'SetNull' }],
  Notification: [],
  Event: [],
  Sequence: [],
  RateLimit: [],
  IdempotencyKey: [],
};

/** Text limits of the data model (the names also CHECK constraints in the migration). */
export const TEXT_LIMITS: Partial<Record<ModelName, Record<string, number>>> = {
  User: { username: 64 },
  Warehouse: { name: 128, address: 2_000 },
  Crate: { name: 64, description: 2_000 },
  InventoryItem: { item: 20, itemCondition: 50 },
};

/** Optional texts: an empty string is a value, not a missing name. */
const MAY_BE_EMPTY = new Set(['address', 'description']);

const INT32_MAX = 2_147_483_647;
const INT32_MIN = -2_147_483_648;

/** Integer bounds (also CHECK constraints): what GraphQL's 32-bit Int can carry back to a client. */
export const INT_LIMITS: Partial<Record<ModelName, Record<string, readonly [number, number]>>> = {
  InventoryItem: { quantity: [0, INT32_MAX], itemCode: [INT32_MIN, INT32_MAX] },
  Order: { quantity: [1, INT32_MAX] },
};

/** Rejects data that breaks a text or integer limit with a message naming the field and the value. */
export function checkLimits(model: ModelName, data: Record<string, unknown>): void {
  for (const [field, max] of Object.entries(TEXT_LIMITS[model] ?? {})) {
    const value = data[field];
    if (typeof value !== 'string') continue;
    if (value.trim().length === 0 && !MAY_BE_EMPTY.has(field)) {
      throw new AppError('BAD_USER_INPUT', `${model}.${field} must not be empty`, { field });
    }
    if (value.length > max) {
      throw new AppError(
        'BAD_USER_INPUT',
        `${model}.${field} must be at most ${max} characters, got ${value.length}`,
        { field },
      );
    }
  }
  for (const [field, [min, max]] of Object.entries(INT_LIMITS[model] ?? {})) {
    const value = data[field];
    // atomic updates ({ increment: n }) are bounded by the CHECK constraint instead
    if (typeof value !== 'number') continue;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new AppError(
        'BAD_USER_INPUT',
        `${model}.${field} must be a whole number from ${min} to ${max}, got ${value}`,
        {
          field,
        },
      );
    }
  }
}
