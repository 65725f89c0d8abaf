/**
 * The fixed per-head decay of Lightning Attention / TransNormerLLM, the schedule of RetNet (Sun et al., arXiv
 * 2307.08621 §2.2): γ_k = 1 − 2^(−5−k) for head k = 0 … heads − 1 (head 0 forgets fastest, half-life ≈ 22 tokens).
 */
export function lightningDecay(heads: number): number[] {
  return Array.from({ length: heads }, (_, k) => 1 - 2 ** (-5 - k));
}
