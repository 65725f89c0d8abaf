import { it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expectClose } from '@tost/vitest-config';
import { buildDualEncoderClassifier, buildSequenceClassifier } from '../index.js';
import {
  expectSaveLoadIdentical,
  lossBeforeAndAfterTraining,
  TOY_CLASSES,
  TOY_ROWS,
  toyBatch,
  toyPairs,
  describeOn,
} from '../test-helpers.js';

const tiny = {
  vocabSize: 10,
  maxLength: 8,
  numClasses: 2,
  dim: 16,
  depth: 1,
  heads: 4,
  mlpRatio: 2,
  pooling: 'class-attention',
} as const;

/** Plain float64 LayerNorm of one row (the layer's gamma/beta). */
function layerNorm64(row: number[], gamma: Float32Array, beta: Float32Array, eps: number): number[] {
  const mean = row.reduce((a, v) => a + v, 0) / row.length;
  const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / row.length;
  return row.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * gamma[i]! + beta[i]!);
}

/** row [C] · kernel [C, C] + bias, in float64. */
function dense64(row: number[], kernel: Float32Array, bias: Float32Array, dim: number): number[] {
  return Array.from({ length: dim }, (_, j) =>
    row.reduce((a, v, i) => a + v * kernel[i * dim + j]!, bias[j]!),
  );
}

