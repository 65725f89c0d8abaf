export { Aaren } from './aaren.js';
export { causalPrefixSoftmax } from './causal-prefix-softmax.js';
export { causalPrefixSoftmaxReference } from './causal-prefix-softmax-reference.js';
export { exclusiveRescaledScan, prefixMax } from './rescaled-scan.js';
export { aarenStep, type AarenState } from './aaren-state.js';
export { AAREN_CHUNK_SIZE, NO_SCORE } from './constants.js';
export { AAREN_ATTENTION_NAME } from './register.js';
