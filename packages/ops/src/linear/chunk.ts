import * as tf from '@tensorflow/tfjs-core';
import { checkShapes } from './shapes.js';
import { sliceSequence } from './sequence-axis.js';
import { chunkBackward, chunkForward, chunkInputs, cutInputs, type ChunkConfig } from './chunk-core.js';

/** How the chunked causal core decays older tokens, and the state it starts from and returns. */
export interface ChunkLinearAttentionOptions {
  /**
   * Tokens per chunk (default 64): inside a chunk the masked c×c product, across chunks a carried [f, d] state.
   * Cost O(N·c·(f + d) + N·f·d), memory O(N·(f + d)) plus the c×c scores of a group of chunks (at most 2²² numbers
   * at a time); never an N×N matrix, never a per-token [f, d] state.
   */
  chunkSize?: number;
  /**
   * Per-head constant decay γ_h ∈ (0, 1] (length = heads): O_t = Σ_{s≤t} γ^(t−s) (q_t·k_s) v_s (the decayed
   * attention of RetNet, arXiv 2307.08621, evaluated block-wise as in Lightning Attention-2, arXiv 2401.04658 §3).
   */
  decay?: readonly number[];
  /**
   * Data-dependent decay: a cumulative log-decay c [batch, heads, seq], non-increasing along seq; weight e^(c_t − c_s)
   * for s ≤ t (e.g. a running-max stabiliser, or the cumulative sum of per-token log gates). Treated as a constant:
   * its gradient is zero. An `initialState` sits at log-decay 0 (token t sees it with weight e^(c_t)), so a
   * cumulative sum of gates restarted at each call chains exactly.
   */
  logDecay?: tf.Tensor3D;
  /**
   * The state S [batch, heads, f, d] = Σ_s w(before, s) k_sᵀ v_s of tokens before this sequence (default none = 0):
   * token t adds q̂_t·S (q̂ = q decayed from the state, γ^(t+1) or e^(c_t)). Differentiable.
   */
  initialState?: tf.Tensor4D;
  /**
   * Also return the state after the last token, [batch, heads, f, d] (weights relative to the last token: γ^(N−1−s)
   * or e^(c_{N−1} − c_s)), to pass as the next call's `initialState`. Differentiable.
   */
  returnState?: boolean;
  /**
   * The caller guarantees that q, k and v hold no NaN or ±Infinity (e.g. features it has cleaned itself), so the core
   * keeps them as given instead of a cleaned copy of each (default false). With a non-finite entry the outputs of
   * earlier tokens are then no longer guaranteed finite.
   */
  inputsFinite?: boolean;
}

const DEFAULT_CHUNK = 64;

/**
 * Causal linear attention, chunked: O_t = Σ_{s≤t} w(t, s) (q_t·k_s) v_s with w = 1, γ^(t−s) (`decay`) or
 * e^(c_t − c_s) (`logDecay`), for q, k [batch, heads, seq, f] and v [batch, heads, seq, d] → [batch, heads, seq, d]
 * (with `returnState`, `{ output, finalState }`).
 *
 * Block algorithm (Lightning Attention-2, arXiv 2401.04658 §3.2; "Transformers are RNNs", arXiv 2006.16236 §3.4):
 * per chunk of c tokens the intra-chunk part ((q·kᵀ) ⊙ D)·v with the c×c lower-triangular decay mask D, plus the
 * inter-chunk part q̂·S from the state S [f, d] of all earlier chunks, S ← λ·S + k̂ᵀ·v. All chunks at once: each
 * product is one batched matMul over (sample, head, chunk), the state recurrence a scan of O(log n) kernels, so the
 * kernel count does not grow with the length. No N×N matrix and no per-token [f, d] state exist (one [f, d] state per
 * chunk: N·f·d/c numbers). Exact for any values in later tokens: non-finite q, k, v entries are zeroed first (unless
 * `inputsFinite`) and masks are selects, so NaN or ±Infinity in token s > t never reaches output t.
 *
 * Gradient (hand-written, memory-lean: saves q, k, v as cleaned and cut for the forward pass, the optional inputs,
 * and the state before each chunk, N·f·d/c numbers per head): with B = (dO·vᵀ) ⊙ D per chunk,
 * dq = B·k + q̂-scale ⊙ dO·Sᵀ, dk = Bᵀ·q + k̂-scale ⊙ v·Pᵀ and
 * dv = ((q·kᵀ) ⊙ D)ᵀ·dO + k̂·P (P = the gradient of the state, the recurrence run backwards as a reverse scan,
 * P ← λ·P + q̂ᵀ·dO, from the final state's gradient to the initial state's), each sum as one batched product of
 * concatenated operands; chunk scores are recomputed, not kept. The decay is a constant (zero gradient). First-order
 * only: the backward pass reads saved copies, so a gradient of this gradient does not reach q, k, v through it.
 * @throws RangeError for mismatched shapes, a bad `chunkSize`, or a `decay`/`logDecay`/`initialState` of the wrong
 *   size.
 */
