import type Database from 'better-sqlite3';
import { decline, type Flavor, Query } from './flavor.js';
import type { FastModel } from './model.js';
import type { Projections } from './projection.js';

/** Where the fast path gets its statements: the caller prepares and caches them. */
export interface StatementSource {
  prepare(sql: string): Database.Statement;
}

/** One call of the fast path: what reads and writes share. */
export class Call {
  constructor(
    readonly flavor: Flavor,
    readonly projections: Projections,
    readonly source: StatementSource,
    readonly model: FastModel,
    readonly operation: string,
  ) {}

  query(): Query {
    return new Query(this.flavor);
  }

  table(): string {
    return this.flavor.quote(this.model.table);
  }

  /** Rows as arrays in the order of the statement's columns. */
  rows(sql: string, q: Query): unknown[][] {
    if (q.params.length > this.flavor.maxParams) decline();
    try {
      return this.source
        .prepare(sql)
        .raw(true)
        .all(...q.params) as unknown[][];
    } catch (error) {
      throw this.flavor.mapError(error, this.model, this.operation);
    }
  }

  /** Runs a statement that returns no rows; returns how many rows it changed. */
  changes(sql: string, q: Query): number {
    if (q.params.length > this.flavor.maxParams) decline();
    try {
      return Number(this.source.prepare(sql).run(...q.params).changes);
    } catch (error) {
      throw this.flavor.mapError(error, this.model, this.operation);
    }
  }
}
