import SchemaBuilder from '@pothos/core';
import './types.js';
import { UnitOfWorkPlugin } from './plugin.js';

export {
  type AfterMutationArgs,
  afterMutation,
  beforeMutation,
  type MutationHookArgs,
  MutationSignal,
} from './hooks.js';
export { type FieldHookInfo, fieldHooksOf, prepared, UnitOfWorkPlugin } from './plugin.js';
export type { FieldHookArgs, FieldHooks, UnitOfWorkOptions } from './types.js';

const pluginName = 'unitOfWork';
// Pothos plugins register by name when their module loads (the builder lists the name).
SchemaBuilder.registerPlugin(pluginName, UnitOfWorkPlugin);
export default pluginName;
