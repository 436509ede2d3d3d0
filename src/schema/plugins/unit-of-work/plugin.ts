import { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import { type GraphQLFieldResolver, type GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import { onCommit, type TxClient } from '../../../db/index.js';
import { afterMutation, beforeMutation, registerMutationFields } from './hooks.js';
import type { FieldHooks } from './types.js';

type AnyHooks = FieldHooks<unknown, Record<string, unknown>, unknown>;

/** One per-field hook of a built schema, as the `signals` query lists it. */
export interface FieldHookInfo {
  signal: 'prepare' | 'beforeMutation' | 'afterMutation' | 'afterCommit';
  /** The Mutation field. */
  sender: string;
  /** The hook function's name, or `(anonymous)`. */
  name: string;
}

/** Where a built schema keeps its per-field hooks: its extensions survive Pothos's sorted copy. */
const HOOKS_EXTENSION = 'signalyardFieldHooks';

/** The per-field hooks of `schema`, in the order the plugin saw the fields. */
export function fieldHooksOf(schema: GraphQLSchema): readonly FieldHookInfo[] {
  return (schema.extensions[HOOKS_EXTENSION] as FieldHookInfo[] | undefined) ?? [];
}

/** What each field's `prepare` returned, by the field's resolve info (one per field execution). */
const preparedValues = new WeakMap<GraphQLResolveInfo, unknown>();

/**
 * What this field's `prepare` hook returned, for its resolver. The hook's author knows its
 * type; the plugin cannot carry it from one option to another, hence the parameter.
 */
export function prepared<T>(info: GraphQLResolveInfo): T {
  if (!preparedValues.has(info)) throw new Error(`${info.fieldName}: no prepare hook ran for this field`);
  return preparedValues.get(info) as T;
}

const nameOf = (fn: unknown) => (typeof fn === 'function' && fn.name) || '(anonymous)';

/**
 * Every Mutation field runs as one unit of work: a data-layer transaction (a savepoint when one
 * is already open, e.g. the idempotency key's) around its hooks and its resolver, so all its
 * reads and writes see one state and commit or roll back together. Decided at build time: other
 * fields keep their resolvers, and a field without hooks of its own skips those steps.
 */
export class UnitOfWorkPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  readonly #fields: string[] = [];
  readonly #hookInfo: FieldHookInfo[] = [];

  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (this.buildCache.getTypeConfig(fieldConfig.parentType).kind !== 'Mutation') return resolver;
    const field = fieldConfig.name;
    const hooks = (fieldConfig.pothosOptions as { hooks?: AnyHooks }).hooks ?? {};
    this.#record(field, hooks);
    const { prepare, before, after, afterCommit } = hooks;
    const options = this.builder.options.unitOfWork;
    // decided at build time: a schema that lists the plugin without its options does not build
    if (!options)
      throw new TypeError(
        'the unitOfWork plugin needs the builder option unitOfWork: { data, signalContext }',
      );

    const inUnit: GraphQLFieldResolver<unknown, Types['Context'], object> = (
      parent,
      givenArgs,
      context,
      info,
    ) => {
      const signalContext = options.signalContext(context);
      return options.data(context).transaction(async (tx: TxClient) => {
        let args = givenArgs as Record<string, unknown>;
        // global hooks connected at run time: the registry's per-sender list is cached, so a
        // field no hook listens to costs a map lookup
        if (beforeMutation.hasListeners(field)) {
          await beforeMutation.send(field, { args, context: signalContext, tx, info });
        }
        if (before) args = (await before({ field, args, context, tx, info })) ?? args;
        const result: unknown = await resolver(parent, args, context, info);
        if (after) await after({ field, args, result, context, tx, info });
        if (afterMutation.hasListeners(field)) {
          await afterMutation.send(field, { args, result, context: signalContext, tx, info });
        }
        // dropped with this unit's savepoint if anything after it rolls back (Django's on_commit)
        if (afterCommit) onCommit(() => afterCommit({ field, args, result, context, info }));
        return result;
      }, signalContext);
    };
    if (!prepare) return inUnit;
    return async (parent, args, context, info) => {
      preparedValues.set(
        info,
        await prepare({ field, args: args as Record<string, unknown>, context, info }),
      );
      return inUnit(parent, args, context, info);
    };
  }

  #record(field: string, hooks: AnyHooks): void {
    this.#fields.push(field);
    if (hooks.prepare) this.#hookInfo.push({ signal: 'prepare', sender: field, name: nameOf(hooks.prepare) });
    if (hooks.before)
      this.#hookInfo.push({ signal: 'beforeMutation', sender: field, name: nameOf(hooks.before) });
    if (hooks.after)
      this.#hookInfo.push({ signal: 'afterMutation', sender: field, name: nameOf(hooks.after) });
    if (hooks.afterCommit) {
      this.#hookInfo.push({ signal: 'afterCommit', sender: field, name: nameOf(hooks.afterCommit) });
    }
  }

  override afterBuild(schema: GraphQLSchema): GraphQLSchema {
    registerMutationFields(this.#fields);
    const config = schema.toConfig();
    return new GraphQLSchema({
      ...config,
      extensions: { ...config.extensions, [HOOKS_EXTENSION]: [...this.#hookInfo] },
    });
  }
}
