/**
 * Issue 11: yoga's own parse cache keeps up to 1,024 documents (and 1,024 parse errors) of any
 * size. Ours is bounded by bytes (PARSE_CACHE_BYTES, 8 bytes per source character), and a single
 * document too large for it is not kept at all. Checked through a real yoga server that uses
 * exactly the options the app passes it, with the caches inspected afterwards.
 */
import { createSchema, createYoga } from 'graphql-yoga';
import type { LRUCache } from 'lru-cache';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/server/config.js';
import { parserCacheOptions } from '../../src/server/limits.js';

const BYTES = 160 * 1024;
const PER_CHAR = 8;

/** A valid document of about `chars` characters, distinct per `i` (the padding is a comment: no tokens). */
const documentOf = (i: number, chars: number) => `query Q${i} { __typename }\n# ${'x'.repeat(chars)}\n`;

function server() {
  const options = parserCacheOptions({ ...DEFAULT_LIMITS, parseCacheBytes: BYTES });
  if (!options || options === true) throw new Error('expected cache options');
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { ok: Boolean }' }),
    parserAndValidationCache: options,
    logging: false,
  });
  const run = async (query: string) => {
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as { data?: unknown; errors?: unknown[] };
  };
  return {
    run,
    documents: options.documentCache as LRUCache<string, object>,
    errors: options.errorCache as LRUCache<string, object>,
  };
}

describe('the parse cache', () => {
  it('keeps parsed documents within PARSE_CACHE_BYTES, the newest first', async () => {
    const t = server();
    const sent: string[] = [];
    for (let i = 0; i < 60; i++) {
      const query = documentOf(i, 1_000); // ~8 KB each as counted: about 20 fit in 160 KB
      sent.push(query);
      expect(await t.run(query)).toEqual({ data: { __typename: 'Query' } });
    }
    expect(t.documents.calculatedSize).toBeLessThanOrEqual(BYTES);
    expect(t.documents.size).toBeLessThan(sent.length / 2);
    expect(t.documents.has(sent.at(-1) as string)).toBe(true);
    expect(t.documents.has(sent[0] as string)).toBe(false);
  });

  it('does not keep one document too large for it, nor let parse errors grow past their share', async () => {
    const t = server();
    const large = documentOf(0, BYTES / PER_CHAR); // alone as large as the whole cache
    expect(await t.run(large)).toEqual({ data: { __typename: 'Query' } });
    expect(t.documents.has(large)).toBe(false);
    for (let i = 0; i < 60; i++) {
      const broken = `${documentOf(i, 150)} {`; // a parse error, ~1.5 KB as counted: 60 of them overflow their share
      expect((await t.run(broken)).errors).toHaveLength(1);
    }
    expect(t.errors.size).toBeGreaterThan(0);
    expect(t.errors.calculatedSize).toBeLessThanOrEqual(BYTES / 4);
  });
});
