import {
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  getArgumentValues,
  getOperationAST,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type RateLimiterAbstract, RateLimiterPrisma, RateLimiterRes } from 'rate-limiter-flexible';
import type { DataLayer } from '../db/index.js';
import { usernameKey } from '../schema/auth.js';
import type { Context } from '../schema/context.js';
import { codedError } from '../schema/errors.js';
import type { Limits } from './config.js';

/** Makes a limiter: `points` per `durationSeconds` per key. The store is the factory's choice. */
export type LimiterFactory = (options: {
  keyPrefix: string;
  points: number;
  durationSeconds: number;
}) => RateLimiterAbstract;

/**
 * Counters in the database (the RateLimit table), shared by every process on it. Written through
 * the data layer's root client (RateLimit has no receivers, so no signal fires). With REDIS_URL a
 * RateLimiterRedis factory can stand in here without changing the plugin.
 */
export function databaseLimiters(data: DataLayer): LimiterFactory {
  return ({ keyPrefix, points, durationSeconds }) =>
    new RateLimiterPrisma({
      storeClient: data.db,
      tableName: 'rateLimit',
      keyPrefix,
      points,
      duration: durationSeconds,
    });
}

const AUTH_FIELDS = new Set(['logIn', 'signUp']);

interface AuthField {
  responseKey: string;
  name: 'logIn' | 'signUp';
  username: string | null;
}

/** The logIn / signUp fields at the root of a mutation, with the username each sends. */
function authFields(
  schema: GraphQLSchema,
  document: DocumentNode,
  selectionSet: SelectionSetNode,
  variables: Record<string, unknown>,
  seen = new Set<string>(),
): AuthField[] {
  const mutation = schema.getMutationType();
  const found: AuthField[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      found.push(...authFields(schema, document, selection.selectionSet, variables, seen));
    } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      if (seen.has(name)) continue;
      seen.add(name);
      const fragment = document.definitions.find(
        (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === name,
      );
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) {
        found.push(...authFields(schema, document, fragment.selectionSet, variables, seen));
      }
    } else if (AUTH_FIELDS.has(selection.name.value)) {
      found.push({
        responseKey: selection.alias?.value ?? selection.name.value,
        name: selection.name.value as AuthField['name'],
        username: usernameOf(mutation?.getFields()[selection.name.value], selection, variables),
      });
    }
  }
  return found;
}

function usernameOf(
  field: Parameters<typeof getArgumentValues>[0] | undefined,
  node: FieldNode,
  variables: Record<string, unknown>,
): string | null {
  if (!field) return null;
  try {
    const input = getArgumentValues(field, node, variables).input as { username?: unknown } | undefined;
    return typeof input?.username === 'string' ? usernameKey(input.username).slice(0, 64) : null;
  } catch {
    return null; // execution refuses the arguments with BAD_USER_INPUT
  }
}

const secondsOf = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function tooMany(what: string, msBeforeNext: number, path: string[] = []) {
  const retryAfter = secondsOf(msBeforeNext);
  return codedError(
    'TOO_MANY_REQUESTS',
    `Too many ${what}: try again in ${retryAfter} s`,
    { path },
    { retryAfter },
  );
}

/**
 * Rate limits for logIn and signUp, checked before the mutation runs and counted after it, so
 * they live outside its unit of work: a refused logIn still counts (a rollback cannot undo it).
 * - every logIn / signUp field counts against the client address;
 * - every failed logIn counts against the username (known or not: the answer is the same), and
 *   a successful one clears it.
 */
export function useAuthRateLimit(
  limits: Pick<Limits, 'authAttemptsPerAddress' | 'authFailuresPerUsername' | 'authWindowMs'>,
  factory: LimiterFactory,
): Plugin<Context> {
  const durationSeconds = secondsOf(limits.authWindowMs);
  const perAddress = factory({
    keyPrefix: 'auth-address',
    points: limits.authAttemptsPerAddress,
    durationSeconds,
  });
  const perUsername = factory({
    keyPrefix: 'login-failures',
    points: limits.authFailuresPerUsername,
    durationSeconds,
  });

  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      const fields = authFields(
        args.schema,
        args.document,
        operation.selectionSet,
        args.variableValues ?? {},
      );
      if (fields.length === 0) return;
      try {
        await perAddress.consume(args.contextValue.clientAddress, fields.length);
      } catch (refused) {
        if (!(refused instanceof RateLimiterRes)) throw refused;
        setResultAndStopExecution({
          data: null,
          errors: [tooMany('sign-in and sign-up attempts from this address', refused.msBeforeNext)],
        });
        return;
      }
      const logIns = fields.filter(
        (f): f is AuthField & { username: string } => f.name === 'logIn' && f.username !== null,
      );
      for (const field of logIns) {
        const record = await perUsername.get(field.username);
        if (record && record.consumedPoints >= limits.authFailuresPerUsername) {
          setResultAndStopExecution({
            data: null,
            errors: [tooMany('failed sign-ins for this username', record.msBeforeNext, [field.responseKey])],
          });
          return;
        }
      }
      return {
        async onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) return;
          for (const field of logIns) {
            const failed = result.errors?.some(
              (e) => e.path?.[0] === field.responseKey && e.extensions?.code === 'UNAUTHENTICATED',
            );
            const signedIn = (result.data as Record<string, unknown> | null | undefined)?.[field.responseKey];
            if (failed) await perUsername.penalty(field.username, 1);
            else if (signedIn) await perUsername.delete(field.username);
          }
        },
      };
    },
  };
}
