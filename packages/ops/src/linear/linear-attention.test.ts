import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { countWasmBuffers, initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors, maxRelativeError, testBackends } from '@tost/vitest-config';
// tfjs-layers registers tfjs-core's gradients (the core's node bundle does not).
import '@tensorflow/tfjs-layers';
import { chunkLinearAttention } from './chunk.js';
import { nonCausalLinearAttention } from './non-causal.js';
import { recurrentLinearAttentionStep } from './recurrent.js';
import { naiveLinearAttention } from './naive.js';

const randn = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** Random q, k [b, h, n, f] and v [b, h, n, d] from seeds `seed`, `seed` + 1 and `seed` + 2. */
function randomQkv([b, h, n, f, d]: number[], seed: number) {
  return {
    q: randn([b!, h!, n!, f!], seed) as tf.Tensor4D,
    k: randn([b!, h!, n!, f!], seed + 1) as tf.Tensor4D,
    v: randn([b!, h!, n!, d!], seed + 2) as tf.Tensor4D,
  };
}

/** Token i of t [b, h, n, x] as [b, h, x]. */
function tokenAt(t: tf.Tensor4D, i: number): tf.Tensor3D {
  const [b, h, , x] = t.shape;
  return tf.reshape(tf.slice(t, [0, 0, i, 0], [b, h, 1, x]), [b, h, x]) as tf.Tensor3D;
}

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

    it('nonCausalLinearAttention equals q·(kᵀv) computed quadratically, values and gradients', async () => {
      await expectNoLeakedTensors(() => {
        tf.tidy(() => {
          const [q, k] = [randn([2, 3, 7, 4], 1), randn([2, 3, 7, 4], 2)] as tf.Tensor4D[];
          const v = randn([2, 3, 7, 5], 3) as tf.Tensor4D;
          const probe = randn([2, 3, 7, 5], 4);
          expectClose(nonCausalLinearAttention(q!, k!, v).dataSync(), naive(q!, k!, v).dataSync(), {
            rtol: 1e-4,
            atol: 1e-4,
          });
          const f = (fn: typeof nonCausalLinearAttention) =>
            tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
              tf.sum(tf.mul(fn(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D), probe)),
            )([q!, k!, v]);
          const ours = f(nonCausalLinearAttention);
          const theirs = f((a, b, c) => naive(a, b, c));
          ours.forEach((g, i) =>
            expect(maxRelativeError(g.dataSync(), theirs[i]!.dataSync()), `grad ${i}`).toBeLessThan(1e-5),
          );
        });
      }, 'nonCausalLinearAttention');
    });

    for (const mode of ['none', 'decay', 'logDecay'] as const) {
      for (const chunkSize of [1, 3, 4, 64]) {
        it(`chunkLinearAttention (${mode}, chunk ${chunkSize}) equals the masked quadratic form, values and gradients`, async () => {
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
              const ours = chunkLinearAttention(q, k, v, options);
              expect(maxRelativeError(ours.dataSync(), naive(q, k, v, weights).dataSync())).toBeLessThan(
                1e-5,
              );
              const grads = (fn: (a: tf.Tensor4D, b: tf.Tensor4D, c: tf.Tensor4D) => tf.Tensor4D) =>
                tf.grads((a: tf.Tensor, b2: tf.Tensor, c: tf.Tensor) =>
                  tf.sum(tf.mul(fn(a as tf.Tensor4D, b2 as tf.Tensor4D, c as tf.Tensor4D), probe)),
                )([q, k, v]);
              const g1 = grads((a, b2, c) => chunkLinearAttention(a, b2, c, options));
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

    it('chunkLinearAttention is exact for any later value: NaN, ±Infinity or 1e12 after t leave outputs ≤ t unchanged', () => {
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
            .slice(chunkLinearAttention(q, k, v, options), [0, 0, 0, 0], [b, h, t + 1, f])
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
            const y2 = chunkLinearAttention(bad(q), bad(k), bad(v), { ...options, ...badDecay });
            const head = tf.slice(y2, [0, 0, 0, 0], [b, h, t + 1, f]).dataSync();
            expect(Array.from(head).every(Number.isFinite), `finite with ${poison}`).toBe(true);
            expectClose(head, y, { atol: 1e-6, rtol: 1e-6, label: `outputs ≤ ${t} with ${poison} later` });
          }
        }
      });
    });

    it('recurrentLinearAttentionStep over tokens 0…t equals chunkLinearAttention (no decay, per-head decay, per-token decay)', async () => {
      await expectNoLeakedTensors(() => {
        tf.tidy(() => {
          const [b, h, n, f, d] = [2, 3, 7, 4, 5];
          const { q, k, v } = randomQkv([b, h, n, f, d], 31);
          const logDecay = runningLogDecay(b, h, n, 34);
          for (const mode of ['none', 'decay', 'logDecay'] as const) {
            const full = chunkLinearAttention(q, k, v, {
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
              const r = recurrentLinearAttentionStep(
                state,
                tokenAt(q, i),
                tokenAt(k, i),
                tokenAt(v, i),
                lambda,
              );
              state = r.state;
              outs.push(r.output);
            }
            expect(maxRelativeError(tf.stack(outs, 2).dataSync(), full.dataSync()), mode).toBeLessThan(1e-5);
          }
        });
      }, 'recurrentLinearAttentionStep');
    });

    for (const mode of ['none', 'decay', 'logDecay'] as const) {
      it(`chunkLinearAttention (${mode}) in two calls with the carried state equals one call, values and gradients`, async () => {
        await expectNoLeakedTensors(() => {
          tf.tidy(() => {
            // Split at 7 of 17 tokens with chunks of 4: both calls end in a padded chunk.
            const [b, h, n, f, d, split] = [2, 2, 17, 3, 4, 7];
            const q = tf.mul(randn([b, h, n, f], 41), 0.5) as tf.Tensor4D;
            const k = tf.mul(randn([b, h, n, f], 42), 0.5) as tf.Tensor4D;
            const v = randn([b, h, n, d], 43) as tf.Tensor4D;
            const probe = randn([b, h, n, d], 44);
            const stateProbe = randn([b, h, f, d], 45);
            // Per-token log gates; each call's log-decay is their cumulative sum restarted at the call.
            const gates = tf.neg(tf.relu(randn([b, h, n], 46))) as tf.Tensor3D;
            const part = (t: tf.Tensor, from: number, size: number) => {
              const begin = t.shape.map((_, i) => (i === 2 ? from : 0));
              const shape = t.shape.map((s, i) => (i === 2 ? size : s));
              return tf.slice(t, begin, shape);
            };
            const optionsFor = (from: number, size: number) => ({
              chunkSize: 4,
              ...(mode === 'decay' ? { decay: decayOf(h) } : {}),
              ...(mode === 'logDecay'
                ? { logDecay: tf.cumsum(part(gates, from, size), 2) as tf.Tensor3D }
                : {}),
            });
            const loss = (out: tf.Tensor, state: tf.Tensor) =>
              tf.add(tf.sum(tf.mul(out, probe)), tf.sum(tf.mul(state, stateProbe)));
            const once = (a: tf.Tensor, b2: tf.Tensor, c: tf.Tensor) => {
              const r = chunkLinearAttention(a as tf.Tensor4D, b2 as tf.Tensor4D, c as tf.Tensor4D, {
                ...optionsFor(0, n),
                returnState: true,
              });
              return loss(r.output, r.finalState);
            };
            const twice = (a: tf.Tensor, b2: tf.Tensor, c: tf.Tensor) => {
              const pieces = (from: number, size: number) =>
                [a, b2, c].map((t) => part(t, from, size) as tf.Tensor4D) as [
                  tf.Tensor4D,
                  tf.Tensor4D,
                  tf.Tensor4D,
                ];
              const r1 = chunkLinearAttention(...pieces(0, split), {
                ...optionsFor(0, split),
                returnState: true,
              });
              const r2 = chunkLinearAttention(...pieces(split, n - split), {
                ...optionsFor(split, n - split),
                initialState: r1.finalState,
                returnState: true,
              });
              return loss(tf.concat([r1.output, r2.output], 2), r2.finalState);
            };
            expect(
              maxRelativeError(tf.stack([twice(q, k, v)]).dataSync(), tf.stack([once(q, k, v)]).dataSync()),
            ).toBeLessThan(1e-5);
            // Outputs and final state against the quadratic form (final state = the naive state of all tokens).
            const whole = chunkLinearAttention(q, k, v, { ...optionsFor(0, n), returnState: true });
            const reference = naiveLinearAttention(q, k, v, optionsFor(0, n));
            expect(maxRelativeError(whole.output.dataSync(), reference.dataSync()), 'output').toBeLessThan(
              1e-5,
            );
            const g1 = tf.grads(twice)([q, k, v]);
            const g2 = tf.grads(once)([q, k, v]);
            g1.forEach((g, i) =>
              expect(
                maxRelativeError(g.dataSync(), g2[i]!.dataSync()),
                `gradient of input ${i}`,
              ).toBeLessThan(1e-5),
            );
          });
        }, `carried state ${mode}`);
      });
    }

    it('the final state equals the recurrence after the last token, and an initial state adds q̂·S₀ (naive form)', async () => {
      await expectNoLeakedTensors(() => {
        tf.tidy(() => {
          const [b, h, n, f, d] = [1, 2, 6, 3, 2];
          const { q, k, v } = randomQkv([b, h, n, f, d], 51);
          const s0 = randn([b, h, f, d], 54) as tf.Tensor4D;
          const decay = decayOf(h);
          let state = s0;
          const outs: tf.Tensor[] = [];
          for (let i = 0; i < n; i++) {
            const r = recurrentLinearAttentionStep(state, tokenAt(q, i), tokenAt(k, i), tokenAt(v, i), decay);
            state = r.state;
            outs.push(r.output);
          }
          const r = chunkLinearAttention(q, k, v, {
            chunkSize: 4,
            decay,
            initialState: s0,
            returnState: true,
          });
          expect(maxRelativeError(r.output.dataSync(), tf.stack(outs, 2).dataSync()), 'output').toBeLessThan(
            1e-5,
          );
          expect(maxRelativeError(r.finalState.dataSync(), state.dataSync()), 'state').toBeLessThan(1e-5);
          const naive = naiveLinearAttention(q, k, v, { decay, initialState: s0 });
          expect(maxRelativeError(naive.dataSync(), tf.stack(outs, 2).dataSync()), 'naive').toBeLessThan(
            1e-5,
          );
        });
      }, 'final state');
    });

    it('rejects bad arguments with errors naming them', () => {
      tf.tidy(() => {
        const q = tf.zeros([1, 2, 5, 3]) as tf.Tensor4D;
        const v = tf.zeros([1, 2, 5, 4]) as tf.Tensor4D;
        expect(() => chunkLinearAttention(q, q, v, { chunkSize: 0 })).toThrow(
          /'chunkSize' must be a positive integer, got 0/,
        );
        expect(() => chunkLinearAttention(q, q, v, { decay: [0.5] })).toThrow(
          /'decay' must hold one γ in \(0, 1\] per head \(2\)/,
        );
        expect(() => chunkLinearAttention(q, q, v, { decay: 0.9 as unknown as number[] })).toThrow(
          "option 'decay' must hold one γ in (0, 1] per head (2), got 0.9",
        );
        const state = tf.zeros([1, 2, 3, 4]) as tf.Tensor4D;
        const qt = tf.zeros([1, 2, 3]) as tf.Tensor3D;
        const vt = tf.zeros([1, 2, 4]) as tf.Tensor3D;
        expect(() => recurrentLinearAttentionStep(state, qt, qt, vt, [0.9])).toThrow(
          "recurrentLinearAttentionStep: 'decay' must be one λ per head (2 numbers) or a [batch, heads] = [1, 2] tensor, got [0.9]",
        );
        expect(() => recurrentLinearAttentionStep(state, qt, qt, vt, 0.9 as unknown as number[])).toThrow(
          /got 0\.9$/,
        );
        expect(() => recurrentLinearAttentionStep(state, qt, qt, vt, tf.ones([2, 2]) as tf.Tensor2D)).toThrow(
          /got a tensor of shape \[2, 2\]$/,
        );
        expect(() => chunkLinearAttention(q, q, v, { logDecay: tf.zeros([1, 2, 4]) as tf.Tensor3D })).toThrow(
          /'logDecay' must have shape \[1, 2, 5\], got \[1,2,4\]/,
        );
        expect(() =>
          chunkLinearAttention(q, q, v, { initialState: tf.zeros([1, 2, 3, 3]) as tf.Tensor4D }),
        ).toThrow(/'initialState' must have shape \[batch, heads, f, d\] = \[1, 2, 3, 4\], got \[1,2,3,3\]/);
        expect(() => nonCausalLinearAttention(q, tf.zeros([1, 2, 6, 3]) as tf.Tensor4D, v)).toThrow(
          /nonCausalLinearAttention: 'k'/,
        );
      });
    });
  });
}

