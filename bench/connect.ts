/**
 * 10,000 WebSocket clients connecting at once (issue 9): compiled signalyard as `npm start`
 * runs it (its listen backlog, token check on connect) against the plain yoga + graphql-ws
 * server of bench/plain-pubsub.ts (Node's default backlog, no auth). Clients in a child process.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlainPubSub } from './plain-pubsub.js';
import { startSignalyard } from './servers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLIENTS = Number(process.env.BENCH_CONNECT_CLIENTS ?? 10_000);

async function storm(url: string, token: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'connect-client.ts'), String(CLIENTS), url, token],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  await new Promise((r) => child.on('close', r));
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
    acked: number;
    failed: number;
    closeCodes: Record<string, number>;
  };
}

export async function benchConnect(): Promise<Record<string, string | number>[]> {
  const rows: Record<string, string | number>[] = [];
  const plain = await startPlainPubSub();
  const p = await storm(plain.url, 'none');
  await plain.close();
  const signalyard = await startSignalyard(4823);
  const s = await storm(signalyard.url, signalyard.token);
  await signalyard.stop();
  for (const [server, r] of [
    ['plain', p],
    ['signalyard', s],
  ] as const) {
    rows.push({
      server,
      clients: CLIENTS,
      acked: r.acked,
      failed: r.failed,
      'failed %': ((100 * r.failed) / CLIENTS).toFixed(2),
      'close codes': JSON.stringify(r.closeCodes),
    });
  }
  return rows;
}
