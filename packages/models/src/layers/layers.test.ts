import { it, expect } from 'vitest';
import { describeOnBackends } from '@tost/attention/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectClose, expectNoLeakedTensors, loadGoldenCases } from '@tost/vitest-config';
import {
  ClsToken,
  DropPath,
  ISTA,
  LayerScale,
  PaddingMask,
  PatchExtraction,
  SinusoidalPositions2D,
  StridedConv3x3,
  TokenEmbedding,
  TokenPooling,
  defaultLayerScale,
  sinusoidalTable1D,
} from '../index.js';
import { withWeights, describeOn } from '../test-helpers.js';

describeOnBackends('ISTA golden cases', () => {
  loadGoldenCases('ista').forEach((c, index) => {
    it(`case ${index} matches the float64 reference (relative error < 1e-4)`, () => {
      const z = tf.tensor(c.z as number[][][]);
      const dim = z.shape[2]!;
      const layer = withWeights(
        new ISTA({ dim, eta: c.eta, lambda: c.lam }),
        [null, null, dim],
        c.dictionary as number[][],
      );
      const y = layer.apply(z) as tf.Tensor;
      expectClose(y.dataSync(), c.y as number[][][], { rtol: 1e-4, atol: 1e-5, label: 'ista y' });
      tf.dispose([z, y]);
    });
  });
});

describeOnBackends('TokenEmbedding', () => {
  it('looks rows up (int32 and float32 ids) and its gradient is the one-hot scatter-add of dy', () => {
    const table = [
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
    ];
    const layer = withWeights(new TokenEmbedding({ vocabSize: 4, dim: 2 }), [null, null], table);
    for (const dtype of ['int32', 'float32'] as const) {
      const ids = tf.tensor2d([[1, 3, 1]], undefined, dtype);
      expect((layer.apply(ids) as tf.Tensor).arraySync()).toEqual([
        [
          [2, 3],
          [6, 7],
          [2, 3],
        ],
      ]);
    }
    const ids = tf.tensor2d([[1, 3, 1]], undefined, 'int32');
    const dy = tf.tensor3d([
      [
        [1, 10],
        [100, 1000],
        [2, 20],
      ],
    ]);
    const table0 = layer.trainableWeights[0]!.read() as tf.Variable;
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(layer.apply(ids) as tf.Tensor, dy)) as tf.Scalar,
      [table0],
    );
    const g = Object.values(grads)[0]!;
    expect(g.arraySync()).toEqual([
      [0, 0],
      [3, 30],
      [0, 0],
      [100, 1000],
    ]);
    tf.dispose([dy, ids, g]);
  });

  it('in rank-3 mode computes the tied head h·Eᵀ', () => {
    const table = [
      [1, 0],
      [0, 1],
      [1, 1],
    ];
    const layer = withWeights(new TokenEmbedding({ vocabSize: 3, dim: 2 }), [null, null], table);
    const h = tf.tensor3d([[[2, 3]]]);
    expect((layer.apply(h) as tf.Tensor).arraySync()).toEqual([[[2, 3, 5]]]);
    h.dispose();
  });
});

