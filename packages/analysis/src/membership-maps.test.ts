import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { buildVisionClassifier } from '@tost/models';
import { expectNoLeakedTensors } from '@tost/vitest-config';
import { membershipMaps } from './index.js';
import { tinyClassifier, describeOn } from './test-models.js';
import { referenceMembership, rowsOf } from './test-reference.js';

describeOn('cpu', 'membershipMaps on a sequence classifier', () => {
  it('returns Π [batch, heads, seq] per TSSA layer: Σ over heads = 1 at real tokens, 0 at padding', async () => {
    const model = tinyClassifier({ heads: 4 });
    const ids = tf.tensor2d(
      [
        [1, 2, 3, 4, 5, 6],
        [3, 4, 0, 0, 0, 0],
      ],
      undefined,
      'int32',
    );
    const maps = await expectNoLeakedTensors(() => membershipMaps(model, ids));
    expect(maps.tssa.map((m) => [m.index, m.layer, m.heads, m.membership.shape])).toEqual([
      [0, 'block0_attn', 4, [2, 4, 7]],
      [1, 'block1_attn', 4, [2, 4, 7]],
    ]);
    expect(maps.grid).toBeUndefined();
    expect(maps.classAttention).toEqual([]);
    const realTokens = [7, 3]; // CLS + tokens
    for (const m of maps.tssa) {
      for (let b = 0; b < 2; b++) {
        for (let i = 0; i < 7; i++) {
          let sum = 0;
          for (let k = 0; k < 4; k++) sum += m.membership.data[(b * 4 + k) * 7 + i]!;
          expect(sum).toBeCloseTo(i < realTokens[b]! ? 1 : 0, 5);
        }
      }
    }
    // Layer 0's Π equals the spec's steps 1–4 on the tokens entering it.
    const probe = tfl.model({
      inputs: model.inputs,
      outputs: model.getLayer('block0_ln1').output as tfl.SymbolicTensor,
    });
    const entering = probe.predict(ids) as tf.Tensor3D;
    const [kernel, bias, temperature] = model.getLayer('block0_attn').getWeights();
    const kernelRows = rowsOf(kernel!.dataSync(), 8, 8);
    for (let b = 0; b < 2; b++) {
      const real = [0, 1, 2, 3, 4, 5, 6].map((i) => i < realTokens[b]!);
      const expected = referenceMembership(
        rowsOf(entering.dataSync(), 7, 8, b * 56),
        kernelRows,
        Array.from(bias!.dataSync()),
        Array.from(temperature!.dataSync()),
        real,
      );
      expected.forEach((row, k) =>
        row.forEach((v, i) => expect(maps.tssa[0]!.membership.data[(b * 4 + k) * 7 + i]).toBeCloseTo(v, 5)),
      );
    }
    tf.dispose([ids, entering]);
    model.dispose();
  });

  it('lays Π out on a caller-given grid (tokens = pixels, as Pathfinder) and checks that it fits', () => {
    const model = tinyClassifier({ vocabSize: 256, maxLength: 16, depth: 1, pooling: 'mean' });
    const ids = tf.tensor2d([Array.from({ length: 16 }, (_, i) => i + 1)], undefined, 'int32');
    const maps = membershipMaps(model, ids, { grid: { height: 4, width: 4 } });
    expect(maps.grid).toEqual({ height: 4, width: 4, offset: 0 });
    const { grid, membership } = maps.tssa[0]!;
    expect(grid!.shape).toEqual([1, 2, 4, 4]);
    expect(Array.from(grid!.data)).toEqual(Array.from(membership.data));
    expect(() => membershipMaps(model, ids, { grid: { height: 3, width: 3 } })).toThrow(
      /option 'grid' 3×3 does not fit the 16 tokens/,
    );
    ids.dispose();
    model.dispose();
  });

  it('says clearly when the model has no TSSA layer', () => {
    const model = tinyClassifier({ maxLength: 4, depth: 1, mlpRatio: 4, block: 'crate' });
    const ids = tf.tensor2d([[1, 2, 3, 4]], undefined, 'int32');
    expect(() => membershipMaps(model, ids)).toThrow(
      /model '.*' has no TSSA layer, so there is no membership Π to show \(attention layers found: MSSA 'block0_attn'\)/,
    );
    ids.dispose();
    model.dispose();
  });
});

describeOn('cpu', 'membershipMaps on a vision ToST', () => {
  it('reshapes Π to the patch grid and returns the class-attention CLS maps', async () => {
    const model = buildVisionClassifier({
      imageSize: 8,
      patchSize: 2,
      channels: 1,
      dim: 8,
      depth: 1,
      heads: 2,
      numClasses: 3,
    });
    const images = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 3);
    const maps = await expectNoLeakedTensors(() => membershipMaps(model, images));
    expect(maps.grid).toEqual({ height: 4, width: 4, offset: 0 });
    expect(maps.tssa[0]!.grid!.shape).toEqual([2, 2, 4, 4]);
    expect(maps.classAttention.map((c) => [c.layer, c.attention.shape, c.grid?.shape])).toEqual([
      ['class_block0_attn', [2, 2, 17], [2, 2, 4, 4]],
      ['class_block1_attn', [2, 2, 17], [2, 2, 4, 4]],
    ]);
    for (const c of maps.classAttention) {
      for (let row = 0; row < 4; row++) {
        const sum = c.attention.data.slice(row * 17, row * 17 + 17).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(1, 5);
      }
    }
    // The weights are the layer's own: Σ_n a_n·v_n, merged and projected, reproduces its output.
    const layer = model.getLayer('class_block0_attn');
    const probe = tfl.model({
      inputs: model.inputs,
      outputs: model.getLayer('class_block0_ln1').output as tfl.SymbolicTensor,
    });
    const tokens = probe.predict(images) as tf.Tensor3D;
    const output = (layer.apply(tokens) as tf.Tensor).dataSync();
    const weights = Object.fromEntries(
      layer.weights.map((w) => [w.originalName.split('/').pop()!, w.read().dataSync()]),
    );
    const x = tokens.dataSync();
    const a = maps.classAttention[0]!.attention.data;
    for (let b = 0; b < 2; b++) {
      const merged = new Array<number>(8).fill(0);
      for (let n = 0; n < 17; n++) {
        for (let c = 0; c < 8; c++) {
          let v = weights.value_bias![c]!;
          for (let r = 0; r < 8; r++) v += x[(b * 17 + n) * 8 + r]! * weights.value_kernel![r * 8 + c]!;
          merged[c]! += a[(b * 2 + Math.floor(c / 4)) * 17 + n]! * v;
        }
      }
      for (let c = 0; c < 8; c++) {
        let y = weights.output_bias![c]!;
        for (let r = 0; r < 8; r++) y += merged[r]! * weights.output_kernel![r * 8 + c]!;
        expect(output[b * 8 + c]).toBeCloseTo(y, 4);
      }
    }
    tf.dispose([images, tokens]);
    model.dispose();
  });
});