describe('chunkLinearAttention at 65,536 tokens', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('runs forward and backward in a kernel count that does not grow with the number of chunks', async () => {
    // 4,096 chunks of 16: a loop over chunks ran ~35 kernels per chunk (~140,000), past what tf.profile could count
    // ("Maximum call stack size exceeded"); here it grows only by the scans' log₂(chunks) rounds.
    const kernelCount = async (n: number) => {
      const q = tf.mul(randn([1, 1, n, 2], 61), 0.1) as tf.Tensor4D;
      const v = randn([1, 1, n, 2], 62) as tf.Tensor4D;
      const info = await tf.profile(() =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(
            chunkLinearAttention(a as tf.Tensor4D, a as tf.Tensor4D, b as tf.Tensor4D, {
              chunkSize: 16,
              decay: [0.999],
            }),
          ),
        )([q, v]),
      );
      const last = tf.tidy(() => {
        const out = chunkLinearAttention(q, q, v, { chunkSize: 16 });
        const y = tf.slice(out, [0, 0, n - 1, 0], [1, 1, 1, 2]).dataSync();
        // Output at the last token without decay: q_last · Σ_s k_sᵀ v_s.
        const qLast = tf.reshape(tf.slice(q, [0, 0, n - 1, 0], [1, 1, 1, 2]), [1, 2]);
        const state = tf.matMul(tf.reshape(q, [n, 2]), tf.reshape(v, [n, 2]), true, false);
        return { y: Array.from(y), expected: Array.from(tf.matMul(qLast, state).dataSync()) };
      });
      tf.dispose([q, v, info.result as tf.Tensor[]]);
      return { kernels: info.kernels.length, ...last };
    };
    const short = await kernelCount(256);
    const long = await kernelCount(65536);
    expect(long.kernels).toBeLessThan(1000);
    expect(long.kernels - short.kernels).toBeLessThanOrEqual(3 * 12 * Math.log2(4096 / 16)); // three scans
    expect(maxRelativeError(long.y, long.expected)).toBeLessThan(1e-3);
  });
});

