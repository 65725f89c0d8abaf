import * as tf from '@tensorflow/tfjs-core';

/** The argument type of tf.customGrad (tfjs-core does not export it by name). */
type CustomGradientFunction = Parameters<typeof tf.customGrad<tf.Tensor4D>>[0];

/** The [rows, N] additive bias of one (batch, head) slice from a bias broadcastable to [B, H, N, N]. */
function biasSlice(bias: tf.Tensor4D, b: number, h: number): tf.Tensor2D {
  const [bb, bh, rows, cols] = bias.shape;
  const slice = tf.slice(bias, [bb === 1 ? 0 : b, bh === 1 ? 0 : h, 0, 0], [1, 1, rows, cols]);
  return tf.reshape(slice, [rows, cols]) as tf.Tensor2D;
}

/** [B, H, N, p] → the B·H slices [N, p] in (batch, head) order. */
function slices(t: tf.Tensor4D): tf.Tensor2D[] {
  const [b, h, n, p] = t.shape;
  return tf.unstack(tf.reshape(t, [b * h, n, p])) as tf.Tensor2D[];
}

function unslice(parts: tf.Tensor2D[], shape: readonly number[]): tf.Tensor4D {
  return tf.reshape(tf.stack(parts), shape as [number, number, number, number]) as tf.Tensor4D;
}

/**
 * softmax(q·kᵀ + bias)·v for q, k, v [B, H, N, p] as a loop of 2-D matMuls with a hand-written backward pass.
 *
 * Why: on wasm, transposed and batched matMuls are slow (see @tost/attention fast-matmul.ts), and autodiff of the
 * plain formula keeps and transposes several N×N tensors per head. Here only the small [N, p] operands are ever
 * transposed: the gradients that would need an N×N transpose are computed transposed instead
 * (dVᵀ = dOᵀ·P, dKᵀ = qᵀ·dS), and only P (one N×N per head) plus the output are kept for the backward pass.
 * Backward, per slice: dP = dO·vᵀ, dS = P ⊙ (dP − rowsum(dO ⊙ O)), dQ = dS·k. The bias (masks) gets no gradient.
 *
 * @param bias additive scores bias broadcastable to [B, H, N, N] with size-1 or full axes (e.g. [B, 1, 1, N] key
 * padding, [1, 1, N, N] causal); undefined for none.
 */
export function fusedSoftmaxAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  bias?: tf.Tensor4D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const inputs = [q, k, v, bias ?? tf.zeros([1, 1, 1, 1])] as tf.Tensor4D[];
    return fusedWithCustomGradient(...inputs) as tf.Tensor4D;
  });
}

const fusedWithCustomGradient = tf.customGrad(((
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  bias: tf.Tensor4D,
  save: tf.GradSaveFunc,
) => {
  const [batch, heads] = q.shape;
  const hasBias = bias.size > 1 || bias.shape[3] !== 1 || bias.shape[2] !== 1;
  const qs = slices(q);
  const ks = slices(k);
  const vs = slices(v);
  const weights: tf.Tensor2D[] = [];
  const outputs: tf.Tensor2D[] = [];
  for (let i = 0; i < qs.length; i++) {
    const [p, o] = tf.tidy(() => {
      let scores = tf.matMul(qs[i]!, tf.transpose(ks[i]!));
      if (hasBias) scores = tf.add(scores, biasSlice(bias, Math.floor(i / heads), i % heads));
      const p = tf.softmax(scores) as tf.Tensor2D;
      return [p, tf.matMul(p, vs[i]!)];
    });
    weights.push(p);
    outputs.push(o);
  }
  const output = unslice(outputs, [batch, heads, q.shape[2], v.shape[3]]);
  save([q, k, v, bias, output, ...weights]);
  return {
    value: output,
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [sq, sk, sv, sbias, so, ...sp] = saved as tf.Tensor4D[];
      const dq: tf.Tensor2D[] = [];
      const dk: tf.Tensor2D[] = [];
      const dv: tf.Tensor2D[] = [];
      const [qsb, ksb, vsb, osb, dos] = [sq!, sk!, sv!, so!, dy].map(slices);
      for (let i = 0; i < qsb!.length; i++) {
        const p = sp[i] as unknown as tf.Tensor2D;
        const grads = tf.tidy(() => {
          const dO = dos![i]!;
          const dvT = tf.matMul(tf.transpose(dO), p); // (Pᵀ·dO)ᵀ without transposing P
          const dP = tf.matMul(dO, tf.transpose(vsb![i]!));
          const rowDot = tf.sum(tf.mul(dO, osb![i]!), 1, true); // rowsum(P ⊙ dP) = rowsum(dO ⊙ O)
          const dS = tf.mul(p, tf.sub(dP, rowDot)) as tf.Tensor2D;
          const dqi = tf.matMul(dS, ksb![i]!);
          const dkT = tf.matMul(tf.transpose(qsb![i]!), dS); // (dSᵀ·q)ᵀ without transposing dS
          return [dqi, tf.transpose(dkT), tf.transpose(dvT)] as tf.Tensor2D[];
        });
        dq.push(grads[0]!);
        dk.push(grads[1]!);
        dv.push(grads[2]!);
      }
      return [unslice(dq, sq!.shape), unslice(dk, sk!.shape), unslice(dv, sv!.shape), tf.zerosLike(sbias!)];
    },
  };
}) as unknown as CustomGradientFunction);
