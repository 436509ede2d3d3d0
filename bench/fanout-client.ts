/**
 * The load generator of bench/fanout.ts, in its own process: opens N subscribers over one
 * transport, prints "subscribed", then the receipt time (ms since the epoch, sub-ms) of each
 * subscriber's first event as one JSON line, and exits.
 */
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';

const [transport, countArg, url, token] = process.argv.slice(2);
const count = Number(countArg);
const query = 'subscription { postSave(model: CRATE) { cursor node { ... on Crate { name } } } }';
const now = () => performance.timeOrigin + performance.now();

const receipts: number[] = [];
const stops: Array<() => void> = [];
const done = new Promise<void>((resolve) => {
  const sink = {
    next: () => {
      receipts.push(now());
      if (receipts.length === count) resolve();
    },
    error: (e: unknown) => {
      const code = (e as { code?: unknown; reason?: unknown } | null)?.code;
      const reason =
        e instanceof Error
          ? e.message
          : `close ${String(code)} ${String((e as { reason?: unknown })?.reason ?? '')}`;
      console.error(`subscriber failed: ${reason}`);
      process.exit(1);
    },
    complete: () => {},
  };
  for (let i = 0; i < count; i++) {
    if (transport === 'ws') {
      const client = createWsClient({
        url: String(url).replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        // a connection reset in a 10,000-socket storm is retried like a close (the default retries closes only)
        retryAttempts: 10,
        shouldRetry: () => true,
      });
      stops.push(client.subscribe({ query }, sink));
      stops.push(() => void client.dispose());
    } else {
      const client = createSseClient({
        url: String(url),
        headers: { authorization: `Bearer ${token}` },
        retryAttempts: 5,
      });
      stops.push(client.subscribe({ query }, sink));
      stops.push(() => client.dispose());
    }
  }
});
console.log('opened');
await done;
console.log(JSON.stringify(receipts));
// bench/profile-fanout.ts holds the subscribers open so that its profile ends before they close
const hold = Number(process.env.FANOUT_HOLD_MS ?? 0);
if (hold > 0) await new Promise((r) => setTimeout(r, hold));
for (const stop of stops) stop();
setTimeout(() => process.exit(0), 200);
