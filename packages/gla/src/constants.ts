import { describeValue, isPositiveInteger } from '@tost/attention';

/**
 * Default tokens per chunk of the chunk-wise form for head dimension p (a [c, c] block inside a chunk, a carried [p, p]
 * state across): p/4 rounded up to a power of two, between 8 and 16 — 8 up to p = 32, 16 (the sub-chunk size of
 * arXiv 2312.06635 §4.2's secondary chunking) from p = 64. The pairwise decays inside a chunk cost O(c²·p)
 * exponentials per chunk and the state step O(p²) per chunk, so smaller heads want smaller chunks; smaller chunks also
 * make the gate products span fewer tokens (smaller exponents in float32). On the wasm backend (one core), forward and
 * backward ran 1.1–1.6× faster at c = 8 than at 16 for p = 16 and 32, and about 1.1× slower for p = 64.
 * @throws RangeError unless p is a positive integer.
 */
export function glaChunkSize(p: number): number {
  if (!isPositiveInteger(p)) {
    throw new RangeError(
      `glaChunkSize: argument 'p' (head dimension) must be a positive integer, got ${describeValue(p)}`,
    );
  }
  return p > 32 ? 16 : 8;
}

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
