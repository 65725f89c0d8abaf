export { CausalTSSA, type CausalTSSAOptions, type CausalTSSACallOptions } from './causal-tssa.js';
export { causalTSSACore, type CausalTSSACoreInputs, type CausalTSSACoreOutputs } from './causal-tssa-core.js';
export { causalTSSACoreReference } from './causal-tssa-core-reference.js';
export { causalTSSAStep, type CausalTSSAStepResult } from './causal-tssa-step.js';
export type { CausalTSSAState } from './causal-tssa-state.js';
export { softmaxOverHeads } from './head-softmax.js';
export { ENERGY_FLOOR, MASS_EPSILON } from './constants.js';
export { CAUSAL_TSSA_ATTENTION_NAME } from './register.js';
