import { type Client, createClient } from 'graphql-ws';

/** The GraphQL endpoint of the server that served this page (no CDN, no other origin). */
const endpoint = new URL('/graphql', location.href);

export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; lastCursor?: string };
}

export interface Result<T> {
  data?: T | null;
  errors?: GraphQLErrorShape[];
}

export async function post<T>(
  query: string,
  variables: Record<string, unknown>,
  token: string | null,
): Promise<Result<T>> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Result<T>;
}

/** One WebSocket per signed-in session: its token is checked once, when it opens. */
export function liveClient(token: string): Client {
  const url = new URL(endpoint);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return createClient({ url: url.href, connectionParams: { authorization: `Bearer ${token}` } });
}

/** The first error's message with its code, for a person. */
export function describe(errors: GraphQLErrorShape[] | undefined): string {
  const first = errors?.[0];
  if (!first) return 'no answer';
  return first.extensions?.code ? `${first.message} (${first.extensions.code})` : first.message;
}
