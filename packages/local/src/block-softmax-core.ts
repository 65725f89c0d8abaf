import * as tf from '@tensorflow/tfjs-core';

/** [count, m, n] → [count, n, m]. */
function transposeBlocks(t: tf.Tensor3D): tf.Tensor3D {
  return tf.transpose(t, [0, 2, 1]);
}

/** Key blocks o … o + blocks − 1 of t [G, T, size, c] as [G·blocks, size, c]: what query block t meets at offset o. */
function atOffset(t: tf.Tensor4D, o: number, blocks: number): tf.Tensor3D {
  const [groups, , size, c] = t.shape;
  return tf.tidy(() =>
    tf.reshape(tf.slice(t, [0, o, 0, 0], [groups, blocks, size, c]), [groups * blocks, size, c]),
  );
}

/** The adjoint of `atOffset`: d [G·blocks, size, c] put back at key blocks o … of a [G, T, size, c] tensor (0 elsewhere). */
function fromOffset(d: tf.Tensor3D, o: number, shape: readonly number[]): tf.Tensor4D {
  const [groups, total, size, c] = shape as [number, number, number, number];
  const blocks = d.shape[0] / groups;
  return tf.tidy(() =>
    tf.pad(tf.reshape(d, [groups, blocks, size, c]), [
      [0, 0],
      [o, total - blocks - o],
      [0, 0],
      [0, 0],
    ]),
  );
}

/** Σ over o = 0 … count − 1 of term(o), freeing each term and partial sum as soon as it is added. */
function sumOver<T extends tf.Tensor>(count: number, term: (o: number) => T): T {
  let total = tf.tidy(() => term(0));
  for (let o = 1; o < count; o++) {
    const next = tf.tidy(() => tf.add(total, term(o)) as T);
    total.dispose();
    total = next;
  }
  return total;
}

/**
 * Exact softmax over the allowed entries of a row split into parts (one [M, size, size] part per key offset):
 * disallowed entries are selected to −∞ (never offset by a finite constant), so they get weight exactly 0 whatever
 * they hold; a row with no allowed entry gives zeros. Frees the score parts as it goes.
 */
function partsSoftmax(scores: tf.Tensor3D[], allowed: tf.Tensor3D[]): tf.Tensor3D[] {
  const restricted = scores.map((part, o) => {
    const r = tf.tidy(() => tf.where(allowed[o]!, part, tf.fill(part.shape, Number.NEGATIVE_INFINITY)));
    tf.dispose([part, allowed[o]!]);
    return r as tf.Tensor3D;
  });
  const rowMax = tf.tidy(() => {
    const m = restricted.map((r) => tf.max(r, 2, true)).reduce((x, y) => tf.maximum(x, y));
    return tf.where(tf.isFinite(m), m, tf.zerosLike(m)); // a row with no allowed entry: any finite shift
  });
  const exps = restricted.map((r) => {
    const e = tf.exp(tf.sub(r, rowMax)) as tf.Tensor3D; // exactly 0 where −∞
    r.dispose();
    return e;
  });
  const total = tf.tidy(() => {
    const z = exps.map((e) => tf.sum(e, 2, true)).reduce((x, y) => tf.add(x, y));
    return tf.where(tf.equal(z, 0), tf.onesLike(z), z); // no allowed entry: 0 / 1 = 0
  });
  const weights = exps.map((e) => {
    const w = tf.div(e, total) as tf.Tensor3D;
    e.dispose();
    return w;
  });
  tf.dispose([rowMax, total]);
  return weights;
}

/** What `blockAttentionForward` returns: the output and the weights its backward pass needs. */
export interface BlockAttentionResult {
  /** [G·blocks, size, p] */
  out: tf.Tensor3D;
  /** One [G·blocks, size, size] part per key offset. */
  weights: tf.Tensor3D[];
}