export function chunkLinearAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options: ChunkLinearAttentionOptions & { returnState: true },
): { output: tf.Tensor4D; finalState: tf.Tensor4D };
export function chunkLinearAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options?: ChunkLinearAttentionOptions & { returnState?: false },
): tf.Tensor4D;
export function chunkLinearAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options: ChunkLinearAttentionOptions = {},
): tf.Tensor4D | { output: tf.Tensor4D; finalState: tf.Tensor4D } {
  const label = 'chunkLinearAttention';
  checkShapes(label, q, k, v);
  const [batch, heads, seq, f] = q.shape;
  const d = v.shape[3];
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
    throw new RangeError(`${label}: option 'chunkSize' must be a positive integer, got ${chunkSize}`);
  }
  const { decay, logDecay, initialState } = options;
  const returnState = options.returnState === true;
  if (decay !== undefined && logDecay) {
    throw new RangeError(`${label}: give either option 'decay' or 'logDecay', not both`);
  }
  if (decay !== undefined) {
    // A bare number (one γ for every head) is a common slip: the option is a list, one γ per head.
    const list =
      typeof decay === 'object' && decay !== null && typeof decay.length === 'number' ? decay : undefined;
    if (!list || list.length !== heads || Array.from(list).some((g) => !(g > 0 && g <= 1))) {
      const given = list ? `[${Array.from(list).join(', ')}]` : String(decay);
      throw new RangeError(
        `${label}: option 'decay' must hold one γ in (0, 1] per head (${heads}), got ${given}`,
      );
    }
  }
  if (logDecay && (logDecay.rank !== 3 || logDecay.shape.some((s, i) => s !== [batch, heads, seq][i]))) {
    throw new RangeError(
      `${label}: option 'logDecay' must have shape [${batch}, ${heads}, ${seq}], got [${logDecay.shape}]`,
    );
  }
  if (
    initialState &&
    (initialState.rank !== 4 || initialState.shape.some((s, i) => s !== [batch, heads, f, d][i]))
  ) {
    throw new RangeError(
      `${label}: option 'initialState' must have shape [batch, heads, f, d] = [${batch}, ${heads}, ${f}, ${d}], ` +
        `got [${initialState.shape}]`,
    );
  }
  if (seq === 0) {
    const output = tf.zeros([batch, heads, 0, d]) as tf.Tensor4D;
    if (!returnState) return output;
    return { output, finalState: initialState ? tf.clone(initialState) : tf.zeros([batch, heads, f, d]) };
  }
  const c = Math.min(chunkSize, seq);
  const config: ChunkConfig = { c, decay, hasLogDecay: !!logDecay, hasInitial: !!initialState, returnState };
  const args: tf.Tensor[] = [q, k, v];
  if (logDecay) args.push(logDecay);
  if (initialState) args.push(initialState);
  const op = tf.customGrad((...fnArgs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = fnArgs.pop() as tf.GradSaveFunc;
    const inputs = fnArgs as tf.Tensor[];
    const rest = inputs.slice(3);
    const cut = cutInputs(inputs, c, options.inputsFinite === true);
    const { packed, before } = tf.tidy(() => chunkForward(chunkInputs(cut, rest, seq, config), returnState));
    // Memory-lean: q, k, v as the forward cleaned and cut them (the backward reads no other copy), the optional
    // inputs, and the state before each chunk (N·f·d/c numbers per head).
    save([...cut, ...rest, before]);
    tf.dispose([...cut, before]);
    return {
      value: packed,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const grads = chunkBackward(
            chunkInputs(saved.slice(0, 3), saved.slice(3, -1), seq, config),
            saved[saved.length - 1]!,
            dy as tf.Tensor4D,
            returnState,
          );
          return config.hasLogDecay
            ? [...grads.slice(0, 3), tf.zerosLike(saved[3]!), ...grads.slice(3)]
            : grads;
        }),
    };
  }) as unknown as (...t: tf.Tensor[]) => tf.Tensor4D;
  const packed = op(...args);
  if (!returnState) return packed;
  // One custom gradient has one output: the output and the final state travel packed along the sequence axis.
  return tf.tidy(() => ({
    output: sliceSequence(packed, 0, seq),
    finalState: sliceSequence(packed, seq, f),
  }));
}
