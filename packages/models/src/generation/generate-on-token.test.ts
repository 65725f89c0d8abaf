import { it, expect } from 'vitest';
import { describeOn } from '../test-helpers.js';
import '@tost/variants';
import { buildCausalLM, generate } from '../index.js';

describeOn('cpu', 'generate onToken', () => {
  for (const mode of ['stream', 'prefix'] as const) {
    it(`reports every new token in order and awaits the callback (${mode})`, async () => {
      const attention = mode === 'stream' ? 'causal-tssa' : 'softmax-causal';
      const model = buildCausalLM({ vocabSize: 12, maxLength: 16, dim: 16, depth: 1, heads: 2, attention });
      const seen: { ids: number[]; index: number }[] = [];
      let pending = 0;
      const out = (await generate(
        model,
        [
          [1, 2],
          [3, 4],
        ],
        {
          maxNewTokens: 5,
          temperature: 0,
          mode,
          onToken: async (ids, index) => {
            expect(pending).toBe(0);
            pending++;
            await new Promise((resolve) => setTimeout(resolve, 1));
            pending--;
            seen.push({ ids, index });
          },
        },
      )) as number[][];
      expect(seen.map((s) => s.index)).toEqual([0, 1, 2, 3, 4]);
      expect(seen.map((s) => s.ids)).toEqual([0, 1, 2, 3, 4].map((k) => [out[0]![2 + k], out[1]![2 + k]]));
    });
  }
});
