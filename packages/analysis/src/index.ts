export { codingRate, mcr2Compression, type SubspaceOptions } from './coding-rate.js';
export { logDetIdentityPlus, logDetIdentityPlusGramOf } from './log-det.js';
export { variationalCompression, type VariationalCompressionOptions } from './variational-compression.js';
export {
  layerwiseCompression,
  type LayerCompression,
  type CompressionMeasure,
  type LayerwiseCompressionOptions,
} from './layerwise-compression.js';
export {
  membershipMaps,
  toGrid,
  type ArrayMap,
  type TokenGrid,
  type MembershipMap,
  type ClassAttentionMap,
  type MembershipMapsOptions,
  type MembershipMapsResult,
} from './membership-maps.js';
export { classAttentionWeights } from './class-attention-map.js';
export { findAttentionSites, type AttentionKind, type AttentionSite } from './attention-sites.js';
