import path from 'node:path';
import { distDir, safeName, serveFile } from './files.js';

/** /console: the page Vite built from console/ into dist/console (base /console/). */

export const CONSOLE_PATH = '/console';
const dir = path.join(distDir, 'console');

export async function consolePage(request: Request, pathname: string): Promise<Response | null> {
  if (pathname === CONSOLE_PATH || pathname === `${CONSOLE_PATH}/`) {
    const page = await serveFile(request, path.join(dir, 'index.html'), { immutable: false });
    return (
      page ??
      new Response(
        'The console is not built: run `npm run build:console` (npm install runs it) and reload.\n',
        {
          status: 503,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        },
      )
    );
  }
  const asset = /^\/console\/assets\/([^/]+)$/.exec(pathname)?.[1];
  const file = asset ? safeName(asset) : null;
  return file ? serveFile(request, path.join(dir, 'assets', file), { immutable: true }) : null;
}
