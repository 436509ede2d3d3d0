import type { DeleteOrigin } from '../signals/index.js';
import { updateMany } from './bulk.js';
import { AppError } from './errors.js';
import { type Frame, inChild } from './frames.js';
import { ON_DELETE, type ModelName as PrismaModel } from './models.js';
import { EVENT_MODELS, recordEvents } from './outbox.js';
import {
  type Args,
  chunks,
  delegate,
  findOne,
  limitOf,
  lockForWrite,
  needs,
  type Row,
  send,
  withSelection,
} from './phases.js';

/**
 * Deletes the way Django's Collector does, with the schema's onDelete rules performed by the
 * pipeline so every dependant's signals fire: collect every row the delete reaches first, refuse
 * a Restrict, send pre_delete for all (dependants before their parents), set the SetNull
 * references to null (through updateMany: their save signals fire), then delete model by model,
 * dependants first, each model's post_delete right after its rows are gone (newest first, as
 * Django reverses each model's instances). Every signal carries the delete's `origin`.
 */

class Collector {
  /** Rows to delete per model, models in the order they were reached. */
  readonly rows = new Map<PrismaModel, Map<number, Row>>();
  /** model -> the models whose rows must go before its own. */
  readonly #dependencies = new Map<PrismaModel, Set<PrismaModel>>();
  readonly setNull: Array<{ model: PrismaModel; field: string; ids: number[] }> = [];
  readonly #restricted: Array<{ model: PrismaModel; field: string; ids: number[]; parent: PrismaModel }> = [];

  constructor(private readonly frame: Frame) {}

  async collect(model: PrismaModel, rows: readonly Row[], source?: PrismaModel): Promise<void> {
    let have = this.rows.get(model);
    if (!have) {
      have = new Map();
      this.rows.set(model, have);
    }
    if (source !== undefined) {
      const deps = this.#dependencies.get(source) ?? new Set();
      deps.add(model);
      this.#dependencies.set(source, deps);
    }
    const fresh = rows.filter((row) => !have.has(row.id));
    for (const row of fresh) have.set(row.id, row);
    if (fresh.length === 0) return;
    // Locked before their dependants are read: a concurrent insert referring to one of these rows
    // waits for this delete (PostgreSQL), so no dependant is created behind the collector's back.
    await this.frame.unit.dialect.lockRows?.(
      this.frame.conn,
      model,
      fresh.map((r) => r.id),
    );
    for (const rule of ON_DELETE[model]) {
      for (const ids of chunks(fresh.map((r) => r.id))) {
        if (rule.action === 'Cascade') {
          const children = (await delegate(this.frame, rule.model).findMany({
            where: { [rule.field]: { in: ids } },
            orderBy: { id: 'asc' },
          })) as Row[];
          await this.collect(rule.model, children, model);
        } else if (rule.action === 'SetNull') {
          this.setNull.push({ model: rule.model, field: rule.field, ids });
        } else {
          this.#restricted.push({ model: rule.model, field: rule.field, ids, parent: model });
        }
      }
    }
  }

  /** Refuses the delete when a Restrict reference remains from a row that is not deleted with it. */
  async checkRestricted(): Promise<void> {
    for (const { model, field, ids, parent } of this.#restricted) {
      const referring = (await delegate(this.frame, model).count({
        where: { [field]: { in: ids } },
      })) as number;
      const wanted = new Set(ids);
      const leaving = [...(this.rows.get(model)?.values() ?? [])].filter((r) =>
        wanted.has(r[field] as number),
      );
      const staying = referring - leaving.length;
      if (staying > 0) {
        throw new AppError(
          'BAD_USER_INPUT',
          `${parent} ${ids.join(', ')} cannot be deleted: ${staying} ${model} row(s) still refer to it`,
        );
      }
    }
  }

  /** Django's Collector.sort: a model comes after every model whose rows must go first. */
  sorted(): PrismaModel[] {
    const models = [...this.rows.keys()];
    const done = new Set<PrismaModel>();
    const out: PrismaModel[] = [];
    while (out.length < models.length) {
      let found = false;
      for (const model of models) {
        if (done.has(model)) continue;
        const deps = this.#dependencies.get(model);
        if (!deps || [...deps].every((d) => done.has(d) || d === model)) {
          out.push(model);
          done.add(model);
          found = true;
        }
      }
      // A cycle of required references: keep the order the rows were reached in.
      if (!found) return [...out, ...models.filter((m) => !done.has(m))];
    }
    return out;
  }
}

/** Deletes `rows` of `model` and everything the schema's onDelete rules reach from them. */
export async function deleteRows(
  frame: Frame,
  model: PrismaModel,
  rows: Row[],
  origin: DeleteOrigin,
): Promise<void> {
  if (rows.length === 0) return;
  const collector = new Collector(frame);
  await collector.collect(model, rows);
  await collector.checkRestricted();
  const order = collector.sorted();
  const rowsOf = (m: PrismaModel) => [...(collector.rows.get(m)?.values() ?? [])].sort((a, b) => a.id - b.id);
  for (const m of order) {
    for (const instance of rowsOf(m)) await send('preDelete', frame, m, { instance, origin });
  }
  for (const { model: m, field, ids } of collector.setNull) {
    const leaving = collector.rows.get(m);
    const refs = (await delegate(frame, m).findMany({
      where: { [field]: { in: ids } },
      select: { id: true },
    })) as Array<{ id: number }>;
    const staying = refs.map((r) => r.id).filter((id) => !leaving?.has(id));
    for (const slice of chunks(staying)) {
      await inChild(
        frame,
        (child) => updateMany(child, m, { where: { id: { in: slice } }, data: { [field]: null } }, false),
        { savepoint: false, depth: frame.depth + 1, label: `${m}.updateMany (SetNull of ${field})` },
      );
    }
  }
  for (const m of order) {
    const doomed = rowsOf(m).reverse();
    for (const slice of chunks(doomed.map((r) => r.id))) {
      await delegate(frame, m).deleteMany({ where: { id: { in: slice } } });
    }
    await recordEvents(
      frame,
      m,
      'DELETE',
      doomed.map((row) => ({ row, created: false, updateFields: null })),
    );
    for (const instance of doomed) await send('postDelete', frame, m, { instance, origin });
  }
}

export async function deleteOne(frame: Frame, model: PrismaModel, args: Args) {
  const row = await findOne(frame, model, args.where, 'delete');
  const selected = await withSelection(frame, model, row, args);
  // The origin's row type is the model's own; the union is per model.
  await deleteRows(frame, model, [row], { model, operation: 'delete', instance: row } as DeleteOrigin);
  return selected;
}

export async function removeMany(frame: Frame, model: PrismaModel, args: Args) {
  const limit = limitOf(args);
  const quiet = !needs('preDelete', model) && !needs('postDelete', model);
  if (quiet && ON_DELETE[model].length === 0 && !EVENT_MODELS.has(model)) {
    return delegate(frame, model).deleteMany({ where: args.where, limit }); // nobody to tell
  }
  const matched = (await delegate(frame, model).findMany({
    where: args.where,
    orderBy: { id: 'asc' },
    take: limit,
  })) as Row[];
  const rows = await lockForWrite(frame, model, matched, args.where);
  await deleteRows(frame, model, rows, { model, operation: 'deleteMany', where: args.where ?? {} });
  return { count: rows.length };
}
