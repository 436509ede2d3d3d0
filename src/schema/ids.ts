import { decodeGlobalID } from '@pothos/plugin-relay';
import { AppError } from '../db/index.js';
import { quote } from './input.js';

/** Longest global ID this server issues is far shorter; longer ones are refused before decoding. */
const MAX_ID_LENGTH = 200;

/** The typename and row id of an opaque global ID, or BAD_USER_INPUT naming the field. */
export function decodeId(globalId: string, field = 'id'): { typename: string; id: number } {
  const invalid = () =>
    new AppError('BAD_USER_INPUT', `${field}: ${quote(globalId)} is not a valid ID`, { field });
  if (globalId.length > MAX_ID_LENGTH) throw invalid();
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(String(globalId));
  } catch {
    throw invalid();
  }
  const id = Number(decoded.id);
  if (!/^\d+$/.test(decoded.id) || !Number.isSafeInteger(id) || id <= 0) throw invalid();
  return { typename: decoded.typename, id };
}

/** Decodes an opaque global ID of the expected type into the row id, or fails as BAD_USER_INPUT. */
export function parseId(globalId: string, typename: string, field = 'id'): number {
  const decoded = decodeId(globalId, field);
  if (decoded.typename !== typename) {
    throw new AppError('BAD_USER_INPUT', `${field}: ${quote(globalId)} is not a ${typename} ID`, { field });
  }
  return decoded.id;
}

export function notFound(typename: string, globalId: string): AppError {
  return new AppError('NOT_FOUND', `${typename} ${quote(globalId)} not found`);
}
