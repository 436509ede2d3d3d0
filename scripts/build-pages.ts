/**
 * `npm run build:console` (after `vite build` of console/): writes GraphiQL's assets as separate
 * files with content-hashed names to dist/graphiql (yoga's render-graphiql ships them as one
 * 9 MB inlined page) and a brotli and a gzip copy of every page asset, so the server serves
 * them compressed and cacheable without compressing per request or holding them in memory.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import {
  css,
  editorWorkerService,
  favicon,
  graphqlWorker,
  js,
  jsonWorker,
} from '@graphql-yoga/render-graphiql/graphiql';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const graphiqlDir = path.join(root, 'dist', 'graphiql');
const consoleDir = path.join(root, 'dist', 'console');

function writeHashed(name: string, ext: string, content: string | Buffer): string {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 12);
  const file = `${name}.${hash}.${ext}`;
  fs.writeFileSync(path.join(graphiqlDir, file), content);
  return file;
}

fs.rmSync(graphiqlDir, { recursive: true, force: true });
fs.mkdirSync(graphiqlDir, { recursive: true });
const icon = Buffer.from(favicon.slice(favicon.indexOf(',') + 1), 'base64');
const manifest = {
  js: writeHashed('graphiql', 'js', js),
  css: writeHashed('graphiql', 'css', css),
  favicon: writeHashed('favicon', 'ico', icon),
  workers: {
    editorWorkerService: writeHashed('editor.worker', 'js', editorWorkerService),
    json: writeHashed('json.worker', 'js', jsonWorker),
    graphql: writeHashed('graphql.worker', 'js', graphqlWorker),
  },
};
fs.writeFileSync(path.join(graphiqlDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

/** Every file under dir, recursively. */
function filesOf(dir: string): string[] {
  if (!fs.existsSync(dir)) throw new Error(`${dir} is missing: run vite build first (npm run build:console)`);
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesOf(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

let raw = 0;
let br = 0;
for (const file of [...filesOf(graphiqlDir), ...filesOf(consoleDir)]) {
  if (/\.(br|gz)$/.test(file) || file.endsWith('manifest.json')) continue;
  const content = fs.readFileSync(file);
  const brotli = brotliCompressSync(content, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: content.length },
  });
  fs.writeFileSync(`${file}.br`, brotli);
  fs.writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
  raw += content.length;
  br += brotli.length;
}
console.log(
  `pages: GraphiQL and /console assets in dist/ (${(raw / 1e6).toFixed(1)} MB, ${(br / 1e6).toFixed(1)} MB brotli)`,
);
