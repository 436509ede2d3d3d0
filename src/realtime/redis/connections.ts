import { Redis } from 'ioredis';

/** The three connections one instance holds: Redis needs a connection of its own per blocking read and per subscriber. */
export interface RedisConnections {
  /** Relay writes, lease, nudges, health. Fails fast while disconnected (no queue): a write path never waits on Redis. */
  command: Redis;
  /** XREAD BLOCK: waits through reconnects. */
  blocking: Redis;
  /** The nudge channel. */
  subscriber: Redis;
  ready(): boolean;
  problem(): Promise<{ part: 'redis'; reason: string } | null>;
  close(): void;
}

const PING_TIMEOUT_MS = 1_000;

export function redisConnections(
  url: string,
  logError: (message: string, error: unknown) => void,
): RedisConnections {
  // ioredis reconnects on its own (back-off up to 2 s); nothing here gives up on Redis
  const command = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectionName: 'signalyard',
  });
  const blocking = new Redis(url, { maxRetriesPerRequest: null, connectionName: 'signalyard:read' });
  const subscriber = new Redis(url, { maxRetriesPerRequest: null, connectionName: 'signalyard:nudge' });
  let down = false;
  // one line per outage, not one per reconnect attempt
  command.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logError(
      `[signalyard] redis unavailable (${redact(url)}); events wait in the log until it is back:`,
      error,
    );
  });
  command.on('ready', () => {
    down = false;
  });
  // errors of the other two are the same outage; a listener keeps them from crashing the process
  blocking.on('error', () => {});
  subscriber.on('error', () => {});
  return {
    command,
    blocking,
    subscriber,
    ready: () => command.status === 'ready',
    async problem() {
      if (command.status !== 'ready') return { part: 'redis', reason: `redis is ${command.status}` };
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          command.ping(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('timeout')), PING_TIMEOUT_MS);
          }),
        ]);
        return null;
      } catch {
        return { part: 'redis', reason: 'redis did not answer' };
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      for (const connection of [command, blocking, subscriber]) connection.disconnect();
    },
  };
}

/** The URL without its password, for logs. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'REDIS_URL';
  }
}
