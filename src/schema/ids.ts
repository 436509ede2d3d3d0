import { decodeGlobalID } from '@pothos/plugin-relay';
import { AppError } from '../db/index.js';

/** Decodes an opaque global ID of the expected type into the row id, or fails as BAD_USER_INPUT. */
export function parseId(globalId: string, typename: string, field = 'id'): number {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(String(globalId));
  } catch {
    throw new AppError('BAD_USER_INPUT', `${field}: '${globalId}' is not a valid ID`, { field });
  }
  const id = Number(decoded.id);
  if (decoded.typename !== typename || !Number.isSafeInteger(id) || id <= 0) {
    throw new AppError('BAD_USER_INPUT', `${field}: '${globalId}' is not a ${typename} ID`, { field });
  }
  return id;
}

export function notFound(typename: string, globalId: string): AppError {
  return new AppError('NOT_FOUND', `${typename} '${globalId}' not found`);
}
