import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@tost/backend';
import { fileSystem } from '@tost/backend/node';
import { buildTokenClassifier } from '@tost/models';
import { checkpointSource } from './sources.js';

describe('explain --checkpoint', () => {
  let modelDir: string;
  beforeAll(async () => {
    await initBackend('cpu');
    // A `tost-bench quality` cell: model/ beside a result.json that is not an LRA run's.
    const cell = mkdtempSync(join(tmpdir(), 'explain-checkpoint-'));
    modelDir = join(cell, 'model');
    mkdirSync(modelDir);
    writeFileSync(join(cell, 'result.json'), JSON.stringify({ format: 'tost-quality-cell-1' }));
    const model = buildTokenClassifier({
      ...{ vocabSize: 16, maxLength: 12, numClasses: 16, dim: 8, depth: 2, heads: 2 },
      attention: ['tssa', 'softmax'],
      shortConv: 3,
      seed: 1,
    });
    await model.save(fileSystem(modelDir));
    model.dispose();
  });

  it('explains a model whose folder holds a non-LRA result.json, on random ids over the whole vocabulary', async () => {
    const source = checkpointSource(modelDir, undefined, undefined, () => {});
    const examples = source.inputs(8, 1);
    const ids = examples.inputs as tf.Tensor;
    expect(ids.shape).toEqual([8, 12]);
    const values = Array.from(await ids.data());
    ids.dispose();
    expect(examples.description).toBe('8 random token sequences (ids 1…15; no --data/--task given)');
    expect(Math.min(...values)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...values)).toBeLessThanOrEqual(15);
    // 96 draws from 1…15: far from all equal (before the fix every id was 1).
    expect(new Set(values).size).toBeGreaterThan(5);
  });
});
