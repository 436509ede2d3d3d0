/**
 * MAX_BODY_BYTES on the real server: a body over the limit is refused (413) whether it says its
 * length or arrives chunked, and whatever yoga.fetch is handed is counted, not trusted.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiveServer, liveServer } from '../support/live.js';

const LIMIT = 4_096;
let s: LiveServer;
beforeAll(async () => {
  s = await liveServer({ app: { limits: { maxBodyBytes: LIMIT } } });
});
afterAll(() => s.close());

/** A body `size` bytes long that is a valid GraphQL request (the padding is ignored whitespace). */
function bodyOf(size: number): string {
  const start = '{"query":"{ __typename ';
  const end = '}"}';
  return `${start}${' '.repeat(size - start.length - end.length)}${end}`;
}

interface Answer {
  status: number;
  body: { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
}

/** POSTs `body` over a socket: with its Content-Length, or chunked in pieces of 1,000 bytes. */
function post(body: string, framing: 'length' | 'chunked'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      s.url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(framing === 'length'
            ? { 'content-length': String(Buffer.byteLength(body)) }
            : { 'transfer-encoding': 'chunked' }),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    request.on('error', reject);
    if (framing === 'length') request.end(body);
    else {
      for (let i = 0; i < body.length; i += 1_000) request.write(body.slice(i, i + 1_000));
      request.end();
    }
  });
}

describe.each(['length', 'chunked'] as const)('a body sent with framing %s', (framing) => {
  it('at the limit: answered', async () => {
    const answer = await post(bodyOf(LIMIT), framing);
    expect(answer).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
  });

  it('one byte over the limit: refused with 413', async () => {
    const answer = await post(bodyOf(LIMIT + 1), framing);
    expect(answer.status).toBe(413);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });
});

it('a Content-Length that is not one number: 400', async () => {
  const answer = await new Promise<number>((resolve, reject) => {
    const request = http.request(
      s.url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '+12' } },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('error', reject);
    request.end('{"query":"{}"}');
  });
  expect(answer).toBe(400);
});

it('yoga.fetch: a Request whose Content-Length understates its body is counted and refused', async () => {
  const response = await s.app.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': '20' },
    body: bodyOf(LIMIT * 4),
  });
  expect(response.status).toBe(413);
});
