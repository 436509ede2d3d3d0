import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

/** Client methods the data layer refuses: each would reach the database around the pipeline. */
type Refused = '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends';

/**
 * The project's database client: Prisma's API with every write passing through the pipeline.
 * `$transaction` takes a callback only; inside one, the client it hands over (and every write
 * made in its async context) joins it, each write and nested `$transaction` in a savepoint.
 */
export type TxClient = Omit<PrismaClient, Refused> & {
  $transaction<T>(fn: (tx: TxClient) => Promise<T>, options?: { timeout?: number }): Promise<T>;
};

/** The root client (`data.db`, `data.withContext(ctx)`): same shape as a transaction's. */
export type Db = TxClient;

/** The read methods of a model delegate. */
export const READ_METHODS = [
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'count',
  'aggregate',
  'groupBy',
] as const;
type ReadMethod = (typeof READ_METHODS)[number];
type ModelKey = Uncapitalize<Prisma.ModelName>;

/**
 * The read-only client (`data.reader`, what plugin-prisma loads relations with): reads only, in
 * its type and at run time. Inside a unit of work its reads see that unit's writes.
 */
export type ReadClient = { readonly [K in ModelKey]: Pick<PrismaClient[K], ReadMethod> } & Pick<
  PrismaClient,
  '$queryRaw' | '$queryRawUnsafe'
>;
