import { randomUUID } from 'node:crypto';
import { useGraphQLSSE } from '@graphql-yoga/plugin-graphql-sse';
import type { Plugin } from 'graphql-yoga';
import type { Limits } from './config.js';

const TOKEN_HEADER = 'x-graphql-event-stream-token';

interface Reservation {
  address: string;
  expiresAt: number;
}

type RequestPayload = Parameters<NonNullable<Plugin['onRequest']>>[0];

/**
 * The graphql-sse protocol's single-connection mode (PUT to reserve a stream, a stream token,
 * DELETE to stop) on /graphql. Its distinct-connections mode is plain SSE, which yoga answers.
 *
 * A reservation costs the server memory until its stream connects, so unused ones are bounded
 * per client address and in total, and dropped after `sseReservationTtlMs`. Tokens are random
 * UUIDs (graphql-sse's default uses Math.random).
 */
export function useGraphQLSSESingleConnection(
  limits: Pick<Limits, 'sseReservationsPerAddress' | 'sseReservations' | 'sseReservationTtlMs'>,
  addressOf: (payload: RequestPayload) => string,
): Plugin & { reservations(): number } {
  const pending = new Map<string, Reservation>();
  const inner = useGraphQLSSE({
    endpoint: '/graphql',
    authenticate: (req) => {
      const given =
        req.headers.get(TOKEN_HEADER) ?? new URL(req.url ?? '', 'http://x/').searchParams.get('token');
      return given || randomUUID();
    },
  });
  let sweeper: NodeJS.Timeout | null = null;
  let origin = 'http://localhost';

  /** Connects to an expired reservation and hangs up at once: graphql-sse then forgets it. */
  const release = async (token: string) => {
    const request = new Request(`${origin}/graphql`, {
      headers: { accept: 'text/event-stream', [TOKEN_HEADER]: token },
    });
    // The plugin's own hook with a synthetic request; it reads only request, url, serverContext
    // and endResponse, so the rest of a yoga request payload is not needed.
    const payload = {
      request,
      url: new URL(request.url),
      serverContext: {},
      endResponse: (response: Response) => void response.body?.cancel().catch(() => {}),
    } as unknown as RequestPayload;
    await inner.onRequest?.(payload);
  };

  const sweep = () => {
    const now = Date.now();
    for (const [token, reservation] of pending) {
      if (reservation.expiresAt > now) continue;
      pending.delete(token);
      void release(token);
    }
  };

  const refuse = (payload: RequestPayload, message: string, retryAfter: number) =>
    payload.endResponse(
      Response.json(
        { errors: [{ message, extensions: { code: 'TOO_MANY_REQUESTS', retryAfter } }] },
        { status: 429, headers: { 'retry-after': String(retryAfter) } },
      ),
    );

  return {
    reservations: () => pending.size,
    onYogaInit: inner.onYogaInit,
    onRequest(payload) {
      const { request, url } = payload;
      // url.search first: reading searchParams makes (and keeps, on the request's URL) a parsed copy
      const token =
        request.headers.get(TOKEN_HEADER) ?? (url.search === '' ? null : url.searchParams.get('token'));
      const single = request.method === 'PUT' || request.method === 'DELETE' || token !== null;
      if (!single) return;
      origin = url.origin;
      if (sweeper === null) sweeper = setInterval(sweep, limits.sseReservationTtlMs).unref();
      sweep();
      if (request.method === 'PUT') {
        const address = addressOf(payload);
        const retryAfter = Math.ceil(limits.sseReservationTtlMs / 1000);
        if (pending.size >= limits.sseReservations) {
          return refuse(
            payload,
            'Too many unused stream reservations on this server: try again later',
            retryAfter,
          );
        }
        let mine = 0;
        for (const r of pending.values()) if (r.address === address) mine++;
        if (mine >= limits.sseReservationsPerAddress) {
          return refuse(
            payload,
            'Too many unused stream reservations from this address: connect or wait',
            retryAfter,
          );
        }
        // The token is chosen here (authenticate() above takes it from the header), so it is
        // tracked before the client can read it.
        const issued = token ?? randomUUID();
        const headers = new Headers(request.headers);
        headers.set(TOKEN_HEADER, issued);
        const { endResponse } = payload;
        return inner.onRequest?.({
          ...payload,
          request: new Request(request.url, { method: 'PUT', headers }),
          endResponse: (response: Response) => {
            if (response.status === 201) {
              pending.set(issued, { address, expiresAt: Date.now() + limits.sseReservationTtlMs });
            }
            endResponse(response);
          },
        });
      }
      if (token !== null && request.headers.get('accept') === 'text/event-stream') pending.delete(token);
      return inner.onRequest?.(payload);
    },
  };
}
