import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { denseTokens, headTokenMask, mergeHeads, splitHeads } from '@tost/attention';
import { initBackend } from '@tost/backend';
import { expectTensorsClose } from '@tost/attention/testing';
import { expectClose, expectNoLeakedTensors, maxRelativeError, testBackends } from '@tost/vitest-config';
import { TSSA, tssaCore, tssaCoreReference, tssaCoreWithMembership, type TssaCoreOptions } from './index.js';

/** Float32 agreement expected between the custom gradient and autodiff of the reference (same maths, other order). */
const GRADIENT_TOLERANCE = { rtol: 2e-3, atol: 2e-5 };

const randn = (shape: number[], seed: number, std = 1) => tf.randomNormal(shape, 0, std, 'float32', seed);

/** The TSSA layer's forward pass written out with the READABLE core (autodiff everywhere). */
function referenceLayer(
  x: tf.Tensor3D,
  weights: tf.Tensor[],
  heads: number,
  mask?: tf.Tensor2D,
): tf.Tensor3D {
  const [qkvKernel, qkvBias, temperature, outKernel, outBias] = weights;
  let w = splitHeads(denseTokens(x, qkvKernel as tf.Tensor2D, qkvBias as tf.Tensor1D), heads);
  if (mask) w = tf.mul(w, headTokenMask(mask));
  const { output } = tssaCoreReference(w, temperature as tf.Tensor2D, { mask });
  return denseTokens(mergeHeads(output), outKernel as tf.Tensor2D, outBias as tf.Tensor1D);
}

/** A built TSSA layer with random weights (temperature random too, so its gradient is exercised away from 1). */
function randomLayer(dim: number, heads: number, seed: number): TSSA {
  const layer = new TSSA({ dim, heads });
  layer.build([null, null, dim]);
  const values = layer.getWeights().map((w, i) => tf.tidy(() => tf.mul(randn(w.shape, seed + i), 0.5)));
  layer.setWeights(values);
  tf.dispose(values);
  return layer;
}

/** Masked random heads w [B, H, N, p] (zero at padded tokens, as the core requires). */
function maskedHeads(shape: [number, number, number, number], seed: number, mask?: tf.Tensor2D): tf.Tensor4D {
  const w = randn(shape, seed) as tf.Tensor4D;
  return mask ? (tf.mul(w, headTokenMask(mask)) as tf.Tensor4D) : w;
}

