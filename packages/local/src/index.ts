export {
  LocalAttention,
  DEFAULT_WINDOW,
  DEFAULT_DILATION,
  type LocalAttentionOptions,
} from './local-attention.js';
export { localAttention, type LocalCoreOptions } from './local-attention-core.js';
export { localAttentionReference } from './local-reference.js';
export { LOCAL_ATTENTION_NAMES } from './register.js';
export { localAttentionStep, type LocalAttentionState } from './local-stream.js';
