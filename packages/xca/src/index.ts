export { XCA, XCA_NORM_EPSILON } from './xca.js';
export { XCA_ATTENTION_NAME } from './register.js';
