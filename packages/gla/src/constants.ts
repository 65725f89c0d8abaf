/**
 * Default tokens per chunk of the chunk-wise form (a [c, c] block inside a chunk, a carried [p, p] state across). 8,
 * half the sub-chunk size (16) of arXiv 2312.06635 §4.2's secondary chunking: the pairwise decays inside a chunk cost
 * O(c²·p) per chunk, so smaller chunks are cheaper once the chunk sweep runs every (sample, head) at once, and the gate
 * products span fewer tokens (smaller exponents in float32). On the wasm backend (one core), the forward and backward
 * pass at MQAR's [64, 4, 192, 16] and char-lm's [16, 4, 256, 32] shapes ran 1.1–1.6× faster at c = 8 than at 16
 * (c = 4 and 8 about equal, 32 slower).
 */
export const GLA_CHUNK_SIZE = 8;

/** Default rank of the low-rank gate projection X·W_down·W_up (arXiv 2312.06635 §4.4 uses 16). */
export const GLA_GATE_RANK = 16;

/** Temperature τ of the gate, α = sigmoid(·)^(1/τ) (arXiv 2312.06635 §4.4: 16, so the gates start close to 1). */
export const GLA_GATE_TEMPERATURE = 16;

/** ε of the per-head LayerNorm of the outputs. */
export const GLA_NORM_EPSILON = 1e-5;

/**
 * Floor of the per-token log gate, log α ≥ −40 (α ≥ 4·10⁻¹⁸): a gate that closes further would multiply the state by
 * less than float32 can tell from 0 next to the new token's own term, so the floor changes no float32 result in
 * practice.
 */
export const MIN_LOG_GATE = -40;
