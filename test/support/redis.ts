import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';

/**
 * A Redis for a test file: TEST_REDIS_URL when set (CI starts one), else a redis-server of its
 * own on a free loopback port when the binary is on PATH, else null after one line saying so
 * (thrown instead with CI_REQUIRE_SERVICES=1, where a skipped service is a failure).
 */
export interface TestRedis {
  url: string;
  /** A key prefix of this test file's own, so files sharing one Redis do not see each other. */
  prefix: string;
  /** Whether this file started the server (and so can stop and restart it). */
  owned: boolean;
  /** Stops the server (owned only): clients see connection refused. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (`--save ''`: what a restart without persistence gives). */
  restart(): Promise<void>;
  client(): Redis;
  close(): Promise<void>;
}

function unavailable(why: string): null {
  if (process.env.CI_REQUIRE_SERVICES === '1')
    throw new Error(`Redis required (CI_REQUIRE_SERVICES=1): ${why}`);
  console.warn(`[test] skipping Redis tests: ${why}`);
  return null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function answers(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return true;
    } catch {
      // not up yet
    } finally {
      probe.disconnect();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * The Redis for this file. `needsOwn`: the file stops and restarts the server, which it can only
 * do to one it started (a TEST_REDIS_URL server is shared).
 */
export async function testRedis(options: { needsOwn?: boolean } = {}): Promise<TestRedis | null> {
  const prefix = `test-${randomUUID().slice(0, 8)}:`;
  const clients: Redis[] = [];
  const client = (url: string) => () => {
    const c = new Redis(url, { maxRetriesPerRequest: 1 });
    c.on('error', () => {});
    clients.push(c);
    return c;
  };
  const closeClients = () => {
    for (const c of clients.splice(0)) c.disconnect();
  };
  const given = process.env.TEST_REDIS_URL?.trim();
  if (given && !options.needsOwn) {
    if (!(await answers(given, 5_000))) throw new Error(`TEST_REDIS_URL=${given} does not answer`);
    const noop = async () => {
      throw new Error('TEST_REDIS_URL is shared: this file cannot stop it');
    };
    return {
      url: given,
      prefix,
      owned: false,
      stop: noop,
      restart: noop,
      client: client(given),
      close: async () => closeClients(),
    };
  }
  if (spawnSync('redis-server', ['--version']).status !== 0)
    return unavailable('redis-server is not on PATH');
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    if (!(await answers(url, 10_000))) throw new Error(`redis-server on port ${port} did not start`);
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url,
    prefix,
    owned: true,
    stop,
    restart: start,
    client: client(url),
    async close() {
      closeClients();
      await stop();
    },
  };
}
