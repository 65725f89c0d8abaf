// Importing a variant package registers its attention names with @tost/attention's registry.
import '@tost/softmax';
import '@tost/tssa';
import '@tost/causal-tssa';

export { createAttention, listAttentions } from '@tost/attention';
