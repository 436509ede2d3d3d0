import type {
  FieldNullability,
  InputFieldMap,
  InputShapeFromFields,
  SchemaTypes,
  ShapeFromTypeParam,
  TypeParam,
} from '@pothos/core';
import type { GraphQLResolveInfo } from 'graphql';
import type { DataLayer, SignalContext, TxClient } from '../../../db/index.js';
import type { UnitOfWorkPlugin } from './plugin.js';

type MaybePromise<T> = T | Promise<T>;

/** What every per-field hook gets. */
export interface FieldHookArgs<Context, Args> {
  /** The Mutation field's name. */
  field: string;
  args: Args;
  context: Context;
  /** The unit's transaction client (ctx.db joins the same unit while the mutation runs). */
  tx: TxClient;
  info: GraphQLResolveInfo;
}

/**
 * The hooks of one Mutation field, typed by its args and result. Order: `prepare` (outside the
 * unit) → the unit opens → global beforeMutation → `before` → resolver → `after` → global
 * afterMutation → commit → `afterCommit`.
 */
export interface FieldHooks<Context, Args, Result> {
  /**
   * Slow work that must not hold the writer (a password hash), before the unit opens and outside
   * any transaction: it must not write, and its reads see committed rows only. Throw to reject;
   * what it returns the resolver reads with `prepared(info)`.
   */
  prepare?: (hook: Omit<FieldHookArgs<Context, Args>, 'tx'>) => unknown;
  /** Throw (an AppError) to reject the mutation, or return adjusted args for the resolver. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a hook that only checks returns nothing (void), one that adjusts returns the args
  before?: (hook: FieldHookArgs<Context, Args>) => MaybePromise<Args | undefined | void>;
  /** Sees the result inside the transaction; a throw rolls the whole mutation back. */
  after?: (hook: FieldHookArgs<Context, Args> & { result: Result }) => MaybePromise<void>;
  /** Runs after the outermost commit, never after a rollback; a failure is logged, the commit stands. */
  afterCommit?: (hook: Omit<FieldHookArgs<Context, Args>, 'tx'> & { result: Result }) => MaybePromise<void>;
}

export interface UnitOfWorkOptions<Types extends SchemaTypes> {
  /** The data layer whose transaction a mutation runs in. */
  data: (context: Types['Context']) => DataLayer;
  /** Who the mutation's writes are for (receivers' and global hooks' `context`). */
  signalContext: (context: Types['Context']) => SignalContext;
}

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      unitOfWork: UnitOfWorkPlugin<Types>;
    }

    export interface SchemaBuilderOptions<Types extends SchemaTypes> {
      /** Required by the unitOfWork plugin; optional in the type so builders without the plugin need not name it. */
      unitOfWork?: UnitOfWorkOptions<Types>;
    }

    export interface MutationFieldOptions<
      Types extends SchemaTypes,
      Type extends TypeParam<Types>,
      Nullable extends FieldNullability<Type>,
      Args extends InputFieldMap,
      ResolveReturnShape,
    > {
      hooks?: FieldHooks<
        Types['Context'],
        InputShapeFromFields<Args>,
        ShapeFromTypeParam<Types, Type, Nullable>
      >;
    }
  }
}
