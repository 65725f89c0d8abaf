export { XCA } from './xca.js';
export { channelAttention, XCA_NORM_EPSILON } from './channel-attention.js';
export { XCA_ATTENTION_NAME } from './register.js';