for (const backend of testBackends()) {
  describe(`TSSA core on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    const padding = (batch: number, seq: number, padded: number[][]) =>
      tf.tensor2d(
        [...Array(batch * seq)].map((_, i) => (padded[Math.floor(i / seq)]!.includes(i % seq) ? 0 : 1)),
        [batch, seq],
      );

    /**
     * Core inputs [2, 4, 10, 3] and loss probes from seeds `seed` … `seed + 4`; `masked`: padded tokens (0 and 9 of
     * sample 0, 5 of sample 1) and a dropout-like gain scale.
     */
    const coreCase = (masked: boolean, seed: number) => {
      const mask = masked ? padding(2, 10, [[0, 9], [5]]) : undefined;
      return {
        mask,
        w: maskedHeads([2, 4, 10, 3], seed, mask),
        temperature: tf.add(randn([4, 1], seed + 1, 0.5), 1) as tf.Tensor2D,
        gainScale: masked
          ? (tf.mul(tf.cast(tf.greater(randn([2, 4, 1, 3], seed + 2), -0.6), 'float32'), 1.5) as tf.Tensor4D)
          : undefined,
        probeY: randn([2, 4, 10, 3], seed + 3),
        probePi: randn([2, 4, 10], seed + 4),
      };
    };

    it('the custom-gradient core computes the same y and Π as the reference', () => {
      tf.tidy(() => {
        const mask = padding(2, 9, [[7, 8], []]);
        const w = maskedHeads([2, 3, 9, 4], 1, mask);
        const temperature = randn([3, 1], 2) as tf.Tensor2D;
        const gainScale = tf.mul(
          tf.cast(tf.greater(randn([2, 3, 1, 4], 3), -0.5), 'float32'),
          1.4,
        ) as tf.Tensor4D;
        for (const options of [{}, { mask }, { mask, gainScale }] as TssaCoreOptions[]) {
          const expected = tssaCoreReference(w, temperature, options);
          const fast = tssaCoreWithMembership(w, temperature, options);
          expectTensorsClose(
            {
              y: [fast.output, expected.output],
              'tssaCore y': [tssaCore(w, temperature, options), expected.output],
            },
            { rtol: 1e-5, atol: 1e-6 },
          );
          expectTensorsClose({ Π: [fast.membership, expected.membership] }, { rtol: 1e-5, atol: 1e-7 });
        }
      });
    });

    // The token sums run as an average pool over the whole token axis: check its edge cases, a single token (a 1×1
    // window) and a long sequence (a window of thousands of rows), against the reference.
    for (const seq of [1, 3000]) {
      it(`the core matches the reference for ${seq} token(s) per sample`, () => {
        tf.tidy(() => {
          const w = randn([2, 2, seq, 4], 11) as tf.Tensor4D;
          const temperature = randn([2, 1], 12) as tf.Tensor2D;
          expectClose(
            tssaCore(w, temperature).dataSync(),
            tssaCoreReference(w, temperature).output.dataSync(),
            {
              rtol: 1e-4,
              atol: 1e-6,
              label: `y (N = ${seq})`,
            },
          );
        });
      });
    }

    for (const masked of [false, true]) {
      it(`the tokens-first layout gives the same outputs, Π and gradients${masked ? ' (padding, dropout)' : ''}`, () => {
        tf.tidy(() => {
          const { mask, w, temperature, gainScale: gain, probeY, probePi } = coreCase(masked, 31);
          const toTokensFirst = (t: tf.Tensor) => tf.transpose(t, [0, 2, 1, 3]) as tf.Tensor4D;
          const loss = (tokensFirst: boolean) => (wIn: tf.Tensor, tIn: tf.Tensor) => {
            const { output, membership } = tssaCoreWithMembership(
              (tokensFirst ? toTokensFirst(wIn) : wIn) as tf.Tensor4D,
              tIn as tf.Tensor2D,
              tokensFirst
                ? { mask, gainScale: gain && toTokensFirst(gain), layout: 'tokens-first' }
                : { mask, gainScale: gain },
            );
            const y = tokensFirst ? toTokensFirst(output) : output;
            return tf.add(tf.sum(tf.mul(y, probeY)), tf.sum(tf.mul(membership, probePi))) as tf.Scalar;
          };
          const headsFirst = tssaCoreWithMembership(w, temperature, { mask, gainScale: gain });
          const tokensFirst = tssaCoreWithMembership(toTokensFirst(w), temperature, {
            mask,
            gainScale: gain && toTokensFirst(gain),
            layout: 'tokens-first',
          });
          expectTensorsClose(
            {
              y: [toTokensFirst(tokensFirst.output), headsFirst.output],
              Π: [tokensFirst.membership, headsFirst.membership],
            },
            { rtol: 1e-6, atol: 1e-7 },
          );
          const [a, b] = [tf.grads(loss(false))([w, temperature]), tf.grads(loss(true))([w, temperature])];
          ['dw', 'dτ'].forEach((label, i) =>
            expectClose(b[i]!.dataSync(), a[i]!.dataSync(), { rtol: 1e-5, atol: 1e-6, label }),
          );
        });
      });
    }

    for (const masked of [false, true]) {
      it(`core gradients (w, τ) match autodiff of the reference${masked ? ', with padding and dropout' : ''}`, () => {
        tf.tidy(() => {
          const { mask, w, temperature, gainScale, probeY, probePi } = coreCase(masked, 10);
          const options = { mask, gainScale };
          const lossOf = (core: typeof tssaCoreReference) => (wIn: tf.Tensor, tIn: tf.Tensor) => {
            const { output, membership } = core(wIn as tf.Tensor4D, tIn as tf.Tensor2D, options);
            return tf.add(tf.sum(tf.mul(output, probeY)), tf.sum(tf.mul(membership, probePi))) as tf.Scalar;
          };
          const expected = tf.grads(lossOf(tssaCoreReference))([w, temperature]);
          const actual = tf.grads(lossOf(tssaCoreWithMembership))([w, temperature]);
          const outputOnly = tf.grads((wIn: tf.Tensor, tIn: tf.Tensor) =>
            tf.sum(tf.mul(tssaCore(wIn as tf.Tensor4D, tIn as tf.Tensor2D, options), probeY)),
          )([w, temperature]);
          const outputOnlyExpected = tf.grads((wIn: tf.Tensor, tIn: tf.Tensor) =>
            tf.sum(tf.mul(tssaCoreReference(wIn as tf.Tensor4D, tIn as tf.Tensor2D, options).output, probeY)),
          )([w, temperature]);
          ['dw', 'dτ'].forEach((label, i) => {
            expectClose(actual[i]!.dataSync(), expected[i]!.dataSync(), { ...GRADIENT_TOLERANCE, label });
            expectClose(outputOnly[i]!.dataSync(), outputOnlyExpected[i]!.dataSync(), {
              ...GRADIENT_TOLERANCE,
              label: `${label} (y only)`,
            });
          });
          if (mask) {
            // Padded tokens (zero w, zero Π) receive no gradient.
            const dwPadded = tf.mul(actual[0]!, tf.sub(1, headTokenMask(mask)));
            expect(tf.max(tf.abs(dwPadded)).dataSync()[0]).toBe(0);
          }
        });
      });

      it(`layer gradients (x and every weight) match autodiff of the reference${masked ? ', with padding' : ''}`, () => {
        const [batch, seq, dim, heads] = [2, 8, 12, 3];
        const layer = randomLayer(dim, heads, 100);
        tf.tidy(() => {
          const mask = masked ? padding(batch, seq, [[6, 7], [0]]) : undefined;
          const x = randn([batch, seq, dim], 21) as tf.Tensor3D;
          const probe = randn([batch, seq, dim], 22);
          const weights = layer.getWeights();
          const expected = tf.grads((xIn: tf.Tensor, ...ws: tf.Tensor[]) =>
            tf.sum(tf.mul(referenceLayer(xIn as tf.Tensor3D, ws, heads, mask), probe)),
          )([x, ...weights]);
          // The layer's own output equals the reference pipeline's, so the comparison below is like for like.
          expectClose(
            (layer.apply(x, { mask }) as tf.Tensor).dataSync(),
            referenceLayer(x, weights, heads, mask).dataSync(),
            {
              rtol: 1e-5,
              atol: 1e-6,
              label: 'layer vs reference pipeline',
            },
          );
          const loss = () => tf.sum(tf.mul(layer.apply(x, { mask }) as tf.Tensor, probe)) as tf.Scalar;
          const dx = tf.grad((xIn: tf.Tensor) =>
            tf.sum(tf.mul(layer.apply(xIn, { mask }) as tf.Tensor, probe)),
          )(x);
          expectClose(dx.dataSync(), expected[0]!.dataSync(), { ...GRADIENT_TOLERANCE, label: 'dx' });
          const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
          const { grads } = tf.variableGrads(loss, vars);
          layer.trainableWeights.forEach((w, i) => {
            const g = grads[(w.read() as tf.Variable).name]!;
            expectClose(g.dataSync(), expected[i + 1]!.dataSync(), {
              ...GRADIENT_TOLERANCE,
              label: `d ${w.originalName}`,
            });
          });
          if (mask) {
            const paddedDx = tf.mul(dx, tf.expandDims(tf.sub(1, mask), 2));
            expect(tf.max(tf.abs(paddedDx)).dataSync()[0]).toBe(0);
          }
        });
        // (the layer is never applied symbolically, so tfjs cannot dispose it; its weights live until the process ends)
      });
    }

    it('layer gradients agree with central finite differences (B=1, N=3, C=4, H=2)', () => {
      const layer = randomLayer(4, 2, 200);
      tf.tidy(() => {
        const x = randn([1, 3, 4], 31);
        const probe = randn([1, 3, 4], 32);
        const lossAt = (xIn: tf.Tensor) => tf.sum(tf.mul(layer.apply(xIn) as tf.Tensor, probe));
        const dx = tf.grad(lossAt)(x).dataSync();
        const temperature = layer.trainableWeights[2]!.read() as tf.Variable;
        expect(temperature.shape).toEqual([2, 1]);
        const { grads } = tf.variableGrads(() => lossAt(x) as tf.Scalar, [temperature]);
        const dTemperature = grads[temperature.name]!.dataSync();
        const step = 1e-2;
        const xValues = x.dataSync();
        const lossWithX = (index: number, delta: number) => {
          const shifted = Float32Array.from(xValues);
          shifted[index]! += delta;
          return lossAt(tf.tensor(shifted, x.shape)).dataSync()[0]!;
        };
        for (const index of [0, 5, 11]) {
          const numeric = (lossWithX(index, step) - lossWithX(index, -step)) / (2 * step);
          expectClose([dx[index]!], [numeric], { rtol: 1e-2, atol: 1e-3, label: `dL/dx[${index}]` });
        }
        const original = Float32Array.from(temperature.dataSync());
        for (const k of [0, 1]) {
          const lossWithTemperature = (delta: number) => {
            const shifted = Float32Array.from(original);
            shifted[k]! += delta;
            temperature.assign(tf.tensor(shifted, [2, 1]));
            return lossAt(x).dataSync()[0]!;
          };
          const numeric = (lossWithTemperature(step) - lossWithTemperature(-step)) / (2 * step);
          temperature.assign(tf.tensor(original, [2, 1]));
          expectClose([dTemperature[k]!], [numeric], { rtol: 1e-2, atol: 1e-3, label: `dL/dτ[${k}]` });
        }
      });
      // (the layer is never applied symbolically, so tfjs cannot dispose it; its weights live until the process ends)
    });

    it('a fully padded sample gives finite zero outputs and gradients', () => {
      tf.tidy(() => {
        const mask = tf.tensor2d([
          [0, 0, 0],
          [1, 1, 0],
        ]);
        const w = maskedHeads([2, 2, 3, 2], 40, mask);
        const temperature = tf.ones([2, 1]) as tf.Tensor2D;
        const [dw, dt] = tf.grads((wIn: tf.Tensor, tIn: tf.Tensor) =>
          tf.sum(tssaCore(wIn as tf.Tensor4D, tIn as tf.Tensor2D, { mask })),
        )([w, temperature]);
        const y = tssaCore(w, temperature, { mask });
        for (const t of [y, dw!, dt!]) expect(Array.from(t.dataSync()).every(Number.isFinite)).toBe(true);
        expect(tf.max(tf.abs(tf.slice(y, [0, 0, 0, 0], [1, 2, 3, 2]))).dataSync()[0]).toBe(0);
        const reference = tf.grads((wIn: tf.Tensor, tIn: tf.Tensor) =>
          tf.sum(tssaCoreReference(wIn as tf.Tensor4D, tIn as tf.Tensor2D, { mask }).output),
        )([w, temperature]);
        expect(maxRelativeError(dw!.dataSync(), reference[0]!.dataSync())).toBeLessThan(1e-4);
      });
    });

    it('the core leaks no tensors in forward and backward', async () => {
      const mask = padding(1, 6, [[5]]);
      const w = maskedHeads([1, 2, 6, 3], 50, mask);
      const temperature = tf.ones([2, 1]) as tf.Tensor2D;
      tssaCore(w, temperature).dispose(); // warm-up
      await expectNoLeakedTensors(() => tssaCore(w, temperature, { mask }).dispose(), 'forward');
      await expectNoLeakedTensors(() => {
        const grads = tf.grads((wIn: tf.Tensor, tIn: tf.Tensor) =>
          tf.sum(tssaCore(wIn as tf.Tensor4D, tIn as tf.Tensor2D, { mask })),
        )([w, temperature]);
        tf.dispose(grads);
      }, 'backward');
      await expectNoLeakedTensors(() => {
        const grads = tf.grads((wIn: tf.Tensor, tIn: tf.Tensor) => {
          const { output, membership } = tssaCoreWithMembership(wIn as tf.Tensor4D, tIn as tf.Tensor2D, {
            mask,
          });
          return tf.add(tf.sum(output), tf.sum(membership));
        })([w, temperature]);
        tf.dispose(grads);
      }, 'backward with membership');
      tf.dispose([mask, w, temperature]);
    });
  });
}

describe('TSSA core input checks', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('rejects bad shapes with errors naming the function, the argument and the shapes', () => {
    tf.tidy(() => {
      const w = tf.ones([2, 3, 5, 4]) as tf.Tensor4D;
      const t = tf.ones([3, 1]) as tf.Tensor2D;
      for (const core of [tssaCore, tssaCoreWithMembership, tssaCoreReference]) {
        expect(() => core(tf.ones([3, 5, 4]) as never, t)).toThrow(
          /: argument 'w' must have rank 4 \[batch, heads, seq, p\], got shape \[3, 5, 4\]/,
        );
        expect(() => core(w, tf.ones([3]) as never)).toThrow(
          /argument 'temperature' must have shape \[heads, 1\] = \[3, 1\], got \[3\]/,
        );
        expect(() => core(w, t, { mask: tf.ones([2, 4]) as tf.Tensor2D })).toThrow(
          /option 'mask' must have shape \[batch, seq\] = \[2, 5\], got \[2, 4\]/,
        );
        expect(() => core(w, t, { gainScale: tf.ones([2, 3, 5, 4]) as tf.Tensor4D })).toThrow(
          /option 'gainScale' must have shape \[batch, heads, 1, p\] = \[2, 3, 1, 4\], got \[2, 3, 5, 4\]/,
        );
      }
      expect(() => tssaCore(tf.ones([1, 1, 2, 2], 'int32') as tf.Tensor4D, tf.ones([1, 1]))).toThrow(
        /tssaCore: argument 'w' must be float32, got int32/,
      );
    });
  });
});
