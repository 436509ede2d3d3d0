/**
 * `npm run bench profile-fanout [ws|sse] [n]` (a diagnosis, on demand): signalyard in this process, N subscribers in a
 * client process, one event; the CPU profile covers only the delivery (write started → every
 * subscriber's receipt), summed by package and by function. With BENCH_HEAP=1 it also writes
 * heap snapshots before and after subscribing and prints the retained growth by constructor.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { issueToken } from '../src/schema/auth.js';
import { inProcessSignalyard } from './fanout.js';
import { startPlainPubSub } from './plain-pubsub.js';
import { type ProfileNode, packageOf } from './profile.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const gc = (globalThis as { gc?: () => void }).gc;

/** Self size summed by node type and name, from a .heapsnapshot file. */
function heapByConstructor(file: string): Map<string, { size: number; count: number }> {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt] as number] ?? '?';
    let name = snap.strings[snap.nodes[i + nameAt] as number] ?? '?';
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '(string)';
    if (type === 'code') name = '(code)';
    if (name.length > 60) name = `${name.slice(0, 60)}…`;
    const key = `${type} ${name}`;
    const entry = out.get(key) ?? { size: 0, count: 0 };
    entry.size += snap.nodes[i + sizeAt] as number;
    entry.count += 1;
    out.set(key, entry);
  }
  return out;
}

function snapshot(dir: string, name: string): string {
  gc?.();
  gc?.();
  return v8.writeHeapSnapshot(path.join(dir, `${name}.heapsnapshot`));
}

export async function benchProfileFanout(
  transport = 'ws',
  n = 2000,
): Promise<Record<string, string | number>[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signalyard-fanprof-'));
  const { data, realtime, admin, warehouse, url: ours, stop } = await inProcessSignalyard('fanprof');
  const plainServer = process.env.BENCH_PLAIN === '1' ? await startPlainPubSub({ backlog: 8_192 }) : null;
  const url = plainServer?.url ?? ours;
  const token = await issueToken(data, admin.id, 3_600_000);
  const subscribers = () => plainServer?.subscribers() ?? realtime.bus.subscriberCount;
  const trigger = async (name: string) => {
    if (plainServer) plainServer.publish(name);
    else await data.db.crate.create({ data: { name, warehouseId: warehouse.id } });
  };
  // warm the paths once with a few subscribers
  for (const size of [20, n]) {
    const heap = process.env.BENCH_HEAP === '1' && size === n;
    const before = heap ? snapshot(dir, 'before') : '';
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(here, 'fanout-client.ts'), transport, String(size), url, token],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FANOUT_HOLD_MS: '3000' } },
    );
    let out = '';
    let received: () => void = () => {};
    const all = new Promise<void>((r) => {
      received = r;
    });
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('[') && out.endsWith('\n')) received();
    });
    const exited = new Promise((r) => child.on('close', r));
    while (subscribers() < size) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    const after = heap ? snapshot(dir, 'after') : '';
    const session = new Session();
    if (size === n) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
    }
    const t0 = performance.timeOrigin + performance.now();
    await trigger(`p-${size}`);
    await all;
    const receipts = JSON.parse(out.trim().split('\n').pop() ?? '[]') as number[];
    const last = Math.max(...receipts) - t0;
    if (size !== n) {
      await exited;
      continue;
    }
    const { profile } = await session.post('Profiler.stop');
    await exited;
    session.disconnect();
    console.log(`profile-fanout: ${transport} n=${n}, last receipt ${last.toFixed(0)} ms after the write`);
    const byId = new Map((profile.nodes as ProfileNode[]).map((node) => [node.id, node]));
    const parentOf = new Map<number, ProfileNode>();
    for (const node of profile.nodes as (ProfileNode & { children?: number[] })[]) {
      for (const child of node.children ?? []) parentOf.set(child, node);
    }
    const self = new Map<string, number>();
    const functions = new Map<string, number>();
    let total = 0;
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    samples.forEach((id, i) => {
      const node = byId.get(id);
      const delta = deltas[i] ?? 0;
      if (!node) return;
      const key = packageOf(node.callFrame.url, node.callFrame.functionName);
      self.set(key, (self.get(key) ?? 0) + delta);
      const frame = (x: ProfileNode) =>
        `${x.callFrame.functionName || '(anonymous)'} ${x.callFrame.url.split('/').slice(-2).join('/')}:${x.callFrame.lineNumber + 1}`;
      const parent = parentOf.get(node.id);
      const where = node.callFrame.url === '' && parent ? `${frame(node)} < ${frame(parent)}` : frame(node);
      functions.set(where, (functions.get(where) ?? 0) + delta);
      total += delta;
    });
    console.log('top functions by self time:');
    console.table(
      [...functions.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 40)
        .map(([fn, us]) => ({
          function: fn,
          'self ms': Math.round(us / 1000),
          share: `${((100 * us) / total).toFixed(1)}%`,
        })),
    );
    if (heap) {
      const a = heapByConstructor(before);
      const b = heapByConstructor(after);
      const rows = [...b.entries()]
        .map(([key, v]) => ({
          key,
          bytes: v.size - (a.get(key)?.size ?? 0),
          count: v.count - (a.get(key)?.count ?? 0),
        }))
        .sort((x, y) => y.bytes - x.bytes);
      const sum = rows.reduce((s, r) => s + r.bytes, 0);
      console.log(`heap growth: ${(sum / 1024 / n).toFixed(1)} KiB per subscriber (self sizes)`);
      console.table(
        rows.slice(0, 45).map((r) => ({
          node: r.key,
          'B/sub': Math.round(r.bytes / n),
          'count/sub': (r.count / n).toFixed(2),
        })),
      );
    }
    const result = [...self.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 25)
      .map(([pkg, us]) => ({
        package: pkg,
        'self ms': Math.round(us / 1000),
        share: `${((100 * us) / total).toFixed(1)}%`,
      }));
    await plainServer?.close();
    await stop();
    if (process.env.BENCH_KEEP === '1') console.log('snapshots kept in', dir);
    else fs.rmSync(dir, { recursive: true, force: true });
    return result;
  }
  return [];
}
