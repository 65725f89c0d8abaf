import { describe, it, expect } from 'vitest';
import '@tost/variants';
import { causalCounterpart, causalVariantName } from './variants.js';

describe('the causal form char-lm runs', () => {
  it("is the family's causal layer of the same name when the family has several causal members", () => {
    // softmax's family also holds selective attention (causal), linear's holds lightning and norm-linear-causal.
    expect(causalCounterpart('softmax')).toBe('softmax-causal');
    expect(causalCounterpart('linear')).toBe('linear-causal');
    expect(causalCounterpart('norm-linear')).toBe('norm-linear-causal');
    expect(causalCounterpart('tssa')).toBe('causal-tssa');
    expect(causalVariantName('tssa+softmax')).toBe('causal-tssa+softmax-causal');
  });

  it('keeps a causal one and names the family when there is none', () => {
    expect(causalCounterpart('selective')).toBe('selective');
    expect(() => causalCounterpart('xca')).toThrow(
      "char-lm needs a causal attention; 'xca' is not causal and its family 'channel' has no causal variant",
    );
  });
});

describe('runQuality: a variant char-lm cannot run', () => {
  it('is said once, not once per short-convolution setting', async () => {
    const { runQuality } = await import('./command.js');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const lines: string[] = [];
    const cells = await runQuality({
      tasks: ['char-lm'],
      variants: ['xca'],
      seeds: 1,
      outDir: mkdtempSync(join(tmpdir(), 'quality-skip-')),
      backend: 'cpu',
      log: (line) => lines.push(line),
    });
    expect(cells).toEqual([]);
    expect(lines.filter((l) => l.startsWith('char-lm: skipping xca:'))).toHaveLength(1);
  });
});
