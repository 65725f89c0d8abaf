import { registerAttention } from '@tost/attention';
import { TSSA } from './tssa.js';

/** Name under which `createAttention` builds a TSSA layer. */
export const TSSA_ATTENTION_NAME = 'tssa';

registerAttention(TSSA_ATTENTION_NAME, (options) => new TSSA(options));
