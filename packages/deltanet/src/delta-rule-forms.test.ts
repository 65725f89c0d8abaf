import { describe, it, beforeAll, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectTensorsClose } from '@tost/attention/testing';
import { expectClose, testBackends } from '@tost/vitest-config';
import {
  chunkedDeltaRule,
  defaultChunkSize,
  deltaRuleReference,
  deltaRuleStep,
  type DeltaRuleInputs,
} from './index.js';

/** Random inputs shaped like the layer's: unit keys, scaled unit queries, β ∈ (0, 1), γ ≤ 0, a padded token inside. */
function randomInputs(
  [b, h, n, p]: [number, number, number, number],
  seed: number,
  { gated = true, withState = true, padded = [] as [number, number][] } = {},
): DeltaRuleInputs {
  return tf.tidy((): tf.TensorContainer => {
    const unit = (t: tf.Tensor) => tf.div(t, tf.norm(t, 'euclidean', -1, true));
    const real = tf.buffer([b, h, n], 'float32');
    for (let i = 0; i < b * h * n; i++) real.values[i] = 1;
    for (const [bi, t] of padded) for (let hi = 0; hi < h; hi++) real.set(0, bi, hi, t);
    const mask = real.toTensor();
    const inputs: DeltaRuleInputs = {
      q: tf.mul(unit(tf.randomNormal([b, h, n, p], 0, 1, 'float32', seed)), 1 / Math.sqrt(p)) as tf.Tensor4D,
      k: unit(tf.randomNormal([b, h, n, p], 0, 1, 'float32', seed + 1)) as tf.Tensor4D,
      v: tf.randomNormal([b, h, n, p], 0, 1, 'float32', seed + 2) as tf.Tensor4D,
      beta: tf.mul(tf.randomUniform([b, h, n], 0.05, 0.99, 'float32', seed + 3), mask) as tf.Tensor3D,
    };
    if (gated)
      inputs.logDecay = tf.mul(
        tf.randomUniform([b, h, n], -0.7, -0.001, 'float32', seed + 4),
        mask,
      ) as tf.Tensor3D;
    if (withState)
      inputs.initialState = tf.mul(
        tf.randomNormal([b, h, p, p], 0, 1, 'float32', seed + 5),
        0.3,
      ) as tf.Tensor4D;
    return inputs as unknown as tf.TensorContainer;
  }) as unknown as DeltaRuleInputs;
}

/** Tokens [from, to) of every per-token input. */
function sliceSeq(inputs: DeltaRuleInputs, from: number, to: number): DeltaRuleInputs {
  const s4 = (t: tf.Tensor4D) =>
    tf.slice(t, [0, 0, from, 0], [t.shape[0], t.shape[1], to - from, t.shape[3]]) as tf.Tensor4D;
  const s3 = (t: tf.Tensor3D) =>
    tf.slice(t, [0, 0, from], [t.shape[0], t.shape[1], to - from]) as tf.Tensor3D;
  return {
    q: s4(inputs.q),
    k: s4(inputs.k),
    v: s4(inputs.v),
    beta: s3(inputs.beta),
    ...(inputs.logDecay ? { logDecay: s3(inputs.logDecay) } : {}),
  };
}

type DeltaRuleForm = (inputs: DeltaRuleInputs) => { output: tf.Tensor; finalState?: tf.Tensor };

/**
 * The gradients of `loss(form(inputs))` with respect to the inputs `names` equal autodiff of the same loss of the
 * token loop (`deltaRuleReference`), input by input (rtol 1e-3, atol 1e-4).
 */
function expectGradientsOfTokenLoop(
  inputs: DeltaRuleInputs,
  names: readonly (keyof DeltaRuleInputs)[],
  form: DeltaRuleForm,
  loss: (result: ReturnType<DeltaRuleForm>) => tf.Tensor,
): void {
  const lossOf =
    (f: DeltaRuleForm) =>
    (...xs: tf.Tensor[]) =>
      loss(
        f(Object.fromEntries(names.map((name, i) => [name, xs[i]])) as unknown as DeltaRuleInputs),
      ) as tf.Scalar;
  const xs = names.map((name) => inputs[name]!);
  const expected = tf.grads(lossOf(deltaRuleReference))(xs);
  const actual = tf.grads(lossOf(form))(xs);
  names.forEach((name, i) =>
    expectClose(actual[i]!.dataSync(), expected[i]!.dataSync(), {
      rtol: 1e-3,
      atol: 1e-4,
      label: `d${name}`,
    }),
  );
}

