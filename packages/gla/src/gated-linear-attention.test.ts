import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { countWasmBuffers, initBackend } from '@tost/backend';
import { expectClose, expectNoLeakedTensors, testBackends } from '@tost/vitest-config';
import { gatedLinearAttention, gatedLinearAttentionNaive, glaChunkSize, glaRecurrentStep } from './index.js';

const randn = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** Random inputs [batch, heads, seq, p]; log gates −strength·u with u ∈ (0, 1), i.e. gates in (e^{−strength}, 1). */
function inputs(batch: number, heads: number, seq: number, p: number, strength: number, seed: number) {
  return tf.tidy(() => ({
    q: randn([batch, heads, seq, p], seed) as tf.Tensor4D,
    k: randn([batch, heads, seq, p], seed + 1) as tf.Tensor4D,
    v: randn([batch, heads, seq, p], seed + 2) as tf.Tensor4D,
    g: tf.mul(tf.randomUniform([batch, heads, seq, p], 0, 1, 'float32', seed + 3), -strength) as tf.Tensor4D,
    s0: tf.mul(randn([batch, heads, p, p], seed + 4), 0.5) as tf.Tensor4D,
  }));
}

type Form = (
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  g: tf.Tensor4D,
  s0: tf.Tensor4D,
) => { output: tf.Tensor4D; state: tf.Tensor4D };

const chunked =
  (chunkSize: number): Form =>
  (q, k, v, g, s0) =>
    gatedLinearAttention(q, k, v, g, { chunkSize, initialState: s0 });
const naive: Form = (q, k, v, g, s0) => gatedLinearAttentionNaive(q, k, v, g, s0);
/** The recurrent form: `glaRecurrentStep` token by token. */
const recurrent: Form = (q, k, v, g, s0) =>
  tf.tidy(() => {
    const [b, h, n, p] = q.shape;
    const token = (t: tf.Tensor4D, i: number) =>
      tf.reshape(tf.slice(t, [0, 0, i, 0], [b, h, 1, p]), [b, h, p]);
    let state = s0;
    const outputs: tf.Tensor[] = [];
    for (let i = 0; i < n; i++) {
      const r = glaRecurrentStep(
        state,
        token(q, i) as tf.Tensor3D,
        token(k, i) as tf.Tensor3D,
        token(v, i) as tf.Tensor3D,
        token(g, i) as tf.Tensor3D,
      );
      outputs.push(tf.expandDims(r.output, 2));
      state = r.state;
    }
    return { output: tf.concat(outputs, 2) as tf.Tensor4D, state };
  });

/** Outputs and final states of two forms agree to float32 precision (rtol = atol = 1e-4). */
function expectSameResult(
  r: { output: tf.Tensor; state: tf.Tensor },
  reference: { output: tf.Tensor; state: tf.Tensor },
  label = '',
): void {
  for (const key of ['output', 'state'] as const) {
    expectClose(r[key].dataSync(), reference[key].dataSync(), {
      rtol: 1e-4,
      atol: 1e-4,
      label: `${label}${key}`,
    });
  }
}

/** A scalar loss reading outputs and final state through fixed random probes, and its gradients w.r.t. all inputs. */
function lossAndGrads(form: Form, x: ReturnType<typeof inputs>) {
  return tf.tidy(() => {
    const probeO = randn(x.q.shape, 91);
    const probeS = randn(x.s0.shape, 92);
    const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, g: tf.Tensor, s0: tf.Tensor) => {
      const r = form(
        q as tf.Tensor4D,
        k as tf.Tensor4D,
        v as tf.Tensor4D,
        g as tf.Tensor4D,
        s0 as tf.Tensor4D,
      );
      return tf.add(tf.sum(tf.mul(r.output, probeO)), tf.sum(tf.mul(r.state, probeS))) as tf.Scalar;
    };
    const grads = tf.grads(f)([x.q, x.k, x.v, x.g, x.s0]);
    return grads.map((t) => Array.from(t.dataSync()));
  });
}

