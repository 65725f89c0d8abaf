export { TSSA, type TSSAOptions } from './tssa.js';
export {
  tssaCore,
  tssaCoreWithMembership,
  tssaCoreForward,
  tssaCoreBackward,
  type TssaCoreSaved,
  type TssaLayout,
} from './tssa-core.js';
export { tssaCoreReference } from './tssa-core-reference.js';
export { validateCoreInputs, type TssaCoreOptions, type TssaCoreResult } from './core-inputs.js';
export { TSSA_ATTENTION_NAME } from './register.js';
