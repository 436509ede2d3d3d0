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

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * One subscription's results as its transport reads them. Ending it for shutdown returns the
 * source, which settles the `next()` waiting on it (the realtime streams' live queues settle a
 * waiting `next()` on return: src/realtime/bus.ts); that end becomes the final event. No race
 * against a shutdown promise per `next()`: each would leave a reaction on that promise, which
 * lives as long as the server, for every event of every subscriber.
 */
class LiveSubscription implements AsyncIterableIterator<ExecutionResult> {
  #stopping = false;
  #finalSent = false;
  #returned = false;

  constructor(
    private readonly inner: AsyncIterator<ExecutionResult>,
    private readonly forget: (subscription: LiveSubscription) => void,
  ) {}

  /** Sends the final event next (now, if the transport waits for one), then completes. */
  end(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    void this.#returnInner();
  }

  #returnInner(): Promise<unknown> {
    if (this.#returned) return Promise.resolve();
    this.#returned = true;
    return Promise.resolve(this.inner.return?.()).catch(() => {});
  }

  // The subscription counts as live until its transport has taken the final event and asked
  // for the next one (or hung up): then the event is on its way to the client.
  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.#finalSent) {
      this.forget(this);
      return Promise.resolve(DONE);
    }
    if (this.#stopping) return Promise.resolve(this.#final());
    return this.inner.next().then((step) => {
      if (!step.done) return step;
      if (this.#stopping) return this.#final();
      this.#finalSent = true;
      this.forget(this);
      return step;
    });
  }

  #final(): IteratorResult<ExecutionResult> {
    this.#finalSent = true;
    return { value: finalEvent(), done: false };
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.#finalSent = true;
    this.forget(this);
    await this.#returnInner();
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.#finalSent = true;
    this.forget(this);
    await this.#returnInner();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}

/**
 * Every live subscription, whatever its transport (SSE, graphql-sse, graphql-ws): on shutdown
 * each receives one last event naming the reason, then completes, so clients learn why the
 * stream ended and SSE responses end instead of holding the server open.
 */
export class Subscriptions {
  readonly #live = new Set<LiveSubscription>();
  #closing = false;
  #drained: (() => void) | null = null;

  get count(): number {
    return this.#live.size;
  }

  /** The envelop hook that wraps each subscription's stream. */
  plugin(): Plugin {
    // one hook object for every subscription (envelop keeps it as long as the subscription)
    const hooks: ReturnType<NonNullable<Plugin['onSubscribe']>> = {
      onSubscribeResult: ({ result, setResult }) => {
        if (isAsyncIterable(result)) setResult(this.#wrap(result));
      },
    };
    return { onSubscribe: () => hooks };
  }

  #wrap(source: AsyncIterable<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
    const live = new LiveSubscription(source[Symbol.asyncIterator](), this.#forget);
    this.#live.add(live);
    if (this.#closing) live.end();
    return live;
  }

  readonly #forget = (live: LiveSubscription): void => {
    if (!this.#live.delete(live)) return;
    if (this.#live.size === 0) this.#drained?.();
  };

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
