import { createHash } from 'node:crypto';
import {
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  GraphQLError,
  type GraphQLFormattedError,
  getOperationAST,
  Kind,
  type OperationDefinitionNode,
  print,
  type SelectionSetNode,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { AppError, type DataLayer, type TxClient } from '../db/index.js';
import type { IdempotencyKey } from '../generated/prisma/client.js';
import type { Context } from '../schema/context.js';
import { codedError, createMaskError } from '../schema/errors.js';

/**
 * `Idempotency-Key` on mutation requests over HTTP (API.md "Mutations are units of work").
 *
 * The whole operation runs in one outer unit of work: the key row is claimed first, the mutation
 * fields' own units nest in it as savepoints, the response is stored, and all of it commits
 * together — a key is never stored without its effect, nor an effect without its key. A repeat
 * with the same key and fingerprint (document, operation name, variables) gets the stored response
 * and runs nothing; with another fingerprint it is refused (IDEMPOTENCY_KEY_REUSED). Concurrent
 * repeats meet at the unique (userId, key) row: on SQLite units run one after the other, so the
 * second sees the first's committed row; on PostgreSQL its insert waits for the first's commit,
 * then fails as a duplicate and reads the row.
 *
 * Decisions (docs/mutations.md):
 * - keys are per signed-in user; an anonymous request with a key is refused (signUp / logIn would
 *   otherwise share one anonymous scope, or a client address behind which many users sit, and a
 *   replay would hand one client another's token);
 * - on a query or subscription the header is ignored (a client may send it with every request);
 * - a document with logIn or signUp is refused with a key: their responses hold a bearer token,
 *   which must not be stored in plain text, and signing in twice is harmless anyway;
 * - stored: every response the mutation produced, including its expected errors (OUT_OF_STOCK,
 *   NOT_FOUND...). Not stored, and rolled back with the key so a retry runs afresh: a response with
 *   an unexpected (masked) error, SERVICE_UNAVAILABLE or TOO_MANY_REQUESTS, and a request refused
 *   before anything ran (variables of the wrong type). The client then gets `data: null`: nothing
 *   it asked for happened;
 * - WebSocket operations carry no headers: keys apply to HTTP.
 */

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const KEY = /^[\x20-\x7e]{1,128}$/;
/** Errors a retry may not get again: the next attempt may well succeed. */
const TRANSIENT = new Set(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE', 'TOO_MANY_REQUESTS']);
const PRUNE_EVERY_MS = 60_000;

interface StoredResponse {
  data?: ExecutionResult['data'];
  errors?: GraphQLFormattedError[];
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` variables fingerprint the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function fingerprintOf(document: string, operationName: string | null, variables: unknown): string {
  return createHash('sha256')
    .update(canonical([document, operationName, variables ?? {}]))
    .digest('hex');
}

/** The Mutation fields an operation selects at its root, through fragments. */
function rootFields(document: DocumentNode, operation: OperationDefinitionNode): Set<string> {
  const names = new Set<string>();
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) names.add(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = document.definitions.find(
          (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value,
        );
        if (fragment?.kind === Kind.FRAGMENT_DEFINITION) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return names;
}

/** Their responses hold a bearer token: never stored, and their password work must not hold a unit open. */
const NOT_KEPT = ['logIn', 'signUp'];

/** The field node a response path points at in `document` (where a replayed error is located). */
function fieldAt(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  path: readonly (string | number)[],
) {
  const fragments = new Map(
    document.definitions.flatMap((d) =>
      d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [],
    ),
  );
  const find = (set: SelectionSetNode, key: string, seen: Set<string>): FieldNode | undefined => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        if ((s.alias ?? s.name).value === key) return s;
        continue;
      }
      let inner = s.kind === Kind.INLINE_FRAGMENT ? s.selectionSet : undefined;
      if (s.kind === Kind.FRAGMENT_SPREAD && !seen.has(s.name.value)) {
        seen.add(s.name.value);
        inner = fragments.get(s.name.value)?.selectionSet;
      }
      const found = inner && find(inner, key, seen);
      if (found) return found;
    }
    return undefined;
  };
  let set: SelectionSetNode | undefined = operation.selectionSet;
  let node: FieldNode | undefined;
  for (const segment of path) {
    if (typeof segment === 'number') continue;
    node = set && find(set, segment, new Set());
    set = node?.selectionSet;
  }
  return node;
}

/**
 * The stored response as the execution result it was, its errors coded GraphQLErrors again,
 * located at the same fields of this (same, by fingerprint) document.
 */
function revive(
  stored: StoredResponse,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): ExecutionResult {
  const errors = stored.errors?.map((formatted) => {
    const node = formatted.path && fieldAt(document, operation, formatted.path);
    return new GraphQLError(formatted.message, {
      ...(node && { nodes: [node] }),
      path: formatted.path,
      extensions: formatted.extensions,
    });
  });
  return { ...(stored.data !== undefined && { data: stored.data }), ...(errors && { errors }) };
}

/** Thrown out of the unit to roll it back while still answering the client. */
class NotStored {
  constructor(readonly result: ExecutionResult) {}
}

function refusal(message: string, details: Record<string, unknown> = {}) {
  return codedError('BAD_USER_INPUT', message, {}, { field: 'Idempotency-Key', ...details });
}

/** The fetch Request of an HTTP operation; a WebSocket operation's `request` is not one (no headers API). */
function httpRequestOf(context: unknown): Request | null {
  const request = (context as { request?: { headers?: { get?: unknown } } }).request;
  return typeof request?.headers?.get === 'function' ? (request as Request) : null;
}

/** Requests answered with a stored response: their response gets `Idempotent-Replayed: true`. */
const replayed = new WeakSet<Request>();

export function useIdempotencyKeys(data: DataLayer): Plugin<Context> {
  // a mask that only classifies: the request log masks (and logs) what the client gets
  const mask = createMaskError(() => {});
  let lastPrune = 0;

  /** The live row of this user's key, or the id of the row this request just claimed. */
  async function claim(
    tx: TxClient,
    userId: number,
    key: string,
    fingerprint: string,
  ): Promise<{ found: IdempotencyKey } | { claimed: number }> {
    const cutoff = new Date(Date.now() - IDEMPOTENCY_TTL_MS);
    if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
      lastPrune = Date.now();
      await tx.idempotencyKey.deleteMany({ where: { createdAt: { lt: cutoff } } });
    }
    const where = { userId_key: { userId, key } };
    const found = await tx.idempotencyKey.findUnique({ where });
    if (found && found.createdAt >= cutoff) return { found };
    if (found) await tx.idempotencyKey.delete({ where: { id: found.id } });
    try {
      const claimed = await tx.idempotencyKey.create({
        data: { userId, key, fingerprint },
        select: { id: true },
      });
      return { claimed: claimed.id };
    } catch (error) {
      // PostgreSQL: a concurrent first request committed the key while this insert waited
      if (!(error instanceof Error && 'code' in error && error.code === 'P2002')) throw error;
      const first = await tx.idempotencyKey.findUnique({ where });
      if (!first) throw error;
      return { found: first };
    }
  }

  /** What to keep of a result: null when it must not be replayed (see the decisions above). */
  function storable(result: ExecutionResult): StoredResponse | null {
    if (result.data === undefined) return null;
    const errors = result.errors?.map((e) => mask(e, 'Unexpected error.'));
    if (errors?.some((e) => TRANSIENT.has(String(e.extensions.code)))) return null;
    return { data: result.data, ...(errors && { errors: errors.map((e) => e.toJSON()) }) };
  }

  return {
    onExecute({ args, executeFn, setExecuteFn, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      const request = httpRequestOf(args.contextValue);
      const key = request?.headers.get('idempotency-key') ?? null;
      if (request === null || key === null) return;
      if (!KEY.test(key)) {
        setResultAndStopExecution({
          errors: [refusal('Idempotency-Key: must be 1 to 128 printable ASCII characters')],
        });
        return;
      }
      const { user, requestId } = args.contextValue;
      if (user === null) {
        setResultAndStopExecution({
          errors: [refusal('Idempotency-Key: keys are kept per user; sign in to use one')],
        });
        return;
      }
      const fields = rootFields(args.document, operation);
      const tokenField = NOT_KEPT.find((name) => fields.has(name));
      if (tokenField) {
        setResultAndStopExecution({
          errors: [
            refusal(
              `Idempotency-Key: ${tokenField} is not kept (its response holds a token); send it without a key`,
            ),
          ],
        });
        return;
      }
      const fingerprint = fingerprintOf(
        print(args.document),
        args.operationName ?? null,
        args.variableValues,
      );
      setExecuteFn(async (execArgs) => {
        try {
          return await data.transaction(
            async (tx) => {
              const claimed = await claim(tx, user.id, key, fingerprint);
              if ('found' in claimed) {
                const { found } = claimed;
                if (found.fingerprint !== fingerprint) {
                  throw new AppError(
                    'BAD_USER_INPUT',
                    'Idempotency-Key: this key was used for another request; use a new key for a new request',
                    { field: 'Idempotency-Key', reason: 'IDEMPOTENCY_KEY_REUSED' },
                  );
                }
                if (found.response === null)
                  throw new Error('an idempotency key was committed without its response');
                replayed.add(request);
                return revive(JSON.parse(found.response) as StoredResponse, args.document, operation);
              }
              const result = await executeFn(execArgs);
              if (isAsyncIterable(result)) throw new Error('an incremental mutation result cannot be kept');
              const kept = storable(result);
              if (!kept) throw new NotStored(result);
              // by id: the pipeline's update takes a single-column unique where
              await tx.idempotencyKey.update({
                where: { id: claimed.claimed },
                data: { response: JSON.stringify(kept) },
              });
              return result;
            },
            { user, requestId },
          );
        } catch (error) {
          if (error instanceof NotStored) {
            // rolled back, key and effects alike: say nothing happened, so a retry is safe
            const { errors } = error.result;
            return error.result.data === undefined ? error.result : { data: null, ...(errors && { errors }) };
          }
          // an expected refusal (an AppError, the SQLite writer busy or locked: SERVICE_UNAVAILABLE)
          // is the client's answer; only the unexpected ones go on to be masked and logged
          const coded = mask(error, 'Unexpected error.');
          if (coded.extensions.code !== 'INTERNAL_SERVER_ERROR') return { errors: [coded] };
          throw error;
        }
      });
    },
    onResponse({ request, response }) {
      if (replayed.has(request)) response.headers.set('idempotent-replayed', 'true');
    },
  };
}