describeOn('wasm', "pooling: 'class-attention' (the ToST head as the sequence classifier's pooling)", () => {
  it('gives logits [B, classes] and a pooled vector [B, dim]; the first residual equals a float64 class attention over the real tokens only', () => {
    const { dim, heads } = tiny;
    const model = buildSequenceClassifier({ ...tiny, attention: 'tssa' });
    const ids = tf.tensor2d([TOY_ROWS[0]!, TOY_ROWS[6]!], undefined, 'int32');
    const logits = model.predict(ids) as tf.Tensor;
    expect(logits.shape).toEqual([2, 2]);
    expect(model.getLayer('encoder_ln').outputShape).toEqual([null, dim]);
    // Tokens entering the head (with the CLS prepended) and the CLS after its attention residual.
    const probe = tfl.model({
      inputs: model.inputs,
      outputs: [
        model.getLayer('pooling_cls_token').output,
        model.getLayer('pooling_block_attn_add').output,
      ] as tfl.SymbolicTensor[],
    });
    const [tokens, attended] = probe.predict(ids) as tf.Tensor[];
    expect(tokens!.shape).toEqual([2, 9, dim]);
    expect(attended!.shape).toEqual([2, 1, dim]);
    const [gamma, beta] = model
      .getLayer('pooling_block_ln1')
      .getWeights()
      .map((w) => w.dataSync() as Float32Array);
    const w = model
      .getLayer('pooling_block_attn')
      .getWeights()
      .map((t) => t.dataSync() as Float32Array);
    const [kq, bq, kk, bk, kv, bv, ko, bo] = w;
    const x = tokens!.arraySync() as number[][][];
    const headDim = dim / heads;
    const expected: number[] = [];
    TOY_ROWS.filter((_, i) => i === 0 || i === 6).forEach((row, b) => {
      // Key/value positions: the CLS (0) and the real tokens (1 + t where id ≠ 0).
      const keep = [0, ...row.flatMap((id, t) => (id === 0 ? [] : [t + 1]))];
      const normed = x[b]!.map((r) => layerNorm64(r, gamma!, beta!, 1e-6));
      const q = dense64(normed[0]!, kq!, bq!, dim);
      const keys = keep.map((p) => dense64(normed[p]!, kk!, bk!, dim));
      const values = keep.map((p) => dense64(normed[p]!, kv!, bv!, dim));
      const context = new Array<number>(dim).fill(0);
      for (let h = 0; h < heads; h++) {
        const cols = Array.from({ length: headDim }, (_, c) => h * headDim + c);
        const scores = keys.map((k) => cols.reduce((a, c) => a + q[c]! * k[c]!, 0) / Math.sqrt(headDim));
        const top = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - top));
        const z = e.reduce((a, v) => a + v, 0);
        for (const c of cols) context[c] = values.reduce((a, v, j) => a + (e[j]! / z) * v[c]!, 0);
      }
      const out = dense64(context, ko!, bo!, dim);
      expected.push(...out.map((v, c) => x[b]![0]![c]! + v));
    });
    expectClose(attended!.dataSync(), expected, {
      rtol: 1e-4,
      atol: 1e-5,
      label: 'CLS after class attention',
    });
    tf.dispose([ids, logits, tokens!, attended!]);
  });

  it('padding is ignored: a padded sequence gives the logits of the same sequence unpadded (shared weights)', () => {
    // Sinusoidal positions make every weight shape independent of maxLength, so one set of weights serves both.
    const options = { ...tiny, positional: 'sinusoidal', attention: 'tssa' } as const;
    const padded = buildSequenceClassifier(options);
    const short = buildSequenceClassifier({ ...options, maxLength: 3 });
    short.setWeights(padded.getWeights());
    const a = tf.tensor2d([[3, 4, 5, 0, 0, 0, 0, 0]], undefined, 'int32');
    const b = tf.tensor2d([[3, 4, 5]], undefined, 'int32');
    const la = padded.predict(a) as tf.Tensor;
    const lb = short.predict(b) as tf.Tensor;
    expectClose(la.dataSync(), lb.dataSync(), { rtol: 1e-5, atol: 1e-6, label: 'logits' });
    tf.dispose([a, b, la, lb]);
  });

  it('with maskPadding: false id 0 is a real token the head attends to', () => {
    const options = {
      ...tiny,
      positional: 'sinusoidal',
      attention: 'softmax',
      maskPadding: false,
    } as const;
    const padded = buildSequenceClassifier(options);
    const short = buildSequenceClassifier({ ...options, maxLength: 3 });
    short.setWeights(padded.getWeights());
    const la = tf.tidy(
      () => padded.predict(tf.tensor2d([[3, 4, 5, 0, 0, 0, 0, 0]], undefined, 'int32')) as tf.Tensor,
    );
    const lb = tf.tidy(() => short.predict(tf.tensor2d([[3, 4, 5]], undefined, 'int32')) as tf.Tensor);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(la, lb))).dataSync()[0]!)).toBeGreaterThan(1e-4);
    tf.dispose([la, lb]);
  });

  for (const c of [
    { block: 'tost', attention: 'tssa' },
    { block: 'tost', attention: 'softmax' },
    { block: 'crate', attention: 'mssa' },
  ] as const) {
    it(`${c.block} + ${c.attention}: learns the toy task, save/load is exact`, async () => {
      const model = buildSequenceClassifier({ ...tiny, ...c, dropout: 0.1, seed: 0 });
      const { ids, labels } = toyBatch();
      const { before, after } = lossBeforeAndAfterTraining(model, ids, (logits) =>
        tf.losses.softmaxCrossEntropy(labels, logits),
      );
      expect(after).toBeLessThan(0.5 * before);
      const predicted = tf.tidy(() => Array.from(tf.argMax(model.predict(ids) as tf.Tensor, -1).dataSync()));
      expect(predicted).toEqual(TOY_CLASSES);
      await expectSaveLoadIdentical(model, ids);
      tf.dispose([ids, labels]);
    });
  }

  it('the dual encoder shares one class-attention head between its two inputs and learns', async () => {
    const single = buildSequenceClassifier({ ...tiny, attention: 'softmax' });
    const dual = buildDualEncoderClassifier({ ...tiny, attention: 'softmax' });
    const head = (inputs: number) => inputs * 32 + 32 + 32 * 2 + 2; // Dense(mlpRatio·dim = 32) → Dense(2)
    expect(dual.countParams()).toBe(single.countParams() - head(16) + head(32));
    const { first, second, labels } = toyPairs();
    const { before, after } = lossBeforeAndAfterTraining(dual, [first, second], (logits) =>
      tf.losses.softmaxCrossEntropy(labels, logits),
    );
    expect(after).toBeLessThan(0.5 * before);
    await expectSaveLoadIdentical(dual, [first, second]);
    tf.dispose([first, second, labels]);
  });
});

describeOn('cpu', 'ClassAttention mask values', () => {
  it('a mask value other than 0 or 1 is an error naming the mask and the position', async () => {
    const { ClassAttention } = await import('../layers/class-attention.js');
    const layer = new ClassAttention({ dim: 4, heads: 2, name: 'pool' });
    const x = tf.ones([1, 3, 4]);
    const half = tf.tensor2d([[1, 0.5, 0]]);
    expect(() => layer.apply([x, half])).toThrow(
      /ClassAttention 'pool': argument 'mask' must hold only 0 \(padding\) and 1 \(token\), got 0\.5 at \[0, 1\]/,
    );
    const ok = layer.apply([x, tf.tensor2d([[1, 1, 0]])]) as tf.Tensor;
    expect(ok.shape).toEqual([1, 1, 4]);
    tf.dispose([x, half, ok]);
    layer.dispose();
  });
});
