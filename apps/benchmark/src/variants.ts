// Importing the barrel registers every built-in attention variant with @tost/attention's registry.
import '@tost/variants';

export { createAttention, getAttentionDescriptor, listAttentions, listAttentionNames } from '@tost/attention';
