import { Prisma } from '../../generated/prisma/client.js';
import type { FastModel } from './model.js';

/**
 * Errors as the Prisma client throws them: the same class (so `instanceof
 * Prisma.PrismaClientKnownRequestError` and src/schema/errors.ts treat both paths alike), code,
 * meta and message. The message is the one of `errorFormat: 'minimal'`: without a call site.
 */
export function knownError(
  model: FastModel,
  operation: string,
  code: string,
  text: string,
  meta: Record<string, unknown>,
): Prisma.PrismaClientKnownRequestError {
  return new Prisma.PrismaClientKnownRequestError(
    `\nInvalid \`prisma.${model.key}.${operation}()\` invocation:\n\n\n${text}`,
    { code, clientVersion: Prisma.prismaVersion.client, meta },
  );
}

/** What findUniqueOrThrow throws when no row matches. */
export function recordNotFound(model: FastModel, operation: string): Prisma.PrismaClientKnownRequestError {
  return knownError(
    model,
    operation,
    'P2025',
    'An operation failed because it depends on one or more records that were required but not found. ' +
      'No record was found for a query.',
    { modelName: model.name, operation: 'a query' },
  );
}

/** What the client's data mapper throws for a stored value it cannot read (as its own class is named). */
export class DataMapperError extends Error {
  override name = 'DataMapperError';
}
