import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');

/** Merges one benchmark's figures into bench/results.json, stamped with the machine and the date. */
export function saveResults(name: string, figures: unknown): void {
  const previous = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>)
    : {};
  const entry = {
    date: new Date().toISOString(),
    machine: {
      cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      note: 'shared with other sessions running tests: ratios within one run are what count',
    },
    figures,
  };
  fs.writeFileSync(file, `${JSON.stringify({ ...previous, [name]: entry }, null, 2)}\n`);
}
