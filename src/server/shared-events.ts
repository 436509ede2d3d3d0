import {
  createSourceEventStream,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  GraphQLError,
  getOperationAST,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Context } from '../schema/context.js';
import { createLoaders } from '../schema/loaders.js';

/**
 * How long one execution of an event's selection is shared: the realtime row loader keeps a
 * row for as long (src/realtime/rows.ts), so a subscriber that consumes the event later sees
 * the row no older than it would have without the sharing.
 */
const SHARE_MS = 2_000;

interface Shared {
  at: number;
  result: Promise<ExecutionResult>;
}

type Executed = ExecutionResult | Promise<ExecutionResult>;

type SubscribeFn = Parameters<NonNullable<Plugin<Context>['onSubscribe']>>[0]['subscribeFn'];

/**
 * Who the result of an event's selection can depend on: the document and its variables, and the
 * viewer (access rules read the user's id and role, error messages its username). Nothing else
 * of the context reaches a subscription's selection: the request id and client address are
 * applied per subscriber by the masking plugins after this.
 */
function shareKey(args: ExecutionArgs, documentId: number): string | null {
  const context = args.contextValue as Partial<Context> | undefined;
  const user = context?.user;
  if (user === undefined) return null; // not a signalyard context: share nothing
  const viewer = user === null ? null : [user.id, user.role, user.username];
  return JSON.stringify([documentId, args.operationName ?? null, args.variableValues ?? null, viewer]);
}

/**
 * The context one event's execution reads: the subscription's, with DataLoaders of its own. The
 * loaders cache (per request, src/schema/loaders.ts), and a subscription's context lives as long
 * as the subscription: every later event would get the first event's answers (a warehouse's
 * crates page), and the cache would grow with every event until the subscriber leaves.
 */
function eventContext(contextValue: unknown): unknown {
  const context = contextValue as Partial<Context> | undefined;
  if (!context?.loaders || !context.data) return contextValue; // not a signalyard context
  return { ...context, loaders: createLoaders(context.data) };
}

/**
 * The context the subscribe resolver runs with: a copy of the subscription's. What the resolver
 * caches on its context (plugin-scope-auth's grants: five maps per context) serves that one call
 * and goes with the copy, not kept for as long as the subscription lives.
 */
function subscribeContext(contextValue: unknown): unknown {
  const context = contextValue as Partial<Context> | undefined;
  if (!context?.loaders || !context.data) return contextValue; // not a signalyard context
  return { ...context };
}

/** What graphql-js's mapSourceToResponse makes of an error of the source stream. */
function wrapSourceError(error: unknown, args: ExecutionArgs): GraphQLError {
  const operation = getOperationAST(args.document, args.operationName ?? undefined);
  const original = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(original.message, { originalError: original, nodes: operation ? [operation] : [] });
}

/**
 * Executes a subscription's selection once per live event for all subscribers that would get
 * the same answer, instead of once per subscriber (yoga's executor maps every subscriber's
 * source stream through its own execution, plus an async generator and a flattening iterator
 * per event). 1,000 subscribers of one event with one document and one viewer cost one
 * execution; each still gets its own stream, its own filter and access checks in the stream
 * (src/realtime/stream.ts), and its own error masking after this.
 *
 * The sharing is keyed by the event object itself: the bus hands the same object to every
 * subscriber, while replayed events are each subscriber's own read, so they are never shared.
 */
export function useSharedEventResults(): Plugin<Context> & { executions(): number } {
  let executions = 0;
  const documentIds = new WeakMap<DocumentNode, number>();
  let documents = 0;
  const byEvent = new WeakMap<object, Map<string, Shared>>();

  const executeEvent = (args: ExecutionArgs, event: unknown): Executed => {
    executions += 1;
    try {
      return execute({ ...args, contextValue: eventContext(args.contextValue), rootValue: event });
    } catch (error) {
      return { errors: [wrapSourceError(error, args)] };
    }
  };

  const resultFor = (args: ExecutionArgs, key: string | null, event: unknown): Executed => {
    if (key === null || typeof event !== 'object' || event === null) return executeEvent(args, event);
    let shared = byEvent.get(event);
    if (!shared) {
      shared = new Map();
      byEvent.set(event, shared);
    }
    const now = Date.now();
    const found = shared.get(key);
    if (found && now - found.at < SHARE_MS) return found.result;
    const result = Promise.resolve(executeEvent(args, event));
    shared.set(key, { at: now, result });
    return result;
  };

  let base: SubscribeFn | undefined;
  let shared: SubscribeFn | undefined;

  return {
    /** Executions of subscription selections so far (tests and the fan-out bench read it). */
    executions: () => executions,
    onSubscribe({ subscribeFn, setSubscribeFn }) {
      // envelop keeps the subscribe function as long as the subscription: one for all of them
      // (made again only if a plugin before this one set a subscribe function of its own)
      let wrapped = shared;
      if (wrapped === undefined || subscribeFn !== base) {
        wrapped = sharedSubscribe(subscribeFn);
        base = subscribeFn;
        shared = wrapped;
      }
      setSubscribeFn(wrapped);
    },
  };

  function sharedSubscribe(subscribeFn: SubscribeFn): SubscribeFn {
    return async (args: ExecutionArgs) => {
      const source = await createSourceEventStream({
        ...args,
        contextValue: subscribeContext(args.contextValue),
      });
      // an error (arguments, access, a throwing subscribe): answered exactly as yoga's own
      // executor answers it; the subscribe resolvers start nothing before they can throw
      if (!isAsyncIterable(source)) return subscribeFn(args);
      let documentId = documentIds.get(args.document);
      if (documentId === undefined) {
        documentId = ++documents;
        documentIds.set(args.document, documentId);
      }
      return new EventResults(source[Symbol.asyncIterator](), args, shareKey(args, documentId), resultFor);
    };
  }
}

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

const stepOf = (value: ExecutionResult): IteratorResult<ExecutionResult> => ({ value, done: false });

/** The subscriber's stream of results: one promise per event, no generator. */
class EventResults implements AsyncIterableIterator<ExecutionResult> {
  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly args: ExecutionArgs,
    /** Who else gets the same result (shareKey); null: nobody. */
    private readonly key: string | null,
    private readonly map: (args: ExecutionArgs, key: string | null, event: unknown) => Executed,
  ) {}

  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.source.next().then(
      (step): IteratorResult<ExecutionResult> | Promise<IteratorResult<ExecutionResult>> => {
        if (step.done) return DONE;
        const result = this.map(this.args, this.key, step.value);
        return result instanceof Promise ? result.then(stepOf) : stepOf(result);
      },
      (error: unknown) => {
        throw wrapSourceError(error, this.args);
      },
    );
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.();
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}
