import * as tf from '@tensorflow/tfjs-core';

/** The argument type of tf.customGrad (tfjs-core does not export it by name). */
type CustomGradientFunction = Parameters<typeof tf.customGrad<tf.Tensor4D>>[0];

export interface SigmoidCoreOptions {
  /** Per-sample bias b [batch] added to every score (the layer passes −ln n, n = real tokens in the sample). */
  bias: tf.Tensor1D;
  /** [batch, seq], 1 = real token, 0 = padding: padded keys get weight exactly 0. Undefined: every key is real. */
  keyMask?: tf.Tensor2D;
  /** Query i only sees keys j ≤ i. */
  causal?: boolean;
}

/**
 * Sigmoid attention core (Ramapuram et al., "Theory, Analysis, and Best Practices for Sigmoid Self-Attention",
 * arXiv 2409.04431, §3): `O_i = Σ_j sigmoid(q_i·k_j + b) v_j` over the allowed keys j, with no normalisation across
 * keys. q, k, v are [batch, heads, seq, p] with q already scaled by 1/√p; returns [batch, heads, seq, p].
 *
 * Masking is exact: a disallowed key's weight is selected to 0 (never an additive constant), so NaN, ±Infinity or
 * huge scores there cannot leak. Its values must be finite (0·NaN is NaN): callers zero non-finite future keys and
 * values of a causal layer first.
 *
 * Like the softmax baseline's fused path it runs as a loop of per-head 2-D matMuls (fast on every backend, and on
 * wasm batched or transposed matMuls are 10–30× slower) with a hand-written backward that keeps only the inputs and
 * the weights A = sigmoid(·) ([seq, seq] per head, as softmax keeps P) and never transposes an N×N matrix:
 * dVᵀ = dOᵀ·A, dA = dO·vᵀ, dZ = dA ⊙ A ⊙ (1 − A), dQ = dZ·k, dKᵀ = qᵀ·dZ. The bias and the mask get no gradient.
 */
export function sigmoidAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  { bias, keyMask, causal = false }: SigmoidCoreOptions,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, , seq] = q.shape;
    // customGrad takes float tensors only: the mask travels as 0/1 floats [batch, 1, 1, seq] (one 0 meaning "none").
    const mask = keyMask
      ? tf.reshape(tf.cast(keyMask, 'float32'), [batch, 1, 1, seq])
      : tf.zeros([1, 1, 1, 1]);
    const core = causal ? causalCore : fullCore;
    return core(q, k, v, mask as tf.Tensor4D, bias) as tf.Tensor4D;
  });
}

/** [B, H, N, p] → the B·H slices [N, p] in (batch, head) order. */
function slices(t: tf.Tensor4D): tf.Tensor2D[] {
  const [b, h, n, p] = t.shape;
  return tf.unstack(tf.reshape(t, [b * h, n, p])) as tf.Tensor2D[];
}

function unslice(parts: tf.Tensor2D[], shape: readonly number[]): tf.Tensor4D {
  return tf.reshape(tf.stack(parts), shape as [number, number, number, number]) as tf.Tensor4D;
}

/** Bool [seq, seq] of the keys sample `b`'s queries may see (undefined: all), from the float key mask and `past`. */
function allowedKeys(
  mask: tf.Tensor4D,
  b: number,
  past: tf.Tensor2D | undefined,
): tf.Tensor2D | undefined {
  if (mask.size === 1) return past;
  const seq = mask.shape[3];
  const row = tf.cast(tf.reshape(tf.slice(mask, [b, 0, 0, 0], [1, 1, 1, seq]), [1, seq]), 'bool');
  return (past ? tf.logicalAnd(past, row) : tf.broadcastTo(row, [seq, seq])) as tf.Tensor2D;
}

function makeCore(causal: boolean): (...args: tf.Tensor[]) => tf.Tensor {
  return tf.customGrad(((
    q: tf.Tensor4D,
    k: tf.Tensor4D,
    v: tf.Tensor4D,
    mask: tf.Tensor4D,
    bias: tf.Tensor1D,
    save: tf.GradSaveFunc,
  ) => {
    const [batch, heads, seq] = q.shape;
    const past = causal
      ? tf.tidy(() => tf.cast(tf.linalg.bandPart(tf.ones([seq, seq]), -1, 0), 'bool') as tf.Tensor2D)
      : undefined;
    const qs = slices(q);
    const ks = slices(k);
    const vs = slices(v);
    const weights: tf.Tensor2D[] = [];
    const outputs: tf.Tensor2D[] = [];
    for (let i = 0; i < qs.length; i++) {
      const b = Math.floor(i / heads);
      const [a, o] = tf.tidy(() => {
        const scores = tf.add(tf.matMul(qs[i]!, tf.transpose(ks[i]!)), tf.slice(bias, [b], [1]));
        let a = tf.sigmoid(scores) as tf.Tensor2D;
        const allowed = allowedKeys(mask, b, past);
        // Select, not multiply: sigmoid(NaN) is NaN, and 0·NaN would be too.
        if (allowed) a = tf.where(allowed, a, tf.zerosLike(a));
        return [a, tf.matMul(a, vs[i]!)];
      });
      weights.push(a);
      outputs.push(o);
    }
    past?.dispose();
    tf.dispose([...qs, ...ks, ...vs]);
    const output = unslice(outputs, [batch, heads, seq, v.shape[3]]);
    tf.dispose(outputs);
    save([q, k, v, mask, bias, ...weights]);
    return {
      value: output,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [sq, sk, sv, smask, sbias, ...sa] = saved as tf.Tensor4D[];
        const [qsb, ksb, vsb, dos] = [sq!, sk!, sv!, dy].map(slices) as tf.Tensor2D[][];
        const dq: tf.Tensor2D[] = [];
        const dk: tf.Tensor2D[] = [];
        const dv: tf.Tensor2D[] = [];
        for (let i = 0; i < qsb!.length; i++) {
          const a = sa[i] as unknown as tf.Tensor2D;
          const grads = tf.tidy(() => {
            const dO = dos![i]!;
            const dvT = tf.matMul(tf.transpose(dO), a); // (Aᵀ·dO)ᵀ without transposing A
            const dA = tf.matMul(dO, tf.transpose(vsb![i]!));
            // sigmoid' = A(1 − A); zero where A was selected to 0 (disallowed keys).
            const dZ = tf.mul(dA, tf.mul(a, tf.sub(1, a))) as tf.Tensor2D;
            const dqi = tf.matMul(dZ, ksb![i]!);
            const dkT = tf.matMul(tf.transpose(qsb![i]!), dZ); // (dZᵀ·q)ᵀ without transposing dZ
            return [dqi, tf.transpose(dkT), tf.transpose(dvT)] as tf.Tensor2D[];
          });
          dq.push(grads[0]!);
          dk.push(grads[1]!);
          dv.push(grads[2]!);
        }
        tf.dispose([...qsb!, ...ksb!, ...vsb!, ...dos!]);
        const result = [unslice(dq, sq!.shape), unslice(dk, sk!.shape), unslice(dv, sv!.shape)];
        tf.dispose([...dq, ...dk, ...dv]);
        return [...result, tf.zerosLike(smask!), tf.zerosLike(sbias!)];
      },
    };
  }) as unknown as CustomGradientFunction) as unknown as (...args: tf.Tensor[]) => tf.Tensor;
}

const fullCore = makeCore(false);
const causalCore = makeCore(true);