describe('chunkLinearAttention over several groups of chunks', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each(['none', 'decay', 'logDecay'] as const)(
    'equals two calls chained by the state, values and gradients (%s)',
    (mode) => {
      // c = 256 and one sample and head: 64 chunks per group (2²² c×c numbers), so 80 chunks run as two groups,
      // and each half (40 chunks) as one.
      const c = 256;
      const n = 80 * c - 100;
      const half = 40 * c;
      const q = tf.mul(randn([1, 1, n, 2], 71), 0.1) as tf.Tensor4D;
      const k = tf.mul(randn([1, 1, n, 2], 72), 0.1) as tf.Tensor4D;
      const v = randn([1, 1, n, 3], 73) as tf.Tensor4D;
      const w = randn([1, 1, n, 3], 74);
      const logDecay = mode === 'logDecay' ? tf.mul(runningLogDecay(1, 1, n, 75), 1e-3) : undefined;
      const options = { chunkSize: c, decay: mode === 'decay' ? [0.999] : undefined };
      const whole = (a: tf.Tensor, b: tf.Tensor, x: tf.Tensor) =>
        chunkLinearAttention(a as tf.Tensor4D, b as tf.Tensor4D, x as tf.Tensor4D, {
          ...options,
          logDecay: logDecay as tf.Tensor3D | undefined,
        });
      const cut = (t: tf.Tensor, from: number, size: number) =>
        tf.slice(t, [0, 0, from], [1, 1, size, ...t.shape.slice(3)]);
      const chained = (a: tf.Tensor, b: tf.Tensor, x: tf.Tensor) => {
        const part = (from: number, size: number, initialState?: tf.Tensor4D) =>
          chunkLinearAttention(
            cut(a, from, size) as tf.Tensor4D,
            cut(b, from, size) as tf.Tensor4D,
            cut(x, from, size) as tf.Tensor4D,
            {
              ...options,
              // Each call's log-decay restarts at 0 with its own first token after a state.
              logDecay:
                logDecay &&
                (tf.sub(cut(logDecay, from, size), from ? cut(logDecay, from - 1, 1) : 0) as tf.Tensor3D),
              initialState,
              returnState: true,
            },
          );
        const first = part(0, half);
        const second = part(half, n - half, first.finalState);
        return tf.concat([first.output, second.output], 2);
      };
      const loss = (f: typeof whole) => (a: tf.Tensor, b: tf.Tensor, x: tf.Tensor) =>
        tf.sum(tf.mul(f(a, b, x), w));
      const [mine, theirs] = [whole, chained].map((f) =>
        tf.tidy(() => [f(q, k, v), ...tf.grads(loss(f))([q, k, v])].map((t) => t.dataSync())),
      );
      ['output', 'dq', 'dk', 'dv'].forEach((what, i) => {
        expect(maxRelativeError(mine![i]!, theirs![i]!), what).toBeLessThan(1e-4);
      });
      tf.dispose([q, k, v, w, logDecay as tf.Tensor]);
    },
  );
});

