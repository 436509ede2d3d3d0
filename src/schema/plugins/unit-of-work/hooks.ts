import type { GraphQLResolveInfo } from 'graphql';
import type { SignalContext, TxClient } from '../../../db/index.js';
import {
  type ConnectOptions,
  type Delivery,
  type Disconnect,
  type Receiver,
  Signal,
} from '../../../signals/index.js';

/**
 * The global mutation hooks: `beforeMutation` and `afterMutation`, registered like receivers
 * (named functions, `sender` = a Mutation field name, `dispatchUid`), explicitly at start-up.
 * Each runs inside the mutation's unit of work: a throw rolls the whole mutation back.
 */

/** What a global hook gets (besides `signal` and `sender`, the mutation field's name). */
export interface MutationHookArgs {
  /** The field's arguments, as the resolver gets them (after the field's own `before`, for afterMutation). */
  args: Record<string, unknown>;
  /** Who sent the mutation (the same context receivers get). */
  context: SignalContext;
  /** The unit's transaction client: writes through it commit or roll back with the mutation. */
  tx: TxClient;
  info: GraphQLResolveInfo;
}

export interface AfterMutationArgs extends MutationHookArgs {
  /** What the resolver returned. */
  result: unknown;
}

/**
 * The Mutation fields of the schemas built so far (the plugin records them at build time), so a
 * hook limited to a field that does not exist is refused at connect, as model signals refuse an
 * unknown model. A connect made before any schema was built is checked when one is.
 */
const knownFields = new Set<string>();
const uncheckedSenders: Array<{ signal: string; sender: string }> = [];

function unknownField(signal: string, sender: string): TypeError {
  return new TypeError(
    `${signal}.connect: sender '${sender}' is not a Mutation field; the fields are ${[...knownFields].join(', ')}`,
  );
}

/** Called by the plugin after a build with its Mutation fields; throws for an earlier unknown sender. */
export function registerMutationFields(names: Iterable<string>): void {
  for (const name of names) knownFields.add(name);
  const wrong = uncheckedSenders.splice(0).find((entry) => !knownFields.has(entry.sender));
  if (wrong) throw unknownField(wrong.signal, wrong.sender);
}

/** A global hook signal whose senders are Mutation field names. */
export class MutationSignal<Args> extends Signal<Args, unknown, string> {
  override connect(receiver: Receiver<Args & Delivery<string>>, options: ConnectOptions = {}): Disconnect {
    const { sender } = options;
    if (sender !== undefined) {
      if (knownFields.size === 0) uncheckedSenders.push({ signal: this.name, sender });
      else if (!knownFields.has(sender)) throw unknownField(this.name, sender);
    }
    return super.connect(receiver, options);
  }
}

/** Runs first in every mutation's unit, before the field's own `before` hook. */
export const beforeMutation = new MutationSignal<MutationHookArgs>('beforeMutation');
/** Runs last in every mutation's unit, after the field's own `after` hook, before the commit. */
export const afterMutation = new MutationSignal<AfterMutationArgs>('afterMutation');
