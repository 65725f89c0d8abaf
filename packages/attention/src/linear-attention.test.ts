import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors, maxRelativeError, testBackends } from '@tost/vitest-config';
// tfjs-layers registers tfjs-core's gradients (the core's node bundle does not).
import '@tensorflow/tfjs-layers';
import { causalLinearAttention, linearAttention, linearAttentionStep } from './linear-attention.js';

const randn = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

/**
 * The naive quadratic form, differentiated by autodiff: O = ((q·kᵀ) ⊙ W)·v with W[t, s] = w(t, s) for s ≤ t and 0
 * above the diagonal (causal), or all ones (non-causal).
 */
function naive(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  weights?: tf.Tensor, // [.., N, N] broadcastable, or undefined = all ones
): tf.Tensor4D {
  const scores = tf.matMul(q, k, false, true);
  return tf.matMul(weights ? tf.mul(scores, weights) : scores, v) as tf.Tensor4D;
}

function causalWeights(
  n: number,
  heads: number,
  mode: 'none' | 'decay' | 'logDecay',
  logDecay?: tf.Tensor3D,
) {
  const lower = tf.linalg.bandPart(tf.ones([n, n]), -1, 0);
  if (mode === 'none') return lower;
  if (mode === 'decay') {
    const t = tf.reshape(tf.range(0, n), [n, 1]);
    const s = tf.reshape(tf.range(0, n), [1, n]);
    const gap = tf.maximum(tf.sub(t, s), 0);
    const perHead = decayOf(heads).map((g) => tf.mul(tf.pow(g, gap), lower));
    return tf.reshape(tf.stack(perHead), [1, heads, n, n]);
  }
  const [b, h] = logDecay!.shape;
  const c = tf.reshape(logDecay!, [b, h, n, 1]);
  const diff = tf.sub(c, tf.reshape(logDecay!, [b, h, 1, n]));
  return tf.mul(tf.exp(tf.minimum(diff, 0)), lower);
}

const decayOf = (heads: number) => Array.from({ length: heads }, (_, k) => 1 - 2 ** (-1 - k));

/** A non-increasing cumulative log-decay with jumps (like a running max stabiliser, negated). */
function runningLogDecay(b: number, h: number, n: number, seed: number): tf.Tensor3D {
  return tf.tidy(() => tf.neg(tf.cumsum(tf.relu(randn([b, h, n], seed)), 2)) as tf.Tensor3D);
}

