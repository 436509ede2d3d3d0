import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** Newest modification time of the files under these paths (0 when none exist). */
function newest(paths: string[]): number {
  let latest = 0;
  for (const p of paths.map((p) => path.join(root, p))) {
    if (!fs.existsSync(p)) continue;
    const stat = fs.statSync(p);
    if (stat.isFile()) latest = Math.max(latest, stat.mtimeMs);
    else
      for (const entry of fs.readdirSync(p, { withFileTypes: true, recursive: true })) {
        if (entry.isFile())
          latest = Math.max(latest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
      }
  }
  return latest;
}

const mtimeOf = (file: string) => {
  const full = path.join(root, file);
  return fs.existsSync(full) ? fs.statSync(full).mtimeMs : 0;
};

/**
 * What `npm start` serves, built from the sources the tests run: `npm install` builds it, and a
 * part older than its sources (after an edit, a checkout) is built again here, once per run,
 * before any test file starts (two files building into dist/ at once would trip each other).
 */
const PARTS = [
  { script: 'build:server', output: 'dist/server/main.js', sources: ['src', 'tsconfig.build.json'] },
  {
    script: 'build:console',
    // build-pages writes GraphiQL's manifest last, after vite built the console
    output: 'dist/graphiql/manifest.json',
    sources: ['console', 'scripts/build-pages.ts'],
  },
];

export function buildWhatIsStale(): void {
  for (const { script, output, sources } of PARTS) {
    const built = mtimeOf(output);
    if (built > 0 && built >= newest(sources)) continue;
    const run = spawnSync('npm', ['run', script], { cwd: root, encoding: 'utf8', timeout: 300_000 });
    if (run.status !== 0) throw new Error(`npm run ${script} failed:\n${run.stdout}${run.stderr}`);
  }
}
