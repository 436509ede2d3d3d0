import type { ExecutionResult } from 'graphql';
import { createGraphQLError, isAsyncIterable, type Plugin } from 'graphql-yoga';

/** The last event of every subscription the server ends while stopping. */
export const SHUTDOWN_REASON = 'The server is shutting down: resubscribe with after: <your last cursor>';

function finalEvent(): ExecutionResult {
  return {
    errors: [
      createGraphQLError(SHUTDOWN_REASON, {
        extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'SHUTTING_DOWN' },
      }),
    ],
  };
}

interface Live {
  end(): void;
}

/**
 * Every live subscription, whatever its transport (SSE, graphql-sse, graphql-ws): on shutdown
 * each receives one last event naming the reason, then completes, so clients learn why the
 * stream ended and SSE responses end instead of holding the server open.
 */
export class Subscriptions {
  readonly #live = new Set<Live>();
  #closing = false;
  #drained: (() => void) | null = null;

  get count(): number {
    return this.#live.size;
  }

  /** The envelop hook that wraps each subscription's stream. */
  plugin(): Plugin {
    return {
      onSubscribe: () => ({
        onSubscribeResult: ({ result, setResult }) => {
          if (isAsyncIterable(result)) setResult(this.#wrap(result));
        },
      }),
    };
  }

  #wrap(source: AsyncIterable<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
    const inner = source[Symbol.asyncIterator]();
    let ended = false;
    let finalSent = false;
    let stop: () => void = () => {};
    const stopped = new Promise<'stop'>((resolve) => {
      stop = () => resolve('stop');
    });
    const live: Live = { end: () => stop() };
    const forget = () => {
      this.#live.delete(live);
      if (this.#live.size === 0) this.#drained?.();
    };
    this.#live.add(live);
    if (this.#closing) stop();
    // The subscription counts as live until its transport has taken the final event and asked
    // for the next one (or hung up): then the event is on its way to the client.
    const finish = async () => {
      if (ended) return;
      ended = true;
      await inner.return?.();
    };
    return {
      next: async () => {
        if (finalSent) {
          forget();
          return { value: undefined, done: true };
        }
        const next = await Promise.race([inner.next(), stopped]);
        if (next !== 'stop' && !next.done) return next;
        finalSent = true;
        if (next !== 'stop') {
          forget();
          return next;
        }
        void finish();
        return { value: finalEvent(), done: false };
      },
      return: async () => {
        finalSent = true;
        forget();
        await finish();
        return { value: undefined, done: true };
      },
      throw: async (error: unknown) => {
        finalSent = true;
        forget();
        await finish();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Ends every subscription with the shutdown event; resolves once all have completed (or at the deadline). */
  endAll(deadlineMs: number): Promise<void> {
    this.#closing = true;
    if (this.#live.size === 0) return Promise.resolve();
    const drained = new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
    for (const live of this.#live) live.end();
    return Promise.race([drained, new Promise<void>((r) => setTimeout(r, deadlineMs).unref())]);
  }
}
