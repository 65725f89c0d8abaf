import { initBackend } from '@tost/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareTask, QualityData, type QualitySetting } from './tasks.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const charLm: QualitySetting = {
  task: 'char-lm',
  shortConv: 4,
  length: 32,
  steps: 10,
  batchSize: 2,
  dim: 16,
  depth: 1,
  heads: 2,
  mlpRatio: 2,
};

describe('prepareTask char-lm batches', () => {
  it('a run resumed at step n draws the windows an uninterrupted run sees at step n', () => {
    const data = new QualityData();
    const whole = prepareTask(charLm, 'causal-tssa', 1, data);
    const seen = [0, 1, 2, 3].map((step) => whole.batch(step));
    const resumed = prepareTask(charLm, 'causal-tssa', 1, data);
    expect(resumed.batch(3)).toEqual(seen[3]);
    expect(seen[3]!.ids).not.toEqual(seen[2]!.ids);
    expect(() => resumed.batch(1)).toThrow(
      'char-lm: batch 1 requested after batch 3 (the windows are a stream)',
    );
    whole.model.dispose();
    resumed.model.dispose();
  });
});