for (const backend of testBackends()) {
  describe(`linear attention cores on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('linearAttention equals q·(kᵀv) computed quadratically, values and gradients', async () => {
      await expectNoLeakedTensors(() => {
        tf.tidy(() => {
          const [q, k] = [randn([2, 3, 7, 4], 1), randn([2, 3, 7, 4], 2)] as tf.Tensor4D[];
          const v = randn([2, 3, 7, 5], 3) as tf.Tensor4D;
          const probe = randn([2, 3, 7, 5], 4);
          expectClose(linearAttention(q!, k!, v).dataSync(), naive(q!, k!, v).dataSync(), {
            rtol: 1e-4,
            atol: 1e-4,
          });
          const f = (fn: typeof linearAttention) =>
            tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
              tf.sum(tf.mul(fn(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D), probe)),
            )([q!, k!, v]);
          const ours = f(linearAttention);
          const theirs = f((a, b, c) => naive(a, b, c));
          ours.forEach((g, i) =>
            expect(maxRelativeError(g.dataSync(), theirs[i]!.dataSync()), `grad ${i}`).toBeLessThan(1e-5),
          );
        });
      }, 'linearAttention');
    });

    for (const mode of ['none', 'decay', 'logDecay'] as const) {
      for (const chunkSize of [1, 3, 4, 64]) {
        it(`causalLinearAttention (${mode}, chunk ${chunkSize}) equals the masked quadratic form, values and gradients`, async () => {
          await expectNoLeakedTensors(() => {
            tf.tidy(() => {
              const [b, h, n, f, d] = [2, 2, 10, 3, 4];
              const q = tf.mul(randn([b, h, n, f], 11), 0.5) as tf.Tensor4D;
              const k = tf.mul(randn([b, h, n, f], 12), 0.5) as tf.Tensor4D;
              const v = randn([b, h, n, d], 13) as tf.Tensor4D;
              const probe = randn([b, h, n, d], 14);
              const logDecay = mode === 'logDecay' ? runningLogDecay(b, h, n, 15) : undefined;
              const options = {
                chunkSize,
                ...(mode === 'decay' ? { decay: decayOf(h) } : {}),
                ...(logDecay ? { logDecay } : {}),
              };
              const weights = causalWeights(n, h, mode, logDecay);
              const ours = causalLinearAttention(q, k, v, options);
              expect(maxRelativeError(ours.dataSync(), naive(q, k, v, weights).dataSync())).toBeLessThan(
                1e-5,
              );
              const grads = (fn: (a: tf.Tensor4D, b: tf.Tensor4D, c: tf.Tensor4D) => tf.Tensor4D) =>
                tf.grads((a: tf.Tensor, b2: tf.Tensor, c: tf.Tensor) =>
                  tf.sum(tf.mul(fn(a as tf.Tensor4D, b2 as tf.Tensor4D, c as tf.Tensor4D), probe)),
                )([q, k, v]);
              const g1 = grads((a, b2, c) => causalLinearAttention(a, b2, c, options));
              const g2 = grads((a, b2, c) => naive(a, b2, c, weights));
              g1.forEach((g, i) =>
                expect(
                  maxRelativeError(g.dataSync(), g2[i]!.dataSync()),
                  `gradient of input ${i}`,
                ).toBeLessThan(1e-5),
              );
            });
          }, `causal ${mode} chunk ${chunkSize}`);
        });
      }
    }

    it('causalLinearAttention is exact for any later value: NaN, ±Infinity or 1e12 after t leave outputs ≤ t unchanged', () => {
      tf.tidy(() => {
        const [b, h, n, f] = [1, 2, 9, 3];
        const q = randn([b, h, n, f], 21) as tf.Tensor4D;
        const k = randn([b, h, n, f], 22) as tf.Tensor4D;
        const v = randn([b, h, n, f], 23) as tf.Tensor4D;
        const logDecay = runningLogDecay(b, h, n, 24);
        const t = 4;
        const keep = tf.reshape(tf.less(tf.range(0, n), t + 1), [1, 1, n, 1]);
        for (const options of [
          { chunkSize: 3 },
          { chunkSize: 4, decay: decayOf(h) },
          { chunkSize: 2, logDecay },
        ]) {
          const y = tf
            .slice(causalLinearAttention(q, k, v, options), [0, 0, 0, 0], [b, h, t + 1, f])
            .dataSync();
          for (const poison of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e12]) {
            const bad = (x: tf.Tensor4D) =>
              tf.where(tf.broadcastTo(keep, x.shape), x, tf.fill(x.shape, poison)) as tf.Tensor4D;
            const badDecay = options.logDecay
              ? {
                  logDecay: tf.where(
                    tf.reshape(keep, [1, 1, n]),
                    logDecay,
                    tf.fill(logDecay.shape, poison),
                  ) as tf.Tensor3D,
                }
              : {};
            const y2 = causalLinearAttention(bad(q), bad(k), bad(v), { ...options, ...badDecay });
            const head = tf.slice(y2, [0, 0, 0, 0], [b, h, t + 1, f]).dataSync();
            expect(Array.from(head).every(Number.isFinite), `finite with ${poison}`).toBe(true);
            expectClose(head, y, { atol: 1e-6, rtol: 1e-6, label: `outputs ≤ ${t} with ${poison} later` });
          }
        }
      });
    });

    it('linearAttentionStep over tokens 0…t equals causalLinearAttention (no decay, per-head decay, per-token decay)', async () => {
      await expectNoLeakedTensors(() => {
        tf.tidy(() => {
          const [b, h, n, f, d] = [2, 3, 7, 4, 5];
          const q = randn([b, h, n, f], 31) as tf.Tensor4D;
          const k = randn([b, h, n, f], 32) as tf.Tensor4D;
          const v = randn([b, h, n, d], 33) as tf.Tensor4D;
          const logDecay = runningLogDecay(b, h, n, 34);
          const token = (t: tf.Tensor4D, i: number) =>
            tf.reshape(tf.slice(t, [0, 0, i, 0], [b, h, 1, t.shape[3]]), [b, h, t.shape[3]]) as tf.Tensor3D;
          for (const mode of ['none', 'decay', 'logDecay'] as const) {
            const full = causalLinearAttention(q, k, v, {
              chunkSize: 3,
              ...(mode === 'decay' ? { decay: decayOf(h) } : mode === 'logDecay' ? { logDecay } : {}),
            });
            let state = tf.zeros([b, h, f, d]) as tf.Tensor4D;
            const outs: tf.Tensor[] = [];
            for (let i = 0; i < n; i++) {
              const lambda =
                mode === 'decay'
                  ? decayOf(h)
                  : mode === 'logDecay' && i > 0
                    ? (tf.reshape(
                        tf.exp(
                          tf.sub(
                            tf.slice(logDecay, [0, 0, i], [b, h, 1]),
                            tf.slice(logDecay, [0, 0, i - 1], [b, h, 1]),
                          ),
                        ),
                        [b, h],
                      ) as tf.Tensor2D)
                    : undefined;
              const r = linearAttentionStep(state, token(q, i), token(k, i), token(v, i), lambda);
              state = r.state;
              outs.push(r.output);
            }
            expect(maxRelativeError(tf.stack(outs, 2).dataSync(), full.dataSync()), mode).toBeLessThan(1e-5);
          }
        });
      }, 'linearAttentionStep');
    });

    it('rejects bad arguments with errors naming them', () => {
      tf.tidy(() => {
        const q = tf.zeros([1, 2, 5, 3]) as tf.Tensor4D;
        const v = tf.zeros([1, 2, 5, 4]) as tf.Tensor4D;
        expect(() => causalLinearAttention(q, q, v, { chunkSize: 0 })).toThrow(
          /'chunkSize' must be a positive integer, got 0/,
        );
        expect(() => causalLinearAttention(q, q, v, { decay: [0.5] })).toThrow(
          /'decay' must hold one γ in \(0, 1\] per head \(2\)/,
        );
        expect(() =>
          causalLinearAttention(q, q, v, { logDecay: tf.zeros([1, 2, 4]) as tf.Tensor3D }),
        ).toThrow(/'logDecay' must have shape \[1, 2, 5\], got \[1,2,4\]/);
        expect(() => linearAttention(q, tf.zeros([1, 2, 6, 3]) as tf.Tensor4D, v)).toThrow(
          /linearAttention: 'k'/,
        );
      });
    });
  });
}
