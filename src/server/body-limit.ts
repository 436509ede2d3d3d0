import { IncomingMessage } from 'node:http';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

// Only a single non-negative integer is a Content-Length (as yoga checks it).
const CONTENT_LENGTH = /^\d+$/;

function tooLarge() {
  return createGraphQLError('Request body too large', {
    extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' },
  });
}

function invalidLength() {
  return createGraphQLError('Content-Length header is invalid.', {
    extensions: { http: { status: 400 }, code: 'BAD_REQUEST' },
  });
}

/**
 * Whether Node's HTTP server read this request: its parser frames the body by Content-Length,
 * never handing on a byte more, and refuses a request that also names a Transfer-Encoding.
 */
function framedByNode(serverContext: unknown): boolean {
  const req = (serverContext as { req?: unknown } | undefined)?.req;
  return req instanceof IncomingMessage && req.headers['transfer-encoding'] === undefined;
}

type FetchAPI = Parameters<NonNullable<Plugin['onRequestParse']>>[0]['fetchAPI'];

/** The request with its body counted as it streams: past `limit` bytes, the read fails. */
function counted(request: Request, limit: number, fetchAPI: FetchAPI): Request {
  const body = request.body;
  if (!body) return request;
  // as yoga does: a native stream pipes into a native TransformStream, yoga's own into its own
  const Transform = body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  let read = 0;
  const limited = body.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        read += chunk.byteLength;
        if (read > limit) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body: limited,
    duplex: 'half',
  } as RequestInit);
}

/**
 * MAX_BODY_BYTES, in place of yoga's `maxRequestBodySize` and with its errors. Yoga pipes every
 * body through a counting stream (a stream pipeline, a second Request and an AbortError per
 * request: ≈ 7% of the server's CPU under `npm run bench load`). A body Node's HTTP server read by
 * its Content-Length cannot be longer than the header says, so there the header check is the
 * whole check; any other body (chunked, or a Request given to `yoga.fetch`) is counted as it
 * streams, as yoga does.
 */
export function useBodyLimit(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, serverContext, fetchAPI }) {
      const length = request.headers.get('content-length');
      if (length !== null) {
        if (!CONTENT_LENGTH.test(length)) throw invalidLength();
        if (Number(length) > limit) throw tooLarge();
        if (framedByNode(serverContext)) return;
      }
      if (!requestParser || request.body === null) return;
      const parse = requestParser;
      setRequestParser((req) => parse(counted(req, limit, fetchAPI)));
    },
  };
}
