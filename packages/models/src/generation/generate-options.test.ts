import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { initBackend } from '@tost/backend';
import { buildCausalLM, generate, type ToSTModel } from '../index.js';

describe('generate: bad options and prompts are clear errors', () => {
  let model: ToSTModel;
  beforeAll(async () => {
    await initBackend('wasm');
    model = buildCausalLM({ vocabSize: 10, maxLength: 8, dim: 8, depth: 1, heads: 2 });
  });
  afterAll(() => model.dispose());

  it('rejects an unknown mode', async () => {
    await expect(generate(model, [1, 2], { maxNewTokens: 2, mode: 'bogus' as 'auto' })).rejects.toThrow(
      /generate: option 'mode' must be one of 'auto', 'stream', 'prefix', got "bogus"/,
    );
  });

  const badIds: [string, number[] | number[][], RegExp][] = [
    ['a fractional id', [1, 2.5], /'promptIds' must hold non-negative integer token ids, got 2.5 at \[1\]/],
    ['NaN', [NaN, 1], /got NaN at \[0\]/],
    ['a negative id', [1, -1], /got -1 at \[1\]/],
    [
      'a fractional id in a batch',
      [
        [1, 2],
        [3, 0.5],
      ],
      /got 0.5 at \[1\]\[1\]/,
    ],
  ];
  for (const [what, ids, message] of badIds) {
    it(`rejects ${what} in the prompt`, async () => {
      await expect(generate(model, ids, { maxNewTokens: 2 })).rejects.toThrow(message);
    });
  }

  it('an id ≥ vocabSize is an error naming token_ids and the vocabulary size (both decoding modes)', async () => {
    for (const mode of ['stream', 'prefix'] as const) {
      await expect(generate(model, [1, 10], { maxNewTokens: 1, mode })).rejects.toThrow(/vocabSize 10/);
    }
  });

  it('rejects a prompt that is not an array and missing options', async () => {
    await expect(generate(model, 'hello' as unknown as number[], { maxNewTokens: 1 })).rejects.toThrow(
      /'promptIds' must be an array/,
    );
    await expect(generate(model, [1], undefined as unknown as { maxNewTokens: number })).rejects.toThrow(
      /expected an options object/,
    );
  });

  it('rejects a ragged or empty batch of prompts', async () => {
    for (const prompts of [[[1, 2], [3]], [[], []], []]) {
      await expect(generate(model, prompts, { maxNewTokens: 1 })).rejects.toThrow(
        /'promptIds' must be a non-empty prompt or a batch of prompts of equal, non-zero length/,
      );
    }
  });

  it('valid modes still work and agree', async () => {
    const a = await generate(model, [1, 2], { maxNewTokens: 3, temperature: 0, mode: 'stream' });
    const b = await generate(model, [1, 2], { maxNewTokens: 3, temperature: 0, mode: 'prefix' });
    expect(a).toHaveLength(5);
    expect(a).toEqual(b);
  });
});