describe('chunkLinearAttention inputsFinite', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('gives the same values and gradients for finite inputs, without a cleaned copy of q, k and v', () => {
    const { q, k, v } = randomQkv([1, 2, 1024, 32, 8], 81);
    const w = randn([1, 2, 1024, 8], 84);
    const run = (inputsFinite: boolean) => {
      const counter = countWasmBuffers();
      const result = tf.tidy(() => {
        const loss = (a: tf.Tensor, b: tf.Tensor, x: tf.Tensor) =>
          tf.sum(
            tf.mul(
              chunkLinearAttention(a as tf.Tensor4D, b as tf.Tensor4D, x as tf.Tensor4D, {
                decay: [0.99, 0.9],
                inputsFinite,
              }),
              w,
            ),
          );
        const { value, grads } = tf.valueAndGrads(loss)([q, k, v]);
        return [value, ...grads];
      });
      counter.stop();
      return { result, peak: counter.peak() };
    };
    const [cleaned, kept] = [run(false), run(true)];
    const [a, b] = [cleaned, kept].map((r) => r.result.map((t) => Array.from(t.dataSync())));
    ['loss', 'dq', 'dk', 'dv'].forEach((what, i) => expect(b![i], what).toEqual(a![i]));
    // The cleaned copies of q, k, v (1,024 × 2 × (32 + 32 + 8) floats), kept from the forward to the backward pass,
    // are no longer made.
    const copies = 1024 * 2 * (32 + 32 + 8) * 4;
    expect(cleaned.peak - kept.peak).toBeGreaterThanOrEqual(copies);
    tf.dispose([q, k, v, w, ...cleaned.result, ...kept.result]);
  });
});
