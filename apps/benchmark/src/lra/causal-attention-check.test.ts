import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLraCommand, type LraCommandOptions } from './command.js';

describe('tost-bench lra: attentions are checked before any data is made', () => {
  const root = mkdtempSync(join(tmpdir(), 'tost-lra-check-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const options = (attentions: string[]): LraCommandOptions => ({
    tasks: ['listops'],
    attentions,
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
  });

  it('a causal attention is an error naming it and the ones that fit, and nothing is generated', async () => {
    await expect(runLraCommand(options(['tssa', 'causal-tssa']))).rejects.toThrow(
      /^--attention: causal-tssa is causal; the LRA classifiers need non-causal attention \(one of (?=.*\btssa\b)(?=.*\bsoftmax\b)(?!.*causal-tssa)/,
    );
    await expect(runLraCommand(options(['softmax-causal', 'linear-causal']))).rejects.toThrow(
      /^--attention: softmax-causal, linear-causal are causal;/,
    );
    expect(existsSync(join(root, 'data'))).toBe(false);
  });

  it('an unknown attention is an error before any data is generated', async () => {
    await expect(runLraCommand(options(['tsa']))).rejects.toThrow(/tsa/);
    expect(existsSync(join(root, 'data'))).toBe(false);
  });
});