describeOnBackends('StridedConv3x3', () => {
  it('equals a 3×3 stride-2 convolution with zero padding 1 (tf.conv2d on the cpu reference path)', () => {
    const kernel = tf.randomNormal([3, 3, 3, 5], 0, 1, 'float32', 2);
    const layer = withWeights(new StridedConv3x3({ inChannels: 3, filters: 5 }), [null, 8, 6, 3], kernel);
    const x = tf.randomNormal([2, 8, 6, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const y = layer.apply(x) as tf.Tensor;
    // Independent reference: direct loops over the definition.
    const xs = x.arraySync();
    const ks = (kernel as tf.Tensor4D).arraySync();
    const expected = xs.map((img) =>
      Array.from({ length: 4 }, (_, i) =>
        Array.from({ length: 3 }, (_, j) =>
          Array.from({ length: 5 }, (_, o) => {
            let s = 0;
            for (let dy = 0; dy < 3; dy++)
              for (let dx = 0; dx < 3; dx++) {
                const r = 2 * i + dy - 1;
                const c = 2 * j + dx - 1;
                if (r < 0 || r >= 8 || c < 0 || c >= 6) continue;
                for (let ci = 0; ci < 3; ci++) s += img[r]![c]![ci]! * ks[dy]![dx]![ci]![o]!;
              }
            return s;
          }),
        ),
      ),
    );
    expectClose(y.dataSync(), expected, { rtol: 1e-4, atol: 1e-5, label: 'conv' });
    tf.dispose([kernel, x, y]);
  });
});

describeOn('cpu', 'small layers', () => {
  it('PaddingMask marks pad id 0 and optionally prepends the CLS position', () => {
    const ids = tf.tensor2d([[5, 0, 2, 0]], undefined, 'int32');
    expect((new PaddingMask().apply(ids) as tf.Tensor).arraySync()).toEqual([[1, 0, 1, 0]]);
    expect((new PaddingMask({ prependCls: true }).apply(ids) as tf.Tensor).arraySync()).toEqual([
      [1, 1, 0, 1, 0],
    ]);
    // padId null: fixed-length inputs whose 0 is a value (pixels) have no padding at all.
    expect((new PaddingMask({ padId: null }).apply(ids) as tf.Tensor).arraySync()).toEqual([[1, 1, 1, 1]]);
    expect(() => new PaddingMask({ padId: -1 })).toThrow(/padId.*non-negative integer or null.*-1/);
  });

  it('TokenPooling: CLS takes token 0; mean averages real tokens only', () => {
    const x = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
        [100, 100],
      ],
    ]);
    const mask = tf.tensor2d([[1, 1, 0]]);
    expect((new TokenPooling({ mode: 'cls' }).apply([x, mask]) as tf.Tensor).arraySync()).toEqual([[1, 2]]);
    expect((new TokenPooling({ mode: 'mean' }).apply([x, mask]) as tf.Tensor).arraySync()).toEqual([[2, 3]]);
  });

  it('ClsToken prepends one (zero-initialised) token', () => {
    const y = new ClsToken({ dim: 2 }).apply(tf.ones([2, 3, 2])) as tf.Tensor;
    expect(y.shape).toEqual([2, 4, 2]);
    expect((tf.slice(y, [0, 0, 0], [2, 1, 2]) as tf.Tensor).arraySync()).toEqual([[[0, 0]], [[0, 0]]]);
  });

  it('LayerScale starts at γ and the ToST rule picks 1.0 up to 12 layers, 1e-5 deeper', () => {
    const y = new LayerScale({ dim: 2, init: 0.5 }).apply(tf.tensor2d([[2, 4]])) as tf.Tensor;
    expect(y.arraySync()).toEqual([[1, 2]]);
    expect(defaultLayerScale(12)).toBe(1);
    expect(defaultLayerScale(24)).toBe(1e-5);
  });

  it('DropPath is the identity at inference and drops whole samples in training', () => {
    const layer = new DropPath({ rate: 0.5, seed: 1 });
    const x = tf.ones([64, 3, 2]);
    expect((layer.apply(x) as tf.Tensor).arraySync()).toEqual(x.arraySync());
    const y = (layer.apply(x, { training: true }) as tf.Tensor).arraySync() as number[][][];
    for (const sample of y) {
      const values = new Set(sample.flat());
      expect(values.size).toBe(1);
      expect([0, 2]).toContain([...values][0]);
    }
  });

  it('sinusoids follow the closed forms', () => {
    const t1 = sinusoidalTable1D(5, 4);
    expect(t1[3 * 4 + 2]).toBeCloseTo(Math.sin(3 / Math.pow(10000, 2 / 4)), 6);
    expect(t1[3 * 4 + 3]).toBeCloseTo(Math.cos(3 / Math.pow(10000, 2 / 4)), 6);
    const y = (
      new SinusoidalPositions2D({ height: 2, width: 3, hiddenDim: 4 }).apply(tf.zeros([1, 6, 8])) as tf.Tensor
    ).arraySync() as number[][][];
    const ay = ((1 + 1) / (2 + 1e-6)) * 2 * Math.PI; // token (row 1, col 2) = index 5
    const ax = ((2 + 1) / (3 + 1e-6)) * 2 * Math.PI;
    expect(y[0]![5]![1]).toBeCloseTo(Math.cos(ay), 5);
    expect(y[0]![5]![4 + 2]).toBeCloseTo(Math.sin(ax / Math.pow(10000, 2 / 4)), 5);
  });

  it('PatchExtraction flattens each patch as (row, column, channel)', () => {
    const img = tf.tensor4d(
      Array.from({ length: 16 }, (_, i) => i),
      [1, 4, 4, 1],
    );
    const p = (new PatchExtraction({ patchSize: 2 }).apply(img) as tf.Tensor).arraySync();
    expect(p).toEqual([
      [
        [0, 1, 4, 5],
        [2, 3, 6, 7],
        [8, 9, 12, 13],
        [10, 11, 14, 15],
      ],
    ]);
  });

  it('every layer round-trips through getConfig / fromConfig, and a call leaks nothing', async () => {
    const layers: tfl.layers.Layer[] = [
      new TokenEmbedding({ vocabSize: 5, dim: 2 }),
      new ISTA({ dim: 2, eta: 0.2, lambda: 0.3 }),
      new LayerScale({ dim: 2, init: 1e-5 }),
      new DropPath({ rate: 0.1 }),
      new TokenPooling({ mode: 'mean' }),
      new PaddingMask({ prependCls: true }),
    ];
    for (const layer of layers) {
      // Look the class up by its registered name (as loadLayersModel does), not through the instance's constructor.
      const registered = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()];
      expect(registered, `${layer.getClassName()} is registered`).toBeDefined();
      const [constructor, fromConfig] = registered!;
      const copy = fromConfig(constructor, layer.getConfig());
      expect(copy).toBeInstanceOf(layer.constructor);
      expect((copy as tfl.layers.Layer).getConfig()).toEqual({
        ...layer.getConfig(),
        name: (copy as tfl.layers.Layer).name,
      });
    }
    const ista = new ISTA({ dim: 2 });
    const x = tf.ones([1, 2, 2]);
    ista.apply(x);
    await expectNoLeakedTensors(() => tf.dispose(ista.apply(x) as tf.Tensor));
    x.dispose();
  });

  it('clear errors for bad options', () => {
    expect(() => new ISTA({ dim: 0 })).toThrow(/ISTA: option 'dim' must be a positive integer, got 0/);
    expect(() => new ISTA({ dim: 4, eta: -1 })).toThrow(/'eta' must be a positive finite number, got -1/);
    expect(() => new TokenEmbedding({ vocabSize: 2.5, dim: 4 })).toThrow(
      /'vocabSize' must be a positive integer, got 2.5/,
    );
    expect(() => new DropPath({ rate: 1 })).toThrow(/'rate' must be a number in \[0, 1\)/);
    expect(() => new TokenPooling({ mode: 'max' as 'cls' })).toThrow(/'mode' must be one of 'cls', 'mean'/);
    expect(() => new LayerScale({ dim: 4, init: 0 })).toThrow(/'init' must be a positive finite number/);
  });
});
