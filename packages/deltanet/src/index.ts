export { DeltaNet } from './deltanet.js';
export { GatedDeltaNet } from './gated-deltanet.js';
export {
  DeltaRuleAttention,
  DELTA_RULE_EPSILON,
  type DeltaRuleAttentionOptions,
} from './delta-rule-attention.js';
export { validateDeltaRuleState, type DeltaRuleState } from './delta-rule-state.js';
export {
  chunkedDeltaRule,
  validateChunkSize,
  defaultChunkSize,
  defaultSegmentLength,
  type DeltaRuleInputs,
  type DeltaRuleOptions,
} from './delta-rule-chunked.js';
export { deltaRuleStep } from './delta-rule-step.js';
export { deltaRuleReference } from './delta-rule-reference.js';
export { unitLowerInverse } from './unit-lower-inverse.js';
export { DELTANET_ATTENTION_NAME, GATED_DELTANET_ATTENTION_NAME } from './register.js';
