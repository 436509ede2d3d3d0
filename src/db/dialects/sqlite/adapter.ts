import {
  DriverAdapterError,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
} from '@prisma/driver-adapter-utils';
import type { SqliteConnection } from './connection.js';
import { adapterError, columnTypes, declaredType, fromSqlite, toSqlite } from './conversion.js';

const ADAPTER_NAME = 'signalyard-sqlite';

/**
 * Prisma's queries on a connection we own. The official @prisma/adapter-better-sqlite3 prepares
 * every statement anew and keeps the connection to itself; this one reuses cached statements
 * and runs every query on the connection as it is, inside whatever transaction is open on it.
 */
class Queryable {
  readonly provider = 'sqlite' as const;
  readonly adapterName = ADAPTER_NAME;

  constructor(protected readonly connection: SqliteConnection) {}

  async queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    try {
      const prepared = this.connection.prepare(query.sql);
      const args = query.args.map((arg, i) => toSqlite(arg, query.argTypes[i]));
      if (!prepared.reader) {
        prepared.statement.run(...args);
        return { columnNames: [], columnTypes: [], rows: [] };
      }
      const rows = prepared.statement.all(...args) as unknown[][];
      const columns = prepared.statement.columns();
      prepared.declared ??= columns.map((c) => c.type);
      const types = columnTypes(prepared.declared.map(declaredType), rows);
      return {
        columnNames: columns.map((c) => c.name),
        columnTypes: types,
        rows: rows.map((row) => fromSqlite(row, types)),
      };
    } catch (error) {
      return adapterError(error);
    }
  }

  async executeRaw(query: SqlQuery): Promise<number> {
    try {
      const prepared = this.connection.prepare(query.sql);
      const args = query.args.map((arg, i) => toSqlite(arg, query.argTypes[i]));
      return prepared.statement.run(...args).changes;
    } catch (error) {
      return adapterError(error);
    }
  }
}

/**
 * A transaction Prisma opened for a query of its own (create with include, upsert, updateMany
 * with limit). `usePhantomQuery` makes Prisma call commit()/rollback() instead of sending COMMIT:
 * on a connection with no transaction open that is BEGIN IMMEDIATE / COMMIT; inside one (every
 * unit of work), a savepoint.
 */
class SqliteTransaction extends Queryable implements Transaction {
  readonly options = { usePhantomQuery: true };

  constructor(
    connection: SqliteConnection,
    private readonly savepoint: string | null,
  ) {
    super(connection);
  }

  async commit(): Promise<void> {
    try {
      if (this.savepoint === null) this.connection.commit();
      else this.connection.release(this.savepoint);
    } catch (error) {
      adapterError(error);
    }
  }

  async rollback(): Promise<void> {
    try {
      if (this.savepoint === null) this.connection.rollback();
      else this.connection.rollbackTo(this.savepoint);
    } catch (error) {
      adapterError(error);
    }
  }
}

class SqliteAdapter extends Queryable implements SqlDriverAdapter {
  async executeScript(script: string): Promise<void> {
    try {
      this.connection.db.exec(script);
    } catch (error) {
      adapterError(error);
    }
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    if (isolationLevel !== undefined && isolationLevel !== 'SERIALIZABLE') {
      throw new DriverAdapterError({ kind: 'InvalidIsolationLevel', level: isolationLevel });
    }
    try {
      if (this.connection.inTransaction) {
        return new SqliteTransaction(this.connection, this.connection.savepoint());
      }
      await this.connection.begin();
      return new SqliteTransaction(this.connection, null);
    } catch (error) {
      return adapterError(error);
    }
  }

  /** The connection belongs to the dialect, which closes it. */
  async dispose(): Promise<void> {}
}

/** The factory PrismaClient takes (`new PrismaClient({ adapter })`), over one owned connection. */
export class SqliteAdapterFactory implements SqlDriverAdapterFactory {
  readonly provider = 'sqlite' as const;
  readonly adapterName = ADAPTER_NAME;

  constructor(private readonly connection: SqliteConnection) {}

  async connect(): Promise<SqlDriverAdapter> {
    return new SqliteAdapter(this.connection);
  }
}
