import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { denseTokens, headTokenMask, mergeHeads, splitHeads } from '@tost/attention';
import { initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors, maxRelativeError, testBackends } from '@tost/vitest-config';
import { CausalTSSA, causalTSSACore, causalTSSACoreReference, type CausalTSSACoreInputs } from './index.js';

const randn = (shape: number[], seed: number, std = 1) => tf.randomNormal(shape, 0, std, 'float32', seed);

/** Σ probeY·y + Σ probePi·Π: a loss that sends a different weight to every output element. */
function probeLoss(
  core: typeof causalTSSACore,
  inputs: CausalTSSACoreInputs,
  probeY: tf.Tensor,
  probePi: tf.Tensor,
): tf.Scalar {
  const { y, membership } = core(inputs);
  return tf.add(tf.sum(tf.mul(y, probeY)), tf.sum(tf.mul(membership, probePi))) as tf.Scalar;
}

for (const backend of testBackends()) {
  describe(`causalTSSACore custom gradient on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    for (const variant of ['no mask', 'padding mask', 'padding mask and gain dropout'] as const) {
      it(`matches autodiff of the reference implementation (${variant})`, () => {
        tf.tidy(() => {
          const [B, H, N, p] = [2, 3, 9, 4];
          const mask =
            variant === 'no mask'
              ? undefined
              : tf.tensor2d([
                  [0, 1, 1, 1, 1, 1, 1, 0, 0],
                  [1, 1, 1, 1, 1, 1, 1, 1, 0],
                ]);
          let w = randn([B, H, N, p], 1) as tf.Tensor4D;
          if (mask) w = tf.mul(w, headTokenMask(mask));
          const temperature = tf.add(randn([H, 1], 2, 0.5), 1) as tf.Tensor2D;
          const denominatorBias = randn([H, N, 1], 3, 0.5) as tf.Tensor3D;
          const gainScale =
            variant === 'padding mask and gain dropout'
              ? (tf.dropout(tf.ones([B, H, N, p]), 0.3, undefined, 4) as tf.Tensor4D)
              : undefined;
          const probeY = randn([B, H, N, p], 5);
          const probePi = randn([B, H, N, 1], 6);

          const custom = causalTSSACore({ w, temperature, denominatorBias, mask, gainScale });
          const reference = causalTSSACoreReference({ w, temperature, denominatorBias, mask, gainScale });
          expectClose(custom.y.dataSync(), reference.y.dataSync(), { rtol: 1e-5, atol: 1e-6, label: 'y' });
          expectClose(custom.membership.dataSync(), reference.membership.dataSync(), {
            rtol: 1e-5,
            atol: 1e-7,
            label: 'Π',
          });

          const gradsOf = (core: typeof causalTSSACore) =>
            tf.grads((wv: tf.Tensor, tv: tf.Tensor, bv: tf.Tensor) =>
              probeLoss(
                core,
                {
                  w: wv as tf.Tensor4D,
                  temperature: tv as tf.Tensor2D,
                  denominatorBias: bv as tf.Tensor3D,
                  mask,
                  gainScale,
                },
                probeY,
                probePi,
              ),
            )([w, temperature, denominatorBias]);
          const expected = gradsOf(causalTSSACoreReference);
          const actual = gradsOf(causalTSSACore);
          ['dw', 'dτ', 'dβ'].forEach((name, i) => {
            const err = maxRelativeError(actual[i]!.dataSync(), expected[i]!.dataSync());
            expect(err, `${name} relative error`).toBeLessThan(1e-4);
            expect(actual[i]!.shape).toEqual(expected[i]!.shape);
          });
        });
      });
    }

    it('matches autodiff of a reference layer for x and every weight (with and without padding)', () => {
      const [B, N, dim, heads, maxLength] = [2, 8, 12, 3, 11];
      const layer = new CausalTSSA({ dim, heads, maxLength, useBias: true });
      layer.build([null, null, dim]);
      const values = layer.getWeights().map((v, i) => randn(v.shape, 20 + i, 0.5));
      layer.setWeights(values);
      tf.dispose(values);
      const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
      const [qkvKernel, qkvBias, temperature, denominatorBias, outKernel, outBias] = vars;

      /** The layer's forward written independently from the spec with the reference core. */
      const referenceForward = (x: tf.Tensor3D, mask?: tf.Tensor2D) => {
        const [batch, seq] = x.shape;
        let w = splitHeads(denseTokens(x, qkvKernel as tf.Tensor2D, qkvBias as tf.Tensor1D), heads);
        if (mask) w = tf.mul(w, headTokenMask(mask));
        const { y, membership } = causalTSSACoreReference({
          w,
          temperature: temperature as tf.Tensor2D,
          denominatorBias: tf.slice(denominatorBias!, [0, 0, 0], [heads, seq, 1]) as tf.Tensor3D,
          mask,
        });
        const out = denseTokens(mergeHeads(y), outKernel as tf.Tensor2D, outBias as tf.Tensor1D);
        return { out, membership: tf.reshape(membership, [batch, heads, seq]) };
      };

      for (const masked of [false, true]) {
        tf.tidy(() => {
          const x = randn([B, N, dim], 30) as tf.Tensor3D;
          const mask = masked
            ? tf.tensor2d([
                [1, 1, 1, 1, 1, 0, 0, 0],
                [0, 0, 1, 1, 1, 1, 1, 1],
              ])
            : undefined;
          const probe = randn([B, N, dim], 31);
          const probePi = randn([B, heads, N], 32);
          const loss = (out: tf.Tensor, pi: tf.Tensor) =>
            tf.add(tf.sum(tf.mul(out, probe)), tf.sum(tf.mul(pi, probePi))) as tf.Scalar;
          const actual = tf.variableGrads(() => {
            const [out, pi] = layer.callAndReturnMembership(x, { mask });
            return loss(out, pi);
          }, vars);
          const expected = tf.variableGrads(() => {
            const { out, membership } = referenceForward(x, mask);
            return loss(out, membership);
          }, vars);
          expectClose(actual.value.dataSync(), expected.value.dataSync(), { rtol: 1e-5, label: 'loss' });
          for (const v of vars) {
            const err = maxRelativeError(
              actual.grads[v.name]!.dataSync(),
              expected.grads[v.name]!.dataSync(),
            );
            expect(err, `gradient of ${v.name} (mask: ${masked})`).toBeLessThan(1e-4);
          }
          // β rows past the sequence length get exactly zero gradient.
          const dBeta = actual.grads[denominatorBias!.name]!;
          expect(Array.from(tf.slice(dBeta, [0, N, 0], [heads, maxLength - N, 1]).dataSync())).toEqual(
            new Array(heads * (maxLength - N)).fill(0),
          );
          const dxActual = tf.grad((input: tf.Tensor) => {
            const [out, pi] = layer.callAndReturnMembership(input, { mask });
            return loss(out, pi);
          })(x);
          const dxExpected = tf.grad((input: tf.Tensor) => {
            const { out, membership } = referenceForward(input as tf.Tensor3D, mask);
            return loss(out, membership);
          })(x);
          expect(
            maxRelativeError(dxActual.dataSync(), dxExpected.dataSync()),
            `dx (mask: ${masked})`,
          ).toBeLessThan(1e-4);
        });
      }
      layer.weights.forEach((v) => v.dispose());
    });

    it('leaks no tensors in forward and backward, outside any tidy', async () => {
      const w = randn([1, 2, 5, 3], 40) as tf.Tensor4D;
      const temperature = tf.ones([2, 1]) as tf.Tensor2D;
      const denominatorBias = tf.zeros([2, 5, 1]) as tf.Tensor3D;
      const mask = tf.tensor2d([[1, 1, 1, 1, 0]]);
      causalTSSACore({ w, temperature, denominatorBias, mask }).y.dispose();
      await expectNoLeakedTensors(() => {
        const { y, membership } = causalTSSACore({ w, temperature, denominatorBias, mask });
        tf.dispose([y, membership]);
      }, 'forward');
      await expectNoLeakedTensors(() => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(
            causalTSSACore({
              w: a as tf.Tensor4D,
              temperature: b as tf.Tensor2D,
              denominatorBias: c as tf.Tensor3D,
              mask,
            }).y,
          ),
        )([w, temperature, denominatorBias]);
        tf.dispose(g);
      }, 'backward');
      tf.dispose([w, temperature, denominatorBias, mask]);
    });
  });
}

/**
 * The causal core in float64 plain JavaScript, straight from ToST, arXiv 2412.17810, returning Σ probeY·y + Σ probePi·Π.
 * Arrays are flat, row-major: w [B,H,N,p], tau [H], beta [H,N], mask [B,N].
 */
function float64Loss(
  dims: { B: number; H: number; N: number; p: number },
  w: Float64Array,
  tau: Float64Array,
  beta: Float64Array,
  mask: number[],
  probeY: Float32Array,
  probePi: Float32Array,
): number {
  const { B, H, N, p } = dims;
  const at = (b: number, k: number, t: number, j: number) => ((b * H + k) * N + t) * p + j;
  let loss = 0;
  for (let b = 0; b < B; b++) {
    const energy = new Float64Array(H * p);
    const piSquares = new Float64Array(H * p);
    const mass = new Float64Array(H);
    for (let t = 0; t < N; t++) {
      const logits: number[] = [];
      for (let k = 0; k < H; k++) {
        let q = 0;
        for (let j = 0; j < p; j++) {
          const v = w[at(b, k, t, j)]! * mask[b * N + t]!;
          energy[k * p + j]! += v * v;
          q += (v * v) / Math.max(energy[k * p + j]!, 1e-12) + beta[k * N + t]!;
        }
        logits.push(tau[k]! * q);
      }
      const top = Math.max(...logits);
      const z = logits.reduce((acc, l) => acc + Math.exp(l - top), 0);
      for (let k = 0; k < H; k++) {
        const pi = (Math.exp(logits[k]! - top) / z) * mask[b * N + t]!;
        mass[k]! += pi;
        loss += pi * probePi[(b * H + k) * N + t]!;
        for (let j = 0; j < p; j++) {
          const v = w[at(b, k, t, j)]! * mask[b * N + t]!;
          piSquares[k * p + j]! += pi * v * v;
          const s = piSquares[k * p + j]! / (mass[k]! + 1e-8);
          loss += (-pi * v * probeY[at(b, k, t, j)]!) / (1 + s);
        }
      }
    }
  }
  return loss;
}

describe('causalTSSACore custom gradient vs float64 finite differences', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('agrees on every element of dw, dτ and dβ (tiny size, with a padded token)', () => {
    const dims = { B: 2, H: 2, N: 4, p: 2 };
    const { B, H, N, p } = dims;
    const maskRows = [1, 1, 1, 0, 1, 1, 1, 1];
    const mask = tf.tensor2d(maskRows, [B, N]);
    const w = tf.mul(randn([B, H, N, p], 50), headTokenMask(mask)) as tf.Tensor4D;
    const temperature = tf.add(randn([H, 1], 51, 0.5), 1) as tf.Tensor2D;
    const denominatorBias = randn([H, N, 1], 52, 0.5) as tf.Tensor3D;
    const probeY = randn([B, H, N, p], 53);
    const probePi = randn([B, H, N, 1], 54);

    const [dw, dTau, dBeta] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      probeLoss(
        causalTSSACore,
        { w: a as tf.Tensor4D, temperature: b as tf.Tensor2D, denominatorBias: c as tf.Tensor3D, mask },
        probeY,
        probePi,
      ),
    )([w, temperature, denominatorBias]);

    const params = [w, temperature, denominatorBias].map((t) => Float64Array.from(t.dataSync()));
    const py = probeY.dataSync() as Float32Array;
    const ppi = probePi.dataSync() as Float32Array;
    const loss = () => float64Loss(dims, params[0]!, params[1]!, params[2]!, maskRows, py, ppi);
    const h = 1e-6;
    [dw!, dTau!, dBeta!].forEach((grad, which) => {
      const values = params[which]!;
      const numeric = Array.from(values, (_, i) => {
        const original = values[i]!;
        values[i] = original + h;
        const up = loss();
        values[i] = original - h;
        const down = loss();
        values[i] = original;
        return (up - down) / (2 * h);
      });
      const label = ['dw', 'dτ', 'dβ'][which]!;
      expect(maxRelativeError(grad.dataSync(), numeric), label).toBeLessThan(1e-4);
      expectClose(grad.dataSync(), numeric, { rtol: 1e-3, atol: 1e-4, label });
    });
    tf.dispose([mask, w, temperature, denominatorBias, probeY, probePi, dw!, dTau!, dBeta!]);
  });
});
