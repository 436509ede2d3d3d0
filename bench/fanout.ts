/**
 * Fan-out: N concurrent subscribers (SSE or WebSocket, in a separate client process) of one
 * event. Prints delivery time (write started → each subscriber's receipt) p50/p99/max, the
 * server's memory per subscriber, and how many row queries the event cost.
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Realtime } from '../src/realtime/index.js';
import { registerReceivers } from '../src/receivers/index.js';
import { ensureAdmin, issueToken } from '../src/schema/auth.js';
import { createHttpServer } from '../src/server/http.js';
import { authenticate, createApp } from '../src/server/yoga.js';
import { benchDataLayer } from './support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const gc = (globalThis as { gc?: () => void }).gc;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function settle() {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  return process.memoryUsage();
}

export async function benchFanout(sizes = [100, 1000]): Promise<Record<string, string | number>[]> {
  registerReceivers();
  const { data, close } = await benchDataLayer('fanout');
  const realtime = new Realtime(data, { retentionMs: 3_600_000, subscriberCapacity: 1_000 }).start();
  const app = createApp({ data, realtime, tokenTtlMs: 3_600_000, logError: (m, e) => console.error(m, e) });
  const http = createHttpServer(app, (a) => authenticate(data, a));
  await new Promise<void>((r) => http.server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}/graphql`;
  await ensureAdmin(data, 'bench-password');
  const admin = await data.db.user.findUniqueOrThrow({ where: { username: 'admin' } });
  const token = await issueToken(data, admin.id, 3_600_000);
  const warehouse = await data.db.warehouse.create({ data: { name: 'fan-out' } });

  const rows: Record<string, string | number>[] = [];
  for (const transport of ['sse', 'ws'] as const) {
    for (const n of sizes) {
      const base = realtime.bus.subscriberCount;
      const before = await settle();
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(here, 'fanout-client.ts'), transport, String(n), url, token],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
      });
      const exited = new Promise<number | null>((r) => child.on('close', r));
      const deadline = Date.now() + 120_000;
      while (realtime.bus.subscriberCount < base + n) {
        if (Date.now() > deadline)
          throw new Error(`${transport}: only ${realtime.bus.subscriberCount - base} of ${n} subscribed`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const during = await settle();
      const queriesBefore = realtime.rows.queries;
      const t0 = performance.timeOrigin + performance.now();
      await data.db.crate.create({ data: { name: `fan-${transport}-${n}`, warehouseId: warehouse.id } });
      await exited;
      const receipts = JSON.parse(out.trim().split('\n').pop() ?? '[]') as number[];
      const latencies = receipts.map((r) => r - t0).sort((a, b) => a - b);
      rows.push({
        transport,
        subscribers: n,
        received: latencies.length,
        'p50 ms': percentile(latencies, 50).toFixed(1),
        'p99 ms': percentile(latencies, 99).toFixed(1),
        'max ms': (latencies.at(-1) ?? Number.NaN).toFixed(1),
        'heap KiB/sub': ((during.heapUsed - before.heapUsed) / 1024 / n).toFixed(1),
        'rss KiB/sub': ((during.rss - before.rss) / 1024 / n).toFixed(1),
        'row queries': realtime.rows.queries - queriesBefore,
      });
      while (realtime.bus.subscriberCount > base) await new Promise((r) => setTimeout(r, 20));
    }
  }
  for (const client of http.wss.clients) client.terminate();
  await http.close();
  await realtime.stop();
  await close();
  return rows;
}
