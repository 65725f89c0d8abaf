// Importing a variant package registers its attention names with @tost/attention's registry.
import '@tost/softmax';

export { createAttention, listAttentions } from '@tost/attention';