for (const backend of testBackends()) {
  describe(`delta rule: chunked vs token loop vs step on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    for (const gated of [false, true]) {
      for (const [shape, chunkSize] of [
        [[2, 2, 13, 4], 4],
        [[1, 3, 9, 8], 8],
        [[1, 1, 40, 16], 16],
        [[1, 2, 5, 4], 32],
      ] as [[number, number, number, number], number][]) {
        it(`${gated ? 'gated ' : ''}outputs and final states agree for [${shape}] in chunks of ${chunkSize}`, () => {
          tf.tidy(() => {
            const inputs = randomInputs(shape, 3, {
              gated,
              padded: [
                [0, 2],
                [shape[0] - 1, shape[2] - 1],
              ],
            });
            const ref = deltaRuleReference(inputs);
            const chunked = chunkedDeltaRule(inputs, { chunkSize, finalState: true });
            expectTensorsClose(
              { output: [chunked.output, ref.output], 'final state': [chunked.finalState, ref.finalState] },
              { rtol: 1e-4, atol: 2e-5 },
            );
          });
        });
      }
    }

    it('without chunkSize it runs in chunks of defaultChunkSize(p): bit for bit the explicit call, and the reference', () => {
      tf.tidy(() => {
        // p = 12: chunks of 16, so 37 tokens are two whole chunks and a partial third.
        const inputs = randomInputs([1, 2, 37, 12], 61, { gated: true, padded: [[0, 4]] });
        expect(defaultChunkSize(12)).toBe(16);
        const byDefault = chunkedDeltaRule(inputs, { finalState: true });
        const explicit = chunkedDeltaRule(inputs, { chunkSize: 16, finalState: true });
        expect(Array.from(byDefault.output.dataSync())).toEqual(Array.from(explicit.output.dataSync()));
        expect(Array.from(byDefault.finalState.dataSync())).toEqual(
          Array.from(explicit.finalState.dataSync()),
        );
        const ref = deltaRuleReference(inputs);
        expectTensorsClose(
          { output: [byDefault.output, ref.output], 'final state': [byDefault.finalState, ref.finalState] },
          { rtol: 1e-4, atol: 2e-5 },
        );
      });
    });

    it("the streaming step, token by token, gives the token loop's outputs and final state (gated, padded)", () => {
      tf.tidy(() => {
        const shape: [number, number, number, number] = [2, 3, 7, 4];
        const inputs = randomInputs(shape, 51, {
          padded: [
            [0, 1],
            [1, 6],
          ],
        });
        const ref = deltaRuleReference(inputs);
        let state = inputs.initialState!;
        const outs: tf.Tensor3D[] = [];
        const at = (t: tf.Tensor4D, i: number) =>
          tf.squeeze(tf.slice(t, [0, 0, i, 0], [2, 3, 1, 4]), [2]) as tf.Tensor3D;
        const at3 = (t: tf.Tensor3D, i: number) =>
          tf.squeeze(tf.slice(t, [0, 0, i], [2, 3, 1]), [2]) as tf.Tensor2D;
        for (let i = 0; i < 7; i++) {
          const r = deltaRuleStep(
            state,
            at(inputs.q, i),
            at(inputs.k, i),
            at(inputs.v, i),
            at3(inputs.beta, i),
            at3(inputs.logDecay!, i),
          );
          outs.push(r.output);
          state = r.state;
        }
        expectTensorsClose(
          { 'step outputs': [tf.stack(outs, 2), ref.output], 'step final state': [state, ref.finalState] },
          { rtol: 1e-4, atol: 1e-5 },
        );
      });
    });

    it('a padded token (β = 0, γ = 0) leaves the state unchanged, also inside the sequence', () => {
      tf.tidy(() => {
        const shape: [number, number, number, number] = [1, 2, 6, 4];
        const inputs = randomInputs(shape, 61, {
          padded: [
            [0, 2],
            [0, 5],
          ],
        });
        const before = chunkedDeltaRule(
          { ...sliceSeq(inputs, 0, 2), initialState: inputs.initialState },
          { chunkSize: 2, finalState: true },
        );
        const through = chunkedDeltaRule(
          { ...sliceSeq(inputs, 0, 3), initialState: inputs.initialState },
          { chunkSize: 2, finalState: true },
        );
        expectClose(through.finalState.dataSync(), before.finalState.dataSync(), {
          rtol: 0,
          atol: 1e-6,
          label: 'state across a padded token',
        });
      });
    });

    it('stays exact for nearly parallel keys and β near 1 in chunks of 64 (the UT inverse is well-conditioned)', () => {
      tf.tidy(() => {
        const [b, h, n, p] = [1, 2, 160, 8];
        const base = tf.randomNormal([1, h, 1, p], 0, 1, 'float32', 71);
        const raw = tf.add(base, tf.mul(tf.randomNormal([b, h, n, p], 0, 1, 'float32', 72), 0.02));
        const k = tf.div(raw, tf.norm(raw, 'euclidean', -1, true)) as tf.Tensor4D;
        const inputs: DeltaRuleInputs = {
          q: tf.mul(k, 0.5) as tf.Tensor4D,
          k,
          v: tf.randomNormal([b, h, n, p], 0, 1, 'float32', 73) as tf.Tensor4D,
          beta: tf.fill([b, h, n], 0.995) as tf.Tensor3D,
        };
        const ref = deltaRuleReference(inputs);
        const chunked = chunkedDeltaRule(inputs, { chunkSize: 64, finalState: true });
        expectTensorsClose(
          { output: [chunked.output, ref.output], 'final state': [chunked.finalState, ref.finalState] },
          { rtol: 1e-3, atol: 1e-4 },
        );
      });
    });

    for (const [gated, segmentLength] of [
      [false, undefined],
      [true, undefined],
      [true, 4],
    ] as const) {
      const segments = segmentLength ? `, in segments of ${segmentLength} tokens` : '';
      it(`${gated ? 'gated ' : ''}hand-written gradients equal autodiff of the token loop (output and final state)${segments}`, () => {
        tf.tidy(() => {
          const shape: [number, number, number, number] = [2, 2, 11, 4];
          const inputs = randomInputs(shape, 11, {
            gated,
            padded: [
              [0, 3],
              [1, 10],
            ],
          });
          const probe = tf.randomNormal(shape, 0, 1, 'float32', 21);
          const probeState = tf.randomNormal([2, 2, 4, 4], 0, 1, 'float32', 22);
          expectGradientsOfTokenLoop(
            inputs,
            ['q', 'k', 'v', 'beta', ...(gated ? ['logDecay' as const] : []), 'initialState'],
            (i) => chunkedDeltaRule(i, { chunkSize: 4, finalState: true, segmentLength }),
            (r) => tf.add(tf.sum(tf.mul(r.output, probe)), tf.sum(tf.mul(r.finalState!, probeState))),
          );
        });
      });
    }

    it('gradient of the outputs alone (training path, no final state) equals autodiff, chunk 8 over 21 tokens', () => {
      tf.tidy(() => {
        const shape: [number, number, number, number] = [1, 2, 21, 8];
        const inputs = randomInputs(shape, 31, { withState: false, padded: [[0, 5]] });
        const probe = tf.randomNormal(shape, 0, 1, 'float32', 41);
        expectGradientsOfTokenLoop(
          inputs,
          ['q', 'k', 'v', 'beta', 'logDecay'],
          (i) => chunkedDeltaRule(i, { chunkSize: 8 }),
          (r) => tf.sum(tf.mul(r.output, probe)),
        );
      });
    });
  });
}
