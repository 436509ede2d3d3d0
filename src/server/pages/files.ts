import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Built page assets (dist/graphiql, dist/console) served from disk: read when a request asks
 * (nothing is loaded at start-up), the brotli or gzip copy the build wrote when Accept-Encoding
 * allows, content-hashed names cached for a year, everything else revalidated by ETag.
 */

/**
 * The project root, from src/ (tsx) or dist/ (node) alike: the nearest folder above this file
 * whose package.json is signalyard's (a build may put a package.json of its own in dist/).
 */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'signalyard')
      return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("signalyard: no signalyard package.json above the server's files");
    dir = parent;
  }
}

export const distDir = path.join(projectRoot(), 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

/** The encodings the client accepts (q > 0), in our order of preference. */
function encodingsOf(request: Request): Array<'br' | 'gzip'> {
  const header = request.headers.get('accept-encoding') ?? '';
  const accepted = new Set(
    header
      .split(',')
      .map((part) => part.trim().split(';'))
      .filter(([, q]) => !q || Number(q.trim().replace(/^q=/, '')) > 0)
      .map(([name]) => name?.trim().toLowerCase()),
  );
  return (['br', 'gzip'] as const).filter((e) => accepted.has(e));
}

const SUFFIX = { br: '.br', gzip: '.gz' } as const;

export interface ServeOptions {
  /** The name carries a content hash: cache it for a year. */
  immutable: boolean;
}

/** The file's response, or null when it does not exist. */
export async function serveFile(
  request: Request,
  file: string,
  options: ServeOptions,
): Promise<Response | null> {
  const original = await statOf(file);
  if (!original) return null;
  let chosen: { path: string; stat: fs.Stats; encoding: 'br' | 'gzip' | null } = {
    path: file,
    stat: original,
    encoding: null,
  };
  for (const encoding of encodingsOf(request)) {
    const stat = await statOf(file + SUFFIX[encoding]);
    if (stat) {
      chosen = { path: file + SUFFIX[encoding], stat, encoding };
      break;
    }
  }
  // one tag per representation: the brotli bytes are not the gzip bytes
  const etag = `"${chosen.stat.size.toString(36)}-${Math.trunc(chosen.stat.mtimeMs).toString(36)}"`;
  const headers = new Headers({
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'cache-control': options.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    etag,
    vary: 'Accept-Encoding',
  });
  if (chosen.encoding) headers.set('content-encoding', chosen.encoding);
  if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
  const body = await fs.promises.readFile(chosen.path);
  headers.set('content-length', String(body.length));
  return new Response(body, { headers });
}

async function statOf(file: string): Promise<fs.Stats | null> {
  const stat = await fs.promises.stat(file).catch(() => null);
  return stat?.isFile() ? stat : null;
}

/** A file name from a URL path segment: plain names only, never a way out of the folder. */
export function safeName(name: string): string | null {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && !name.includes('..') ? name : null;
}
