import { postDelete, postSave, preDelete, preSave } from '../signals/index.js';
import { builder } from './builder.js';
import { afterMutation, beforeMutation, fieldHooksOf } from './plugins/unit-of-work/index.js';

interface ReceiverInfoShape {
  signal: string;
  sender: string | null;
  name: string;
  dispatchUid: string | null;
  kind: 'receiver' | 'hook';
}

const ReceiverInfo = builder.objectRef<ReceiverInfoShape>('ReceiverInfo').implement({
  description: 'A registered receiver (model signals) or hook (mutations), as `signals` lists it.',
  fields: (t) => ({
    signal: t.exposeString('signal'),
    sender: t.exposeString('sender', {
      nullable: true,
      description: 'The model (receivers) or Mutation field (hooks) it is limited to; null: all',
    }),
    name: t.exposeString('name'),
    dispatchUid: t.exposeString('dispatchUid', { nullable: true }),
    kind: t.exposeString('kind', { description: '`receiver` or `hook`' }),
  }),
});

type Listed = { signal: string; sender: string | undefined; name: string; dispatchUid?: string | undefined };
const as =
  (kind: ReceiverInfoShape['kind']) =>
  (r: Listed): ReceiverInfoShape => ({
    signal: r.signal,
    sender: r.sender ?? null,
    name: r.name,
    dispatchUid: r.dispatchUid ?? null,
    kind,
  });

builder.queryField('signals', (t) =>
  t.field({
    type: [ReceiverInfo],
    description:
      'Every registered receiver and hook, in the order a mutation calls them: prepare and before ' +
      'hooks, the model signals, after hooks, then after-commit hooks.',
    authScopes: { staff: true },
    resolve: (_root, _args, _ctx, info) => {
      const fieldHooks = fieldHooksOf(info.schema).map(as('hook'));
      const of = (signal: string) => fieldHooks.filter((h) => h.signal === signal);
      return [
        ...of('prepare'),
        ...beforeMutation.registrations().map(as('hook')),
        ...of('beforeMutation'),
        ...[preSave, postSave, preDelete, postDelete].flatMap((s) => s.registrations().map(as('receiver'))),
        ...of('afterMutation'),
        ...afterMutation.registrations().map(as('hook')),
        ...of('afterCommit'),
      ];
    },
  }),
);
