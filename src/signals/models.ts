import { type ConnectOptions, type Delivery, type Disconnect, type Receiver, Signal } from './signal.js';

/**
 * The models the data layer knows, filled in by declaration merging (src/db/signal-types.ts),
 * so this folder imports nothing from the rest of src. Each entry: `{ row; data }`, the stored
 * row and what a pre_save receiver sees (and may change) before the write.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging
export interface ModelRegistry {}

/** The transaction client and request context receivers get, also filled by declaration merging. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging
export interface SignalEnvironment {}

export type ModelName = [keyof ModelRegistry] extends [never] ? string : Extract<keyof ModelRegistry, string>;
type Entry<M> = M extends keyof ModelRegistry
  ? ModelRegistry[M]
  : { row: Record<string, unknown>; data: Record<string, unknown> };
export type RowOf<M> = Entry<M> extends { row: infer R } ? R : never;
export type DataOf<M> = Entry<M> extends { data: infer D } ? D : never;
type Env = SignalEnvironment extends { tx: infer T; context: infer C }
  ? { tx: T; context: C }
  : { tx: unknown; context: unknown };

interface Common<M> {
  /** The signal that was sent (compare it with `preSave`, `postSave`, ...). */
  signal: Delivery['signal'];
  sender: M;
  /** The transaction client: writes through it join this write's transaction (and fire their own signals). */
  tx: Env['tx'];
  /** The request's context (signed-in user, request id), or null outside a request. */
  context: Env['context'] | null;
  /**
   * Runs `fn` after the outermost transaction commits; never after a rollback (this write's
   * savepoint's included). `fn` gets a client that works after the commit.
   */
  onCommit(fn: (db: Env['tx']) => unknown): void;
}

export type WriteOperation = 'create' | 'update' | 'upsert' | 'createMany' | 'updateMany';

export interface PreSaveArgs<M> extends Common<M> {
  /** The data about to be written; a receiver may change it, or throw to reject the write. */
  instance: DataOf<M>;
  created: boolean;
  /** For an update: the fields being written; null for a create. */
  updateFields: string[] | null;
  /** For an update: the row as it was; null for a create. */
  previous: RowOf<M> | null;
  operation: WriteOperation;
}

export interface PostSaveArgs<M> extends Common<M> {
  /** The row as stored. */
  instance: RowOf<M>;
  created: boolean;
  /** For an update: the fields that were written; null for a create. */
  updateFields: string[] | null;
  previous: RowOf<M> | null;
  operation: WriteOperation;
}

/**
 * What started a delete (Django's `origin`): one row's `delete`, or a bulk `deleteMany`. Rows
 * deleted by a cascade carry the origin of the delete that reached them.
 */
export type DeleteOrigin =
  | { [O in ModelName]: { model: O; operation: 'delete'; instance: RowOf<O> } }[ModelName]
  | { model: ModelName; operation: 'deleteMany'; where: unknown };

export interface DeleteArgs<M> extends Common<M> {
  /** The row being (pre_delete) or just (post_delete) deleted. */
  instance: RowOf<M>;
  origin: DeleteOrigin;
}

export interface ArgsByKind<M> {
  preSave: PreSaveArgs<M>;
  postSave: PostSaveArgs<M>;
  preDelete: DeleteArgs<M>;
  postDelete: DeleteArgs<M>;
}
export type SignalKind = keyof ArgsByKind<string>;

/** The args a receiver connected without a sender gets: a union narrowed by `sender`. */
export type AnyModelArgs<K extends SignalKind> = { [M in ModelName]: ArgsByKind<M>[K] }[ModelName];

/**
 * The model names senders are checked against. src/db registers them when it loads (this folder
 * imports nothing from src); a connect made before that is checked at registration.
 */
let knownModels: ReadonlySet<string> | null = null;
const uncheckedSenders: Array<{ signal: string; sender: string }> = [];

function unknownSender(signal: string, sender: string, known: ReadonlySet<string>): TypeError {
  return new TypeError(
    `${signal}.connect: sender '${sender}' is not a model name; the models are ${[...known].join(', ')}`,
  );
}

/** Called by the data layer with its models' names; throws for a sender connected earlier that is none. */
export function registerModelNames(names: readonly string[]): void {
  const known = new Set(names);
  knownModels = known;
  const wrong = uncheckedSenders.splice(0).find((entry) => !known.has(entry.sender));
  if (wrong) throw unknownSender(wrong.signal, wrong.sender, known);
}

function checkSender(signal: string, sender: string | undefined): void {
  if (sender === undefined) return;
  if (knownModels === null) uncheckedSenders.push({ signal, sender });
  else if (!knownModels.has(sender)) throw unknownSender(signal, sender, knownModels);
}

/** A model signal: `connect(receiver, { sender: 'Crate' })` types the receiver's args for Crate. */
export class ModelSignal<K extends SignalKind> extends Signal<AnyModelArgs<K>, unknown, ModelName> {
  override connect<M extends ModelName>(
    receiver: Receiver<ArgsByKind<M>[K]>,
    options: ConnectOptions<M> & { sender: M },
  ): Disconnect;
  override connect(receiver: Receiver<AnyModelArgs<K>>, options?: { dispatchUid?: string }): Disconnect;
  override connect(receiver: Receiver<never>, options: ConnectOptions<ModelName> = {}): Disconnect {
    checkSender(this.name, options.sender);
    // A receiver for one sender only ever gets that sender's args: the registry filters by sender.
    return super.connect(receiver as Receiver<AnyModelArgs<K> & Delivery<ModelName>>, options);
  }

  override disconnect(
    target: Receiver<never> | { dispatchUid: string },
    options: { sender?: ModelName } = {},
  ): boolean {
    // Same reasoning as connect: the lookup compares identity, never calls the receiver.
    return super.disconnect(
      target as Receiver<AnyModelArgs<K> & Delivery<ModelName>> | { dispatchUid: string },
      options,
    );
  }
}

export const preSave = new ModelSignal<'preSave'>('preSave');
export const postSave = new ModelSignal<'postSave'>('postSave');
export const preDelete = new ModelSignal<'preDelete'>('preDelete');
export const postDelete = new ModelSignal<'postDelete'>('postDelete');

export const modelSignals = { preSave, postSave, preDelete, postDelete } as const;

type AnyModelSignal =
  | ModelSignal<'preSave'>
  | ModelSignal<'postSave'>
  | ModelSignal<'preDelete'>
  | ModelSignal<'postDelete'>;
type ArgsOfSignal<S, M> = S extends ModelSignal<infer K> ? ArgsByKind<M>[K] : never;

/**
 * Django's `@receiver`: connects one function to several signals and/or senders at once.
 * Returns one function that disconnects all of them.
 */
export function receiver<S extends AnyModelSignal, M extends ModelName = ModelName>(
  signals: S | S[],
  options: { sender?: M | M[]; dispatchUid?: string },
  fn: Receiver<ArgsOfSignal<S, M>>,
): Disconnect {
  // Each signal gets the same function; its args type is the union over the signals given.
  const list = (Array.isArray(signals) ? signals : [signals]) as unknown as Signal<
    unknown,
    unknown,
    ModelName
  >[];
  const senders: (M | undefined)[] =
    options.sender === undefined
      ? [undefined]
      : Array.isArray(options.sender)
        ? options.sender
        : [options.sender];
  const disconnects: Disconnect[] = [];
  for (const signal of list) {
    for (const sender of senders) {
      disconnects.push(signal.connect(fn as Receiver<unknown>, { sender, dispatchUid: options.dispatchUid }));
    }
  }
  return () => disconnects.map((d) => d()).some(Boolean);
}
