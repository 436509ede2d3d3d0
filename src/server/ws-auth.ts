import type { Session } from '../schema/context.js';

/**
 * The bearer value a graphql-ws subscribe message carries in `extensions.headers.authorization`
 * (GraphiQL puts its Headers tab there), matched case-insensitively as HTTP header names are.
 */
export function authorizationOfSubscribe(extensions: Record<string, unknown> | null | undefined) {
  const headers = extensions?.headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'authorization' && typeof value === 'string' && value.trim() !== '')
      return value;
  }
  return undefined;
}

/**
 * The session one WebSocket operation runs as: the subscribe message's own token when it has
 * one, else the connection's. The connection's token was checked when the socket opened; it is
 * checked again for every operation through the token cache (a lookup in memory while the entry
 * lives), so once it is revoked (logOut drops the entry at once) or expired, the socket starts
 * no new operation with it: that operation fails with UNAUTHENTICATED. Throws as `authenticate`.
 */
export function sessionOfOperation(
  authenticate: (authorization: string | undefined) => Promise<Session | null>,
  connectionAuthorization: string | undefined,
  extensions: Record<string, unknown> | null | undefined,
): Promise<Session | null> {
  return authenticate(authorizationOfSubscribe(extensions) ?? connectionAuthorization);
}
