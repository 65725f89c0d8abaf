import { it, expect, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { canPrefill, isStreamingAttention, listAttentions } from '@tost/attention';
import { expectNoLeakedTensors } from '@tost/vitest-config';
import '@tost/softmax';
import '@tost/variants';
import { buildCausalLM, generate } from '../index.js';
import { expectSaveLoadIdentical, lossBeforeAndAfterTraining, describeOn } from '../test-helpers.js';

const tiny = { vocabSize: 12, maxLength: 16, dim: 16, depth: 2, heads: 2 };

/** A toy corpus: the next token is (token + 1) mod vocab, so a few steps of training must lower the loss. */
function countingBatch(): { ids: tf.Tensor2D; targets: tf.Tensor2D } {
  const rows = [0, 3, 7, 5].map((s) => Array.from({ length: 9 }, (_, t) => 1 + ((s + t) % 11)));
  return {
    ids: tf.tensor2d(
      rows.map((r) => r.slice(0, 8)),
      undefined,
      'int32',
    ),
    targets: tf.tensor2d(
      rows.map((r) => r.slice(1)),
      undefined,
      'int32',
    ),
  };
}

describeOn('wasm', 'buildCausalLM', () => {
  for (const attention of ['causal-tssa', 'softmax-causal']) {
    it(`${attention}: logits [B, L, vocab], training lowers the loss, save/load reproduces outputs`, async () => {
      const model = buildCausalLM({ ...tiny, attention, layerScaleInit: 0.1, seed: 0 });
      const { ids, targets } = countingBatch();
      const y = model.predict(ids) as tf.Tensor;
      expect(y.shape).toEqual([4, 8, 12]);
      const loss = (logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(targets, 12), logits);
      const { before, after } = lossBeforeAndAfterTraining(model, ids, loss, {
        steps: 20,
        learningRate: 1e-2,
      });
      expect(after).toBeLessThan(0.5 * before);
      await expectSaveLoadIdentical(model, ids);
      tf.dispose([ids, targets, y]);
    });
  }

  it('rejects every non-causal attention, naming it', () => {
    for (const attention of ['softmax', 'tssa', 'mssa']) {
      expect(() => buildCausalLM({ ...tiny, attention })).toThrow(
        new RegExp(`buildCausalLM: attention '${attention}' is not causal.*needs a causal attention`),
      );
    }
  });

  it('uses the published defaults: tied head (one embedding matrix), layer scale 1e-5, LN eps 1e-5', () => {
    const model = buildCausalLM({ ...tiny, attention: 'softmax-causal' });
    const embeddingWeights = model.weights.filter((w) => w.name.includes('embeddings'));
    expect(embeddingWeights).toHaveLength(1);
    const gamma = model.getLayer('block0_attn_scale').getWeights()[0]!;
    expect(gamma.dataSync()[0]).toBeCloseTo(1e-5, 10);
    expect((model.getLayer('block0_ln1').getConfig() as { epsilon: number }).epsilon).toBe(1e-5);
  });
});

describeOn('wasm', 'generate', () => {
  it('causal TSSA: streaming gives the same tokens as re-running the prefix (greedy and seeded sampling)', async () => {
    const model = buildCausalLM({ ...tiny, attention: 'causal-tssa', layerScaleInit: 1 });
    for (const sampling of [
      { temperature: 0 },
      { temperature: 1, topK: 5, seed: 3 },
      { temperature: 0.7, seed: 11 },
    ]) {
      const streamed = await generate(
        model,
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { maxNewTokens: 8, mode: 'stream', ...sampling },
      );
      const prefix = await generate(
        model,
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { maxNewTokens: 8, mode: 'prefix', ...sampling },
      );
      expect(streamed).toEqual(prefix);
      expect((streamed as number[][])[0]).toHaveLength(11);
    }
  });

  it('prefills the prompt chunk-wise where every attention has prefill: same tokens as re-running the prefix, no leaks', async () => {
    const prefilling = listAttentions()
      .filter((d) => d.causal && d.streaming)
      .map((d) => ({
        name: d.name,
        model: buildCausalLM({ ...tiny, attention: d.name, layerScaleInit: 1 }),
      }))
      .filter(({ model }) => {
        const attention = model.getLayer('block0_attn');
        return isStreamingAttention(attention) && canPrefill(attention);
      });
    expect(prefilling.length).toBeGreaterThan(0);
    const prompts = [
      [1, 2, 3, 4, 5, 6, 7],
      [4, 5, 6, 7, 8, 9, 10],
    ];
    for (const { name, model } of prefilling) {
      const prefix = await generate(model, prompts, { maxNewTokens: 5, mode: 'prefix', temperature: 0 });
      const prefill = vi.spyOn(
        model.getLayer('block0_attn') as unknown as { prefill: () => unknown },
        'prefill',
      );
      const before = tf.memory().numTensors;
      const streamed = await generate(model, prompts, { maxNewTokens: 5, mode: 'stream', temperature: 0 });
      expect(tf.memory().numTensors, `${name}: tensors left by stream mode`).toBe(before);
      expect(prefill, `${name}: the prompt went through prefill once`).toHaveBeenCalledTimes(1);
      expect(streamed, name).toEqual(prefix);
      model.dispose();
    }
  });

  it('greedy decoding picks the argmax of the full-model logits', async () => {
    const model = buildCausalLM({ ...tiny, attention: 'softmax-causal', layerScaleInit: 1 });
    const out = (await generate(model, [2, 4], { maxNewTokens: 1, temperature: 0 })) as number[];
    const logits = model.predict(tf.tensor2d([[2, 4]], undefined, 'int32')) as tf.Tensor3D;
    const last = Array.from((await logits.array())[0]![1]!);
    expect(out).toEqual([2, 4, last.indexOf(Math.max(...last))]);
    logits.dispose();
  });

  it('the streaming and prefix paths leak no tensors', async () => {
    const model = buildCausalLM({ ...tiny, attention: 'causal-tssa' });
    await generate(model, [1], { maxNewTokens: 2 }); // warm-up (lazy kernels, weights)
    await expectNoLeakedTensors(() => generate(model, [1, 2], { maxNewTokens: 3, seed: 1 }), 'stream');
    await expectNoLeakedTensors(
      () => generate(model, [1, 2], { maxNewTokens: 3, seed: 1, mode: 'prefix' }),
      'prefix',
    );
  });

  it('rejects bad options clearly', async () => {
    const model = buildCausalLM({ ...tiny, attention: 'softmax-causal' });
    await expect(generate(model, [1, 2], { maxNewTokens: 20 })).rejects.toThrow(
      /exceeds the model's maxLength 16/,
    );
    await expect(generate(model, [1], { maxNewTokens: 0 })).rejects.toThrow(
      /'maxNewTokens' must be a positive integer/,
    );
    await expect(generate(model, [1], { maxNewTokens: 1, mode: 'stream' })).rejects.toThrow(
      /needs a streaming attention \(initState\/step/,
    );
    await expect(generate(model, [1], { maxNewTokens: 1, temperature: -1 })).rejects.toThrow(/'temperature'/);
  });
});