for (const backend of testBackends()) {
  describe(`gatedLinearAttention (three forms of one recurrence) on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    it('chunk-wise (c = 1, 3, 4, 16), token loop and recurrent step agree on outputs and final states', () => {
      tf.tidy(() => {
        const x = inputs(2, 3, 13, 4, 1.5, 1);
        const reference = naive(x.q, x.k, x.v, x.g, x.s0);
        const forms: [string, Form][] = [
          ['recurrent', recurrent],
          ...[1, 3, 4, 16].map((c) => [`chunk ${c}`, chunked(c)] as [string, Form]),
        ];
        for (const [label, form] of forms) {
          expectSameResult(form(x.q, x.k, x.v, x.g, x.s0), reference, `${label} `);
        }
      });
    });

    it('without chunkSize it runs in chunks of glaChunkSize(p): bit for bit the explicit call, and the token loop', () => {
      tf.tidy(() => {
        // p = 12: chunks of 8, so 21 tokens are two whole chunks and a partial third.
        const x = inputs(1, 2, 21, 12, 1.5, 7);
        expect(glaChunkSize(12)).toBe(8);
        const byDefault = gatedLinearAttention(x.q, x.k, x.v, x.g, { initialState: x.s0 });
        const explicit = chunked(8)(x.q, x.k, x.v, x.g, x.s0);
        expect(Array.from(byDefault.output.dataSync())).toEqual(Array.from(explicit.output.dataSync()));
        expect(Array.from(byDefault.state.dataSync())).toEqual(Array.from(explicit.state.dataSync()));
        const reference = naive(x.q, x.k, x.v, x.g, x.s0);
        expectSameResult(byDefault, reference);
      });
    });

    it('chunk-wise gradients (hand-written) equal the token loop’s (autodiff) for q, k, v, gates and initial state', () => {
      const x = inputs(1, 2, 11, 4, 1, 2);
      const expected = lossAndGrads(naive, x);
      for (const c of [1, 4, 16]) {
        const actual = lossAndGrads(chunked(c), x);
        ['q', 'k', 'v', 'logGate', 'initialState'].forEach((name, i) =>
          expectClose(actual[i]!, expected[i]!, { rtol: 1e-3, atol: 1e-3, label: `chunk ${c}: d${name}` }),
        );
      }
      tf.dispose(Object.values(x));
    });

    it('stays exact when gates close fast (no factor e^{−G} that could overflow)', () => {
      tf.tidy(() => {
        // Log gates down to −20 per token: a 16-token chunk would decay by e^{−160} in log space.
        const x = inputs(1, 2, 20, 4, 20, 3);
        const reference = naive(x.q, x.k, x.v, x.g, x.s0);
        const r = chunked(16)(x.q, x.k, x.v, x.g, x.s0);
        expect(Array.from(r.output.dataSync()).every(Number.isFinite)).toBe(true);
        expectSameResult(r, reference);
      });
    });

    it('stays exact with every gate at the floor in a long chunk (G down to −40·32) and keeps the gradient finite', () => {
      tf.tidy(() => {
        const x = inputs(1, 1, 40, 4, 1, 7);
        const g = tf.fill([1, 1, 40, 4], -40) as tf.Tensor4D;
        const reference = naive(x.q, x.k, x.v, g, x.s0);
        const r = chunked(32)(x.q, x.k, x.v, g, x.s0);
        expectSameResult(r, reference);
        const expected = lossAndGrads(naive, { ...x, g });
        const actual = lossAndGrads(chunked(32), { ...x, g });
        ['q', 'k', 'v', 'initialState'].forEach((name) => {
          const i = ['q', 'k', 'v', 'logGate', 'initialState'].indexOf(name);
          expect(actual[i]!.every(Number.isFinite)).toBe(true);
          expectClose(actual[i]!, expected[i]!, { rtol: 1e-3, atol: 1e-3, label: `d${name}` });
        });
      });
    });

    it('a token with k = 0 and log gate 0 (padding) leaves the state unchanged, wherever it is', () => {
      tf.tidy(() => {
        const x = inputs(1, 1, 9, 4, 1, 4);
        const pad = tf.tensor4d([1, 1, 0, 1, 1, 1, 0, 1, 1], [1, 1, 9, 1]);
        const k = tf.mul(x.k, pad) as tf.Tensor4D;
        const g = tf.mul(x.g, pad) as tf.Tensor4D;
        const withPads = chunked(4)(x.q, k, x.v, g, x.s0);
        const keep = [0, 1, 3, 4, 5, 7, 8];
        const pick = (t: tf.Tensor4D) => tf.gather(t, keep, 2) as tf.Tensor4D;
        const without = chunked(4)(pick(x.q), pick(k), pick(x.v), pick(g), x.s0);
        expectClose(pick(withPads.output).dataSync(), without.output.dataSync(), {
          rtol: 1e-5,
          atol: 1e-5,
          label: 'outputs',
        });
        expectClose(withPads.state.dataSync(), without.state.dataSync(), {
          rtol: 1e-5,
          atol: 1e-5,
          label: 'state',
        });
      });
    });

    it('checks its arguments, naming them', () => {
      tf.tidy(() => {
        const x = inputs(1, 2, 5, 4, 1, 5);
        expect(() => gatedLinearAttention(x.q, x.k, x.v, x.g, { chunkSize: 0 })).toThrow(
          /option 'chunkSize' must be a positive integer, got 0/,
        );
        expect(() => gatedLinearAttention(x.q, x.k, tf.zeros([1, 2, 5, 3]) as tf.Tensor4D, x.g)).toThrow(
          /argument 'v' must have the shape of 'q' \[batch, heads, N, p\] = \[1, 2, 5, 4\], got \[1, 2, 5, 3\]/,
        );
        expect(() =>
          gatedLinearAttention(x.q, x.k, x.v, x.g, { initialState: tf.zeros([2, 2, 4, 4]) as tf.Tensor4D }),
        ).toThrow(
          /'initialState' must have shape \[batch, heads, p, p\] = \[1, 2, 4, 4\], got \[2, 2, 4, 4\]/,
        );
      });
    });

    it('leaks no tensors forward or backward', async () => {
      const x = inputs(1, 2, 10, 4, 1, 6);
      const run = () => gatedLinearAttention(x.q, x.k, x.v, x.g, { chunkSize: 4, initialState: x.s0 });
      tf.dispose(Object.values(run()));
      await expectNoLeakedTensors(() => tf.dispose(Object.values(run())), 'forward');
      await expectNoLeakedTensors(() => {
        const grads = tf.grads((q: tf.Tensor, s0: tf.Tensor) => {
          const r = gatedLinearAttention(q as tf.Tensor4D, x.k, x.v, x.g, {
            chunkSize: 4,
            initialState: s0 as tf.Tensor4D,
          });
          return tf.add(tf.sum(r.output), tf.sum(r.state)) as tf.Scalar;
        })([x.q, x.s0]);
        tf.dispose(grads);
      }, 'backward');
      tf.dispose(Object.values(x));
    });
  });
}

describe('gatedLinearAttention backward memory', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('frees each gate factor and gradient once the chain rule has used it', () => {
    // 16,384 tokens of 4 heads × p = 64 (the benchmark's 16k step); F = one [batch, heads, N, p] float32 tensor
    // (16 MiB). Keeping every factor and gradient of the chain rule until the end of the backward pass made its
    // buffers peak at 41.8 F; in stages, 24.6 F (of which ~16 F are the pairwise decays of one group of chunks).
    const x = inputs(1, 4, 16384, 64, 1, 101);
    const probe = randn(x.q.shape, 102);
    const counter = countWasmBuffers();
    const result = tf.tidy(() =>
      tf.grads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, g: tf.Tensor) =>
        tf.sum(
          tf.mul(
            gatedLinearAttention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, g as tf.Tensor4D)
              .output,
            probe,
          ),
        ),
      )([x.q, x.k, x.v, x.g]),
    );
    counter.stop();
    const peak = counter.peak();
    const F = 16384 * 4 * 64 * 4;
    expect(result.every((t) => t.dataSync().every(Number.isFinite))).toBe(true);
    expect(peak / F).toBeLessThan(32);
    tf.dispose([...Object.values(x), probe, ...result]);
  });
});
