import fs from 'node:fs';
import path from 'node:path';
import { distDir, safeName, serveFile } from './files.js';
import { GRAPHIQL_TABS } from './graphiql-tabs.js';

/**
 * GraphiQL as a small HTML page whose script, stylesheet and editor workers are separate,
 * content-hashed, precompressed files under /graphiql/ (built by `npm run build:console` from
 * yoga's render-graphiql bundle), instead of yoga's 9 MB page with everything inlined.
 */

export const GRAPHIQL_ASSETS = '/graphiql/';
const dir = path.join(distDir, 'graphiql');

interface Manifest {
  js: string;
  css: string;
  favicon: string;
  workers: Record<string, string>;
}

let manifest: Manifest | null = null;
function manifestOf(): Manifest | null {
  if (manifest) return manifest;
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(file)) return null;
  manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  return manifest;
}

/** JSON inside a <script>: no "</script>" or "<!--" can end it early. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export function graphiqlPage(endpoint: string): Response {
  const m = manifestOf();
  if (!m) {
    return new Response(
      'GraphiQL is not built: run `npm run build:console` (npm install runs it) and reload.\n',
      { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' } },
    );
  }
  const url = (file: string) => `${GRAPHIQL_ASSETS}${file}`;
  const workers = Object.fromEntries(Object.entries(m.workers).map(([label, file]) => [label, url(file)]));
  const options = {
    title: 'signalyard',
    endpoint,
    subscriptionsProtocol: 'WS',
    defaultTabs: GRAPHIQL_TABS,
    // GraphiQL fills the first tab's Variables pane from this, not from defaultTabs[0]
    variables: GRAPHIQL_TABS[0]?.variables,
  };
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>signalyard · GraphiQL</title>
    <link rel="icon" href="${url(m.favicon)}" />
    <link rel="stylesheet" href="${url(m.css)}" />
    <style>
      html, body, #root { height: 100%; margin: 0; overflow: hidden; }
      #root > .graphiql-container, #root .graphiql-container { height: 100vh; }
    </style>
  </head>
  <body class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script>
      const workers = ${scriptJson(workers)};
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_id, label) => workers[label] };
    </script>
    <script src="${url(m.js)}"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptJson(options)});
    </script>
  </body>
</html>
`;
  return new Response(html, {
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
  });
}

/** /graphiql/<hashed file>: the assets the page names (immutable: a new build has new names). */
export async function graphiqlAsset(request: Request, name: string): Promise<Response | null> {
  const file = safeName(name);
  if (!file || file === 'manifest.json') return null;
  return serveFile(request, path.join(dir, file), { immutable: true });
}
