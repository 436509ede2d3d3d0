import type { AddressInfo } from 'node:net';
import { createHttpServer, type HttpServer } from '../../src/server/http.js';
import { authenticate } from '../../src/server/yoga.js';
import { type TestApp, testApp } from './app.js';

export interface LiveServer extends TestApp {
  http: HttpServer;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  wsUrl: string;
  /** Resolves once `count` more live subscribers are listening on the bus. */
  subscribers(count: number, since: number): Promise<void>;
  /** Resolves once the server stopped listening for departed subscribers (fails if they leak). */
  drained(base: number): Promise<void>;
}

/** The real server (yoga + graphql-ws) on a real loopback port, over a fresh SQLite file. */
export async function liveServer(options: Parameters<typeof testApp>[0] = {}): Promise<LiveServer> {
  const t = await testApp(options);
  const http = createHttpServer(t.app, (authorization) => authenticate(t.data, authorization));
  await new Promise<void>((resolve) => http.server.listen(0, '127.0.0.1', resolve));
  const { port } = http.server.address() as AddressInfo;
  return {
    ...t,
    http,
    url: `http://127.0.0.1:${port}/graphql`,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    async subscribers(count, since) {
      const deadline = Date.now() + 10_000;
      while (t.realtime.bus.subscriberCount < since + count) {
        if (Date.now() > deadline)
          throw new Error(`only ${t.realtime.bus.subscriberCount - since} of ${count} subscribers`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async drained(base) {
      const deadline = Date.now() + 10_000;
      while (t.realtime.bus.subscriberCount > base) {
        if (Date.now() > deadline) {
          throw new Error(
            `${t.realtime.bus.subscriberCount - base} subscribers still listening after their clients left`,
          );
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      for (const client of http.wss.clients) client.terminate();
      await http.close();
      await t.close();
    },
  };
}

/** Collects a stream's values and waits for conditions on them. */
export class Collector<T> {
  readonly items: T[] = [];
  error: unknown = null;
  #waiters: Array<() => void> = [];

  push = (item: T): void => {
    this.items.push(item);
    for (const w of this.#waiters.splice(0)) w();
  };

  fail = (error: unknown): void => {
    this.error = error;
    for (const w of this.#waiters.splice(0)) w();
  };

  /** An observer for graphql-ws / graphql-sse clients: each result's data (picked) or its errors. */
  sink<R>(pick: (data: R) => T) {
    return {
      next: (result: { data?: R | null; errors?: unknown }) =>
        result.data ? this.push(pick(result.data)) : this.fail(result.errors),
      error: this.fail,
      complete: () => {},
    };
  }

  /** Waits until at least `count` items arrived (or fails after a timeout). */
  async count(count: number, timeoutMs = 10_000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.items.length < count) {
      if (this.error) throw this.error instanceof Error ? this.error : new Error(JSON.stringify(this.error));
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`got ${this.items.length} of ${count}: ${JSON.stringify(this.items)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.items.slice(0, count);
  }
}