/**
 * Softmax attention of each block of queries against its neighbouring key blocks (not differentiated: the caller's
 * custom gradient uses `blockAttentionBackward`). q [G, blocks, size, p] (already scaled by 1/√p); k, v
 * [G, T, size, p] and `real` [G, T, size, 1] (1 = a real key) in key blocks, where query block t meets key blocks
 * t … t + offsets − 1 (offsets = keys / size, T = blocks + offsets − 1); the shared bool `band` [size, keys] says
 * which of those key slots each query slot may see. Output: softmax over the allowed keys of q·kᵀ, times v; a query
 * with no allowed key gets 0.
 *
 * Masking is exact (`partsSoftmax` selects disallowed scores away); values in disallowed slots must be finite, since
 * their weight 0 multiplies them. Everything is done one key offset at a time ([size, size] per block and offset: no
 * copies of k and v per offset, no concatenation or strided slicing of the weights).
 */
export function blockAttentionForward(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  real: tf.Tensor4D,
  band: tf.Tensor2D,
): BlockAttentionResult {
  const [groups, blocks, size, p] = q.shape;
  const offsets = band.shape[1] / size;
  const rows = groups * blocks;
  const q3 = tf.reshape(q, [rows, size, p]) as tf.Tensor3D;
  const scores: tf.Tensor3D[] = [];
  const allowed: tf.Tensor3D[] = [];
  for (let o = 0; o < offsets; o++) {
    scores.push(tf.tidy(() => tf.matMul(q3, transposeBlocks(atOffset(k, o, blocks)))));
    allowed.push(
      tf.tidy(() => {
        const realKeys = tf.reshape(atOffset(real, o, blocks), [rows, 1, size]);
        const bandPart = tf.slice(tf.cast(band, 'float32'), [0, o * size], [size, size]);
        // A float product cast to bool: wasm's broadcasting LogicalAnd is ~20× slower than its Mul.
        return tf.cast(tf.mul(tf.expandDims(bandPart, 0), realKeys), 'bool') as tf.Tensor3D;
      }),
    );
  }
  q3.dispose();
  const weights = partsSoftmax(scores, allowed);
  const out = sumOver(offsets, (o) => tf.matMul(weights[o]!, atOffset(v, o, blocks)) as tf.Tensor3D);
  return { out, weights };
}

/**
 * The backward pass of `blockAttentionForward`, from its inputs, output and weights and the output gradient dO
 * [G·blocks, size, p]: dV = Pᵀ·dO (as (dOᵀ·P)ᵀ), dP = dO·vᵀ, dS = P ⊙ (dP − rowsum(dO ⊙ O)), dQ = dS·k,
 * dK = (qᵀ·dS)ᵀ, one key offset at a time; no [size, size] weight matrix is ever transposed. Returns dq in the shape of
 * q and dk, dv in the shape of k and v (key blocks).
 */
export function blockAttentionBackward(
  dO: tf.Tensor3D,
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  { out, weights }: BlockAttentionResult,
): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  const [groups, blocks, size, p] = q.shape;
  const offsets = weights.length;
  const rowDot = tf.sum(tf.mul(dO, out), 2, true); // rowsum(P ⊙ dP) = rowsum(dO ⊙ O)
  const ds = weights.map((weight, o) =>
    tf.tidy(() => {
      const dp = tf.matMul(dO, transposeBlocks(atOffset(v, o, blocks)));
      return tf.mul(weight, tf.sub(dp, rowDot)) as tf.Tensor3D;
    }),
  );
  rowDot.dispose();
  const dq = sumOver(offsets, (o) => tf.matMul(ds[o]!, atOffset(k, o, blocks)));
  const qT = tf.tidy(() => transposeBlocks(tf.reshape(q, [groups * blocks, size, p])));
  const dk = sumOver(offsets, (o) => fromOffset(transposeBlocks(tf.matMul(qT, ds[o]!)), o, k.shape));
  tf.dispose([qT, ...ds]);
  const dOT = transposeBlocks(dO);
  const dv = sumOver(offsets, (o) => fromOffset(transposeBlocks(tf.matMul(dOT, weights[o]!)), o, v.shape));
  dOT.dispose();
  const dq4 = tf.reshape(dq, q.shape) as tf.Tensor4D;
  dq.dispose();
  return [dq4, dk, dv];
}
