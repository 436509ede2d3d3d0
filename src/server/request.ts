import { randomUUID } from 'node:crypto';
import type { ExecutionResult, GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { Context } from '../schema/context.js';
import { createMaskError, type ErrorLogger } from '../schema/errors.js';
import type { Logger } from './logger.js';

/** What the server knows about one HTTP request, for its log line. */
interface RequestState {
  requestId: string;
  started: number;
  operation: string | null;
  context: Context | null;
  codes: string[];
}

const REQUEST_ID = /^[\w.:-]{1,64}$/;
const states = new WeakMap<Request, RequestState>();

/** The id of an HTTP request (a client's well-formed `X-Request-Id`, else a new UUID). */
export function requestIdOf(request: Request | undefined): string {
  return (request && states.get(request)?.requestId) ?? randomUUID();
}

/** Tells the request's log line whose context ran it (its user, as signed in by the end). */
export function attachContext(request: Request | undefined, context: Context): void {
  const state = request && states.get(request);
  if (state) state.context = context;
}

function codesOf(errors: readonly GraphQLError[] | undefined): string[] {
  return (errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
}

/**
 * Per request: an id (returned in `X-Request-Id` and in masked errors' `extensions.requestId`),
 * errors coded and masked with that id while the request's context is known, and one log line
 * when the response leaves: id, operation, user, duration, outcome and the first error code.
 * Client mistakes are that one line (level info, no stack); unexpected errors are logged with
 * their stack by `logError`, carrying the same request id.
 */
export function useRequestLog(logger: Logger, logError: ErrorLogger): Plugin<Context> {
  const mask = createMaskError(logError);
  const maskResult = (result: ExecutionResult, requestId: string): ExecutionResult | null => {
    if (!result.errors?.length) return null;
    return {
      ...result,
      errors: result.errors.map((e) => mask(e, 'Unexpected error.', requestId)),
    };
  };
  // one hook object for every operation: the context comes with each result's payload
  const onResult = ({
    args,
    result,
    setResult,
  }: {
    args: { contextValue: Context };
    result: ExecutionResult;
    setResult: (r: ExecutionResult) => void;
  }) => {
    const masked = maskResult(result, args.contextValue.requestId);
    if (masked) setResult(masked);
  };
  type Hooks = Plugin<Context>;
  const executeHooks: ReturnType<NonNullable<Hooks['onExecute']>> = {
    onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, onResult),
  };
  const subscribeHooks: ReturnType<NonNullable<Hooks['onSubscribe']>> = {
    onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, onResult),
  };
  return {
    onRequest({ request }) {
      const given = request.headers.get('x-request-id');
      states.set(request, {
        requestId: given && REQUEST_ID.test(given) ? given : randomUUID(),
        started: performance.now(),
        operation: null,
        context: null,
        codes: [],
      });
    },
    onParams({ request, params }) {
      const state = states.get(request);
      if (state) state.operation = params.operationName ?? null;
    },
    onExecute: () => executeHooks,
    onSubscribe: () => subscribeHooks,
    onResultProcess({ request, result, setResult }) {
      const state = states.get(request);
      if (!state || isAsyncIterable(result)) return;
      const results = Array.isArray(result) ? result : [result];
      // errors from outside execution (the context factory) get the request id here
      const masked = results.map((r) => maskResult(r, state.requestId) ?? r);
      for (const r of masked) state.codes.push(...codesOf(r.errors as GraphQLError[] | undefined));
      setResult(Array.isArray(result) ? masked : (masked[0] ?? result));
    },
    onResponse({ request, response }) {
      const state = states.get(request);
      if (!state) return;
      response.headers.set('x-request-id', state.requestId);
      const url = new URL(request.url);
      const code = state.codes.find((c) => c === 'INTERNAL_SERVER_ERROR') ?? state.codes[0] ?? null;
      const line = {
        requestId: state.requestId,
        method: request.method,
        path: url.pathname,
        operation: state.operation,
        userId: state.context?.user?.id ?? null,
        durationMs: Math.round((performance.now() - state.started) * 10) / 10,
        status: response.status,
        outcome:
          response.status >= 500 || code === 'INTERNAL_SERVER_ERROR' ? 'error' : code ? 'refused' : 'ok',
        code,
      };
      if (line.outcome === 'error') logger.error(line, 'request failed');
      else logger.info(line, 'request');
      // logged: nothing reads it again, and an SSE response's request lives as long as its stream
      states.delete(request);
    },
  };
}
