import * as tf from '@tensorflow/tfjs-core';
import { maskedSoftmaxForward } from '@tost/ops';

/** The argument type of tf.customGrad (tfjs-core does not export it by name). */
type CustomGradientFunction = Parameters<typeof tf.customGrad<tf.Tensor4D>>[0];

/** The [rows, N] allowed-keys mask of one (batch, head) slice from a bool mask broadcastable to [B, H, N, N]. */
function allowedSlice(allowed: tf.Tensor4D, b: number, h: number): tf.Tensor2D {
  const [bb, bh, rows, cols] = allowed.shape;
  const slice = tf.slice(allowed, [bb === 1 ? 0 : b, bh === 1 ? 0 : h, 0, 0], [1, 1, rows, cols]);
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
 * softmax(q·kᵀ restricted to allowed keys)·v for q, k, v [B, H, N, p] as a loop of 2-D matMuls with a hand-written backward pass.
 *
 * Why: on wasm, transposed and batched matMuls are slow (see @tost/backend's wasm matMul kernels), and autodiff of the
 * plain formula keeps and transposes several N×N tensors per head. Here only the small [N, p] operands are ever
 * transposed: the gradients that would need an N×N transpose are computed transposed instead
 * (dVᵀ = dOᵀ·P, dKᵀ = qᵀ·dS), and only P (one N×N per head) plus the output are kept for the backward pass.
 * Backward, per slice: dP = dO·vᵀ, dS = P ⊙ (dP − rowsum(dO ⊙ O)), dQ = dS·k.
 *
 * @param allowed bool mask broadcastable to [B, H, N, N] with size-1 or full axes (e.g. [B, 1, 1, N] real keys,
 * [1, 1, N, N] causal): disallowed keys get weight exactly 0 (`maskedSoftmax`: selected, not offset, so NaN or huge
 * values there cannot leak); undefined for none.
 */
export function fusedSoftmaxAttention(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  allowed?: tf.Tensor4D,
): tf.Tensor4D {
  return tf.tidy(() => {
    // customGrad takes float tensors only: the mask travels as 0/1 floats (or one 0 meaning "none").
    const inputs = [q, k, v, allowed ? tf.cast(allowed, 'float32') : tf.zeros([1, 1, 1, 1])] as tf.Tensor4D[];
    return fusedWithCustomGradient(...inputs) as tf.Tensor4D;
  });
}

const fusedWithCustomGradient = tf.customGrad(((
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  allowed: tf.Tensor4D,
  save: tf.GradSaveFunc,
) => {
  const [batch, heads] = q.shape;
  const hasMask = allowed.size > 1;
  const allowedBool = hasMask ? tf.cast(allowed, 'bool') : undefined;
  const qs = slices(q);
  const ks = slices(k);
  const vs = slices(v);
  const weights: tf.Tensor2D[] = [];
  const outputs: tf.Tensor2D[] = [];
  for (let i = 0; i < qs.length; i++) {
    const [p, o] = tf.tidy(() => {
      const scores = tf.matMul(qs[i]!, tf.transpose(ks[i]!)) as tf.Tensor2D;
      const p = allowedBool
        ? maskedSoftmaxForward(scores, allowedSlice(allowedBool, Math.floor(i / heads), i % heads))
        : (tf.softmax(scores) as tf.Tensor2D);
      return [p, tf.matMul(p, vs[i]!)];
    });
    weights.push(p);
    outputs.push(o);
  }
  allowedBool?.dispose();
  const output = unslice(outputs, [batch, heads, q.shape[2], v.shape[3]]);
  save([q, k, v, allowed, output, ...weights]);
  return {
    value: output,
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [sq, sk, sv, sallowed, so, ...sp] = saved as tf.Tensor4D[];
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
      return [
        unslice(dq, sq!.shape),
        unslice(dk, sk!.shape),
        unslice(dv, sv!.shape),
        tf.zerosLike(sallowed!),
      ];
    },
  };
}) as unknown as CustomGradientFunction);
