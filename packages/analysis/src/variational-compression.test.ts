import { expect, it } from 'vitest';
import { describeOn } from './test-models.js';
import * as tf from '@tensorflow/tfjs-core';
import { describeOnBackends } from '@tost/attention/testing';
import { expectNoLeakedTensors } from '@tost/vitest-config';
import { variationalCompression } from './index.js';
import { numbers, referenceRvar, softmaxOverHeads } from './test-reference.js';

describeOnBackends('variationalCompression', () => {
  it('matches an independent float64 computation of R_var (batched, bias, padding)', async () => {
    const batch = 2;
    const n = 7;
    const d = 6;
    const heads = 3;
    const width = 6;
    const flat = numbers(batch * n * d, 11).map((v) => 2 * v);
    const tokens = Array.from({ length: batch }, (_, b) =>
      Array.from({ length: n }, (_, i) => flat.slice((b * n + i) * d, (b * n + i + 1) * d)),
    );
    const kernelFlat = numbers(d * width, 12);
    const kernel = Array.from({ length: d }, (_, r) => kernelFlat.slice(r * width, (r + 1) * width));
    const bias = numbers(width, 13).map((v) => 0.3 * v);
    const pis = [0, 1].map((b) => {
      const l = numbers(heads * n, 20 + b).map((v) => 3 * v);
      return softmaxOverHeads(Array.from({ length: heads }, (_, k) => l.slice(k * n, (k + 1) * n)));
    });
    const real = [Array<boolean>(n).fill(true), [true, true, true, true, true, false, false]];

    const z = tf.tensor3d(tokens);
    const pi = tf.tensor3d(pis);
    const u = tf.tensor2d(kernel);
    const u0 = tf.tensor1d(bias);
    const mask = tf.tensor2d(real.map((r) => r.map(Number)));
    const values = await expectNoLeakedTensors(() => variationalCompression(z, pi, u, { bias: u0, mask }));
    for (let b = 0; b < batch; b++) {
      const expected = referenceRvar(tokens[b]!, pis[b]!, kernel, bias, real[b]!);
      expect(Math.abs(values[b]! - expected) / expected).toBeLessThan(1e-5);
    }
    // Unbatched form without options = the first example, all tokens real, no bias.
    const z0 = tf.tensor2d(tokens[0]!);
    const pi0 = tf.tensor2d(pis[0]!);
    const single = variationalCompression(z0, pi0, u);
    const expected = referenceRvar(tokens[0]!, pis[0]!, kernel, new Array<number>(width).fill(0), real[0]!);
    expect(Math.abs(single - expected) / expected).toBeLessThan(1e-5);
    tf.dispose([z, pi, u, u0, mask, z0, pi0]);
  });
});

describeOn('cpu', 'variationalCompression edge cases and errors', () => {
  it('gives 0 for tokens that project to zero and ignores a head with no membership mass', () => {
    const z = tf.tensor2d([
      [1, 0],
      [0, 2],
    ]);
    const zeroU = tf.zeros([2, 2]) as tf.Tensor2D;
    const pi = tf.tensor2d([
      [1, 1],
      [0, 0],
    ]);
    expect(variationalCompression(z, pi, zeroU)).toBe(0);
    // Head 0 (column 0) has all the mass: ½·(2/2)·log(1 + (1² + 0²)/2); head 1 contributes nothing.
    const u = tf.eye(2) as tf.Tensor2D;
    expect(variationalCompression(z, pi, u)).toBeCloseTo(0.5 * Math.log(1.5), 6);
    tf.dispose([z, zeroU, pi, u]);
  });

  it('rejects mismatched shapes, naming the argument', () => {
    const z = tf.ones([2, 5, 4]) as tf.Tensor3D;
    const u = tf.ones([4, 4]) as tf.Tensor2D;
    const piWrongSeq = tf.ones([2, 2, 6]) as tf.Tensor3D;
    const piWrongRank = tf.ones([2, 5]) as tf.Tensor2D;
    const piThreeHeads = tf.ones([2, 3, 5]) as tf.Tensor3D;
    expect(() => variationalCompression(z, piWrongSeq, u)).toThrow(
      /argument 'Π' must have shape \[batch, heads, n\] with n = 5/,
    );
    expect(() => variationalCompression(z, piWrongRank as unknown as tf.Tensor3D, u)).toThrow(
      /argument 'Π' must have shape/,
    );
    expect(() => variationalCompression(z, piThreeHeads, u)).toThrow(/multiple of heads = 3 columns/);
    expect(() =>
      variationalCompression(z, tf.ones([2, 2, 5]) as tf.Tensor3D, tf.ones([3, 4]) as tf.Tensor2D),
    ).toThrow(/argument 'U' must have 4 rows/);
    tf.dispose([z, u, piWrongSeq, piWrongRank, piThreeHeads]);
  });
});
