/**
 * ε of Flow-Attention: added to every element of φ(Q), φ(K) and of the flow sums before each dot product, exactly as
 * the authors' `Flow_Attention(eps=1e-6)` (thuml/Flowformer, `Flow_Attention.py`).
 */
export const FLOW_EPSILON = 1e-6;

/**
 * Tokens per chunk of the causal product Σ_{j≤i} (q_i·k_j) v_j: inside a chunk a masked [b, b] product, across chunks
 * a carried [p, p] state. Time O(N·b·p + N·p²), memory O(N·b + N·p²/b) — never [N, N] nor [N, p, p].
 */
export const CAUSAL_CHUNK_SIZE = 64;

/**
 * Floor of the competition softmax's denominator Σ exp(Ô). With Ô clamped to [−1, 1] the sum is ≥ e^{−1} as soon as
 * one real token is counted, so the floor changes nothing there; it only keeps 0/0 (and its gradient, which divides
 * by the square of the denominator) away from positions with no real token yet.
 */
export const COMPETITION_FLOOR = 0.25;
