import { AppError } from '../db/index.js';

/** Cursors are opaque to clients: the event id behind a prefix, base64url-encoded. */
export function encodeCursor(eventId: number): string {
  return Buffer.from(`event:${eventId}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const match = /^event:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  const id = match?.[1] ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(id)) {
    throw new AppError('BAD_USER_INPUT', `after: '${cursor}' is not a cursor this server issued`, {
      field: 'after',
    });
  }
  return id;
}
