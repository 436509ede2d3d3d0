import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationContext } from 'graphql';
import { createGraphQLError, type Plugin, type YogaServerOptions } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { findLoneSurrogate } from '../schema/input.js';
import type { Limits } from './config.js';

/** Brackets of any kind a document may nest; deeper is refused before graphql-js recurses into it. */
export const MAX_NESTING = 64;

/**
 * The deepest `{`, `[` or `(` nesting of a GraphQL source, skipping strings and comments. A scan,
 * not a parse: graphql-js's parser recurses per level, and 3,000 levels overflow its stack.
 */
export function nestingDepth(source: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '#') {
      while (i < source.length && source[i] !== '\n' && source[i] !== '\r') i++;
    } else if (c === '"') {
      const block = source.startsWith('"""', i);
      i += block ? 3 : 1;
      while (i < source.length) {
        if (source[i] === '\\') i += 2;
        else if (block ? source.startsWith('"""', i) : source[i] === '"' || source[i] === '\n') break;
        else i++;
      }
      if (block) i += 2;
    } else if (c === '{' || c === '[' || c === '(') {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === '}' || c === ']' || c === ')') {
      depth--;
    }
  }
  return deepest;
}

function parseRefusal(message: string) {
  return createGraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
}

function surrogateRefusal(variables: unknown) {
  const at = findLoneSurrogate(variables ?? null);
  if (!at) return null;
  return createGraphQLError(`Variable ${at}: contains an unpaired UTF-16 surrogate`, {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/** Refuses documents nested past MAX_NESTING and variables that are not well-formed text. */
function useRequestShape(): Plugin {
  return {
    onParse({ params }) {
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      if (nestingDepth(source) > MAX_NESTING) {
        throw parseRefusal(`Document nested deeper than ${MAX_NESTING} levels`);
      }
    },
    // on execute, not on yoga's onParams: WebSocket operations never pass through the latter
    onExecute({ args, setResultAndStopExecution }) {
      const refusal = surrogateRefusal(args.variableValues);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = surrogateRefusal(args.variableValues);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
  };
}

/**
 * graphql-armor codes its refusals BAD_USER_INPUT and calls them syntax errors; API.md calls a
 * document the server will not run GRAPHQL_PARSE_FAILED (the token limit, found while parsing:
 * recoded here) or GRAPHQL_VALIDATION_FAILED (depth, cost, aliases, directives: `report` below).
 */
function recode(error: unknown, code: 'GRAPHQL_PARSE_FAILED' | 'GRAPHQL_VALIDATION_FAILED') {
  if (!(error instanceof Error) || !('extensions' in error)) return error;
  const extensions = error.extensions as Record<string, unknown> | undefined;
  if (extensions?.code !== 'BAD_USER_INPUT') return error;
  return createGraphQLError(error.message.replace(/^Syntax Error: /, ''), {
    extensions: { ...extensions, code },
  });
}

function useLimitCodes(): Plugin {
  return {
    onParse:
      () =>
      ({ result, replaceParseResult }) => {
        if (result instanceof Error) replaceParseResult(recode(result, 'GRAPHQL_PARSE_FAILED') as Error);
      },
  };
}

/** armor's validation rules report (instead of throwing) an error coded as API.md says. */
const report = {
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(
        new GraphQLError(error.message.replace(/^Syntax Error: /, ''), {
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        }),
      ),
  ],
};

/** Turns off introspection (production without GRAPHIQL=1): `__schema` and `__type` fail validation. */
function useNoIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

/** The documents an attacker could grow without bound are kept in caches bounded by bytes. */
function boundedCache<T extends object>(maxBytes: number) {
  // A document's AST takes several times its source in memory; the source's length is what we
  // can know cheaply, so each entry counts 8 bytes per source character.
  const perChar = 8;
  return new LRUCache<string, T>({
    maxSize: Math.max(maxBytes, 1),
    maxEntrySize: Math.max(Math.floor(maxBytes / 16), 1),
    sizeCalculation: (_value, key) => Math.max(key.length * perChar, 1),
  });
}

export function parserCacheOptions(
  limits: Limits,
): YogaServerOptions<object, object>['parserAndValidationCache'] {
  if (limits.parseCacheBytes === 0) return false;
  return {
    documentCache: boundedCache(limits.parseCacheBytes),
    errorCache: boundedCache<object>(Math.floor(limits.parseCacheBytes / 4)) as LRUCache<
      string,
      unknown & object
    >,
  };
}

/** What NODE_ENV=production hides from clients. */
export interface Disclosure {
  /** "Did you mean …?" in validation errors. */
  suggestions: boolean;
  /** `__schema` / `__type`: GraphiQL needs them, so GRAPHIQL=1 keeps them in production. */
  introspection: boolean;
}

/** graphql-armor's depth, cost, alias, token and directive limits, and the shape checks above. */
export function limitPlugins(limits: Limits, disclosure: Disclosure): Plugin[] {
  const armor = EnvelopArmorPlugin({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, exposeLimits: true, ...report },
    // cost ≈ the fields a document may return, lists counted by their first/last argument
    costLimit: {
      maxCost: limits.maxCost,
      depthCostFactor: 1,
      ignoreIntrospection: true,
      exposeLimits: true,
      ...report,
    },
    maxAliases: { n: limits.maxAliases, exposeLimits: true, ...report },
    maxTokens: { n: limits.maxTokens, exposeLimits: true },
    maxDirectives: { n: limits.maxDirectives, exposeLimits: true, ...report },
    // "Did you mean …?" names fields a client was not told about
    blockFieldSuggestion: { enabled: !disclosure.suggestions },
  });
  return [
    useRequestShape(),
    armor as Plugin,
    useLimitCodes(),
    ...(disclosure.introspection ? [] : [useNoIntrospection()]),
  ];
}
