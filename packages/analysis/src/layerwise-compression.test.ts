import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectNoLeakedTensors } from '@tost/vitest-config';
import { layerwiseCompression } from './index.js';
import { tinyClassifier, describeOn } from './test-models.js';
import { numbers, referenceMembership, referenceRvar, rowsOf } from './test-reference.js';

const IDS = [
  [1, 2, 3, 4, 5, 6],
  [3, 4, 5, 0, 0, 0],
];

/** The analysis of `tinyClassifier(options)` on IDS, checked to leak no tensors; the model and ids are freed after. */
async function analyse(
  options: Parameters<typeof tinyClassifier>[0],
  check: (result: ReturnType<typeof layerwiseCompression>) => void,
  analysisOptions?: Parameters<typeof layerwiseCompression>[2],
): Promise<void> {
  const model = tinyClassifier(options);
  const ids = tf.tensor2d(IDS, undefined, 'int32');
  check(await expectNoLeakedTensors(() => layerwiseCompression(model, ids, analysisOptions)));
  ids.dispose();
  model.dispose();
}

describeOn('cpu', 'layerwiseCompression', () => {
  it('measures every TSSA layer entering and leaving with its own U, bias and Π (float64 reference)', async () => {
    const model = tinyClassifier({ attention: 'tssa' });
    // Non-trivial temperature and projection bias, so both reach the reference.
    const attention = model.getLayer('block0_attn');
    const [kernel, , , outKernel, outBias] = attention.getWeights();
    const bias = tf.tensor1d(numbers(8, 5).map((v) => 0.5 * v));
    const temperature = tf.tensor2d([[1.7], [0.6]]);
    attention.setWeights([kernel!, bias, temperature, outKernel!, outBias!]);
    const ids = tf.tensor2d(IDS, undefined, 'int32');

    const result = await expectNoLeakedTensors(() => layerwiseCompression(model, ids));
    expect(result.map((r) => [r.index, r.layer, r.kind, r.heads, r.headDim])).toEqual([
      [0, 'block0_attn', 'tssa', 2, 4],
      [1, 'block1_attn', 'tssa', 2, 4],
    ]);
    expect(result[0]!.tokens).toEqual([7, 4]); // CLS + real tokens

    // Independent path: the tokens entering block 0's attention are the output of its LayerNorm.
    const probe = tfl.model({
      inputs: model.inputs,
      outputs: model.getLayer('block0_ln1').output as tfl.SymbolicTensor,
    });
    const entering = probe.predict(ids) as tf.Tensor3D;
    const mask = tf.tensor2d([
      [1, 1, 1, 1, 1, 1, 1],
      [1, 1, 1, 1, 0, 0, 0],
    ]);
    const update = attention.apply([entering, mask]) as tf.Tensor3D;
    const leaving = tf.add(entering, update);
    const kernelRows = rowsOf(kernel!.dataSync(), 8, 8);
    const biasValues = Array.from(bias.dataSync());
    const enteringData = entering.dataSync();
    const leavingData = leaving.dataSync();
    const expectedEntering: number[] = [];
    const expectedLeaving: number[] = [];
    for (let b = 0; b < 2; b++) {
      const real = [0, 1, 2, 3, 4, 5, 6].map((i) => i < (b === 0 ? 7 : 4));
      const z = rowsOf(enteringData, 7, 8, b * 56);
      const pi = referenceMembership(z, kernelRows, biasValues, [1.7, 0.6], real);
      expectedEntering.push(referenceRvar(z, pi, kernelRows, biasValues, real));
      expectedLeaving.push(
        referenceRvar(rowsOf(leavingData, 7, 8, b * 56), pi, kernelRows, biasValues, real),
      );
    }
    const first = result[0]!;
    first.entering.perExample.variational!.forEach((v, b) =>
      expect(Math.abs(v - expectedEntering[b]!) / expectedEntering[b]!).toBeLessThan(1e-4),
    );
    first.leaving.perExample.variational!.forEach((v, b) =>
      expect(Math.abs(v - expectedLeaving[b]!) / expectedLeaving[b]!).toBeLessThan(1e-4),
    );
    expect(first.entering.variational).toBeCloseTo((expectedEntering[0]! + expectedEntering[1]!) / 2, 4);
    for (const r of result) {
      for (const m of [r.entering, r.leaving]) {
        expect(Number.isFinite(m.codingRate) && m.codingRate > 0).toBe(true);
        expect(m.perExample.codingRate).toHaveLength(2);
      }
    }
    tf.dispose([ids, bias, temperature, entering, mask, update, leaving]);
    model.dispose();
  });

  it('uses the MCR² coding rate alone for MSSA layers (no Π)', async () => {
    await analyse(
      { attention: 'mssa', block: 'crate' },
      (result) => {
        expect(result.map((r) => r.kind)).toEqual(['mssa', 'mssa']);
        for (const r of result) {
          expect(r.entering.variational).toBeNull();
          expect(r.entering.perExample.variational).toBeNull();
          expect(r.entering.codingRate).toBeGreaterThan(0);
        }
      },
      { eps: 0.3 },
    );
  });

  it('says clearly when a model has no TSSA or MSSA layer, or when options are bad', () => {
    const model = tinyClassifier({ attention: 'softmax' });
    const ids = tf.tensor2d(IDS, undefined, 'int32');
    expect(() => layerwiseCompression(model, ids)).toThrow(
      /has no TSSA or MSSA attention layer to analyse \(attention layers found: SoftmaxAttention 'block0_attn', SoftmaxAttention 'block1_attn'\)/,
    );
    expect(() => layerwiseCompression(model, ids, { eps: -1 })).toThrow(/option 'eps' must be a positive/);
    expect(() => layerwiseCompression({} as tfl.LayersModel, ids)).toThrow(
      /argument 'model' must be a functional tf.LayersModel/,
    );
    ids.dispose();
    model.dispose();
  });
});

describeOn('wasm', 'layerwiseCompression', () => {
  it('reads the padding mask of a padded model (a MaskCopy output fetched from predict is unreadable on wasm)', async () => {
    await analyse({ attention: 'tssa' }, (result) => {
      expect(result[1]!.tokens).toEqual([7, 4]);
      expect(result.every((r) => Number.isFinite(r.leaving.variational))).toBe(true);
    });
  });

  it('finds the TSSA block of a hybrid stack (one attention per block), behind a short convolution', async () => {
    await analyse({ attention: ['softmax', 'tssa'], shortConv: 3 }, (result) => {
      expect(result.map((r) => [r.layer, r.kind])).toEqual([['block1_attn', 'tssa']]);
      expect(result.every((r) => Number.isFinite(r.leaving.variational))).toBe(true);
    });
  });
});
