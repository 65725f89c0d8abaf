import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkClassifierAttentions, runLraCommand, type LraCommandOptions } from './command.js';
import { lraSettings } from './presets.js';

describe('tost-bench lra: attentions are checked before any data is made', () => {
  const root = mkdtempSync(join(tmpdir(), 'tost-lra-check-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('a causal attention fits a pooling that reads every token, and is an error under a CLS token', () => {
    expect(() =>
      checkClassifierAttentions(['tssa', 'causal-tssa'], [{ task: 'listops', pooling: 'class-attention' }]),
    ).not.toThrow();
    expect(() =>
      checkClassifierAttentions(['causal-tssa'], [{ task: 'listops', pooling: 'mean' }]),
    ).not.toThrow();
    expect(() =>
      checkClassifierAttentions(
        ['tssa', 'causal-tssa'],
        [
          { task: 'listops', pooling: 'cls' },
          { task: 'pathfinder', pooling: 'class-attention' },
        ],
      ),
    ).toThrow(
      /^--attention: causal-tssa is causal, and listops pools with a CLS token, .*use a non-causal attention \(one of (?=.*\btssa\b)(?=.*\bsoftmax\b)(?!.*causal-tssa)/,
    );
    expect(() =>
      checkClassifierAttentions(['softmax-causal', 'linear-causal'], [{ task: 'listops', pooling: 'cls' }]),
    ).toThrow(/^--attention: softmax-causal, linear-causal are causal,/);
    // Every preset pools with class attention, so the CLI takes causal variants as uni-directional encoders.
    for (const preset of ['quick', 'paper'] as const) {
      expect(lraSettings('listops', preset).pooling).toBe('class-attention');
    }
  });

  it('an unknown attention is an error before any data is generated', async () => {
    const options: LraCommandOptions = {
      tasks: ['listops'],
      attentions: ['tsa'],
      preset: 'quick',
      block: 'tost',
      dataDir: join(root, 'data'),
      generate: true,
      outDir: join(root, 'runs'),
      seed: 1,
      resume: false,
      backend: 'cpu',
      overrides: {},
      log: () => {},
    };
    await expect(runLraCommand(options)).rejects.toThrow(/tsa/);
    expect(existsSync(join(root, 'data'))).toBe(false);
  });
});
