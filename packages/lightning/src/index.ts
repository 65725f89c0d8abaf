export {
  LightningAttention,
  DEFAULT_BLOCK_SIZE,
  LIGHTNING_EPSILON,
  type LightningAttentionOptions,
  type LightningState,
} from './lightning-attention.js';
export { lightningDecay } from './lightning-decay.js';
export { LIGHTNING_ATTENTION_NAME } from './register.js';
