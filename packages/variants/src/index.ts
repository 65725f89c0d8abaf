/**
 * `import '@tost/variants'` registers every built-in attention variant with @tost/attention's registry; then
 * `createAttention(name, options)` builds any of them and `listAttentions()` describes them all.
 */
export { BUILT_IN_VARIANTS } from './generated.js';
export {
  createAttention,
  getAttentionDescriptor,
  listAttentions,
  listAttentionNames,
  type RegisteredAttention,
} from '@tost/attention';
