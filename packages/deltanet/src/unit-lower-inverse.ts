import * as tf from '@tensorflow/tfjs-core';

/** Largest number of elements of one temporary product (a slab of matrices is inverted at a time). */
const SLAB_ELEMENTS = 1 << 21;

/**
 * (I + A)⁻¹ for a batch of strictly lower-triangular A [m, c, c] (c a power of two): the "T" of the UT transform in
 * DeltaNet's chunk-wise form (Yang et al., arXiv 2406.06484, §3.2, eq. 8–10).
 *
 * Exact block inversion by doubling, batched over all m matrices at once: the inverse of a unit lower-triangular
 * matrix with diagonal blocks L11, L22 and lower-left block L21 is [[X11, 0], [−X22·L21·X11, X22]] with X = L⁻¹ of
 * the diagonal blocks. Starting from the 1×1 blocks (= 1), each level doubles the block size: log₂ c levels, each
 * a handful of element-wise products on [m, c/2s, s, s] blocks. Unlike the Neumann product Π (I + (−A)^(2^j)),
 * whose intermediate powers grow like binomial coefficients (≈ 1e17 for c = 64 and correlated keys), every
 * intermediate here is itself an inverse of a diagonal block, so it stays as well-conditioned as the result.
 * Small products run as broadcasts (a batched matMul of many small matrices is slow on wasm); matrices are inverted
 * in slabs so no temporary exceeds ~2M elements.
 */
export function unitLowerInverse(a: tf.Tensor3D): tf.Tensor3D {
  const [m, c, c2] = a.shape;
  if (c !== c2 || !isPowerOfTwo(c)) {
    throw new RangeError(
      `unitLowerInverse: argument 'a' must be [m, c, c] with c a power of two, got [${a.shape.join(', ')}]`,
    );
  }
  if (c === 1 || m === 0) return tf.tidy(() => tf.add(tf.zerosLike(a), 1) as tf.Tensor3D);
  const slab = Math.max(1, Math.floor(SLAB_ELEMENTS / ((c * c * c) / 8)));
  if (m <= slab) return tf.tidy(() => invertSlab(a));
  return tf.tidy(() => {
    const parts: tf.Tensor3D[] = [];
    for (let start = 0; start < m; start += slab) {
      const size = Math.min(slab, m - start);
      parts.push(tf.tidy(() => invertSlab(tf.slice(a, [start, 0, 0], [size, c, c]))));
    }
    return tf.concat(parts, 0);
  });
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

function invertSlab(a: tf.Tensor3D): tf.Tensor3D {
  const [m, c] = a.shape;
  // Splits are unstacks (block copies on wasm with @tost/backend), never slices of rank > 3 (a slow generic path).
  const halves = (t: tf.Tensor, count: number, rows: number, cols: number): tf.Tensor3D[] =>
    tf.unstack(tf.reshape(t, [count, 2, rows, cols]), 1) as tf.Tensor3D[];
  // Diagonal blocks of A at every size, top-down: level size 2s holds [m·c/2s, 2s, 2s].
  const blocks = new Map<number, tf.Tensor3D>();
  let current = a;
  blocks.set(c, current);
  for (let size = c / 2; size >= 2; size /= 2) {
    const count = (m * c) / (2 * size);
    const parent = current;
    current = tf.tidy(() => {
      // Rows of the top half, then of the bottom half: [count, 2, size, 2·size] → their diagonal blocks.
      const [topRows, bottomRows] = halves(parent, count, size, 2 * size);
      const top = tf.unstack(tf.reshape(topRows!, [count, size, 2, size]), 2)[0]!;
      const bottom = tf.unstack(tf.reshape(bottomRows!, [count, size, 2, size]), 2)[1]!;
      return tf.reshape(tf.stack([top, bottom], 1), [2 * count, size, size]) as tf.Tensor3D;
    });
    blocks.set(size, current);
  }
  // Bottom-up: x holds the inverses of the diagonal blocks of size s, [m·c/s, s, s].
  let x = tf.ones([m * c, 1, 1]) as tf.Tensor3D;
  for (let s = 1; s < c; s *= 2) {
    const count = (m * c) / (2 * s);
    const previous = x;
    // One level per tidy: only the new inverses survive it (the broadcast products are the largest temporaries).
    x = tf.tidy(() => {
      const [x11, x22] = halves(previous, count, s, s) as [tf.Tensor3D, tf.Tensor3D];
      // L21: rows s…2s−1, columns 0…s−1 of each diagonal 2s-block.
      const [, lowerRows] = halves(blocks.get(2 * s)!, count, s, 2 * s);
      const l21 = tf.unstack(tf.reshape(lowerRows!, [count, s, 2, s]), 2)[0] as tf.Tensor3D;
      const x21 = tf.neg(smallMatMul(smallMatMul(x22, l21), x11));
      const upper = tf.concat([x11, tf.zerosLike(x11)], 2);
      const lower = tf.concat([x21, x22], 2);
      return tf.reshape(tf.concat([upper, lower], 1), [count, 2 * s, 2 * s]) as tf.Tensor3D;
    });
    previous.dispose();
  }
  return tf.reshape(x, [m, c, c]) as tf.Tensor3D;
}

/** a·b for [n, s, s] batches of small matrices, as a broadcast product summed over the last axis. */
function smallMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const [n, i, k] = a.shape;
  const j = b.shape[2];
  if (k === 1) return tf.mul(a, b) as tf.Tensor3D;
  const bt = tf.transpose(b, [0, 2, 1]);
  return tf.sum(tf.mul(tf.reshape(a, [n, i, 1, k]), tf.reshape(bt, [n, 1, j, k])), 3) as tf.Tensor3D;
}
