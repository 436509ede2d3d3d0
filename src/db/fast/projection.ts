import { decline, type Flavor, isPlainObject } from './flavor.js';
import type { FastField, FastModel } from './model.js';

/**
 * The columns a call returns and the keys of its result, in Prisma's order: `select` keeps its
 * own key order, `omit` and the default keep the model's.
 */
export interface Projection {
  fields: readonly FastField[];
  /** The quoted column list, for SELECT and RETURNING. */
  columns: string;
  /** Leading columns that are read but are not in the result (the id, see projectionOf). */
  hidden: number;
}

/**
 * Prisma reads the id with every selection, so the id is read here too when the result leaves it
 * out: with the same columns SQLite picks the same plan (an index that covers them), and rows
 * that tie in the ORDER BY come back in the same order as through Prisma.
 */
export function projectionOf(flavor: Flavor, model: FastModel, fields: readonly FastField[]): Projection {
  const read = model.id && !fields.includes(model.id) ? [model.id, ...fields] : fields;
  return {
    fields,
    columns: read.map((f) => flavor.quote(f.column)).join(', '),
    hidden: read.length - fields.length,
  };
}

/** Projections of the whole row, built once per model: most calls pass neither select nor omit. */
export class Projections {
  readonly #full = new Map<FastModel, Projection>();
  constructor(readonly flavor: Flavor) {}

  of(model: FastModel, select: unknown, omit: unknown): Projection {
    if (select === undefined && omit === undefined) return this.full(model);
    if (select !== undefined && omit !== undefined) decline(); // Prisma refuses both
    return projectionOf(
      this.flavor,
      model,
      select !== undefined ? selected(model, select) : kept(model, omit),
    );
  }

  full(model: FastModel): Projection {
    let projection = this.#full.get(model);
    if (!projection) {
      projection = projectionOf(this.flavor, model, model.fields);
      this.#full.set(model, projection);
    }
    return projection;
  }
}

function selected(model: FastModel, select: unknown): FastField[] {
  if (!isPlainObject(select)) decline();
  const fields: FastField[] = [];
  for (const [key, value] of Object.entries(select)) {
    if (value === undefined || value === false) continue;
    const field = model.byName.get(key);
    if (value !== true || !field) decline(); // relations, _count, nested selections
    fields.push(field);
  }
  if (fields.length === 0) decline(); // Prisma: "needs at least one truthy value"
  return fields;
}

function kept(model: FastModel, omit: unknown): readonly FastField[] {
  if (!isPlainObject(omit)) decline();
  const dropped = new Set<string>();
  for (const [key, value] of Object.entries(omit)) {
    if (value === undefined || value === false) continue;
    if (value !== true || !model.byName.has(key)) decline();
    dropped.add(key);
  }
  if (dropped.size === 0) return model.fields;
  const fields = model.fields.filter((f) => !dropped.has(f.name));
  if (fields.length === 0) decline(); // Prisma: "omit includes every field"
  return fields;
}

/** Decodes raw rows (arrays in projection order) into Prisma's result objects. */
export function decodeRow(flavor: Flavor, projection: Projection, row: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const { fields, hidden } = projection;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as FastField;
    const value = row[i + hidden];
    out[field.name] = value === null || value === undefined ? null : flavor.decode(field, value);
  }
  return out;
}
