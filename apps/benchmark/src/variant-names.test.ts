import { describe, expect, it } from 'vitest';
import {
  blockAttentions,
  isHybrid,
  parseVariant,
  parseVariantList,
  variantComplexity,
} from './variant-names.js';

describe('variant names: a registered attention or a hybrid a+b, for every command', () => {
  it.each([
    ['tssa', ['tssa'], false],
    ['tssa + softmax', ['tssa', 'softmax'], true],
    ['causal-tssa+softmax-causal', ['causal-tssa', 'softmax-causal'], true],
  ] as const)("parses %j into its blocks' attentions %j (hybrid: %j)", (name, parts, hybrid) => {
    expect(parseVariant(name)).toEqual(parts);
    expect(isHybrid(name)).toBe(hybrid);
  });

  it('parses a comma-separated list', () => {
    expect(parseVariantList('tssa, softmax,tssa+local')).toEqual(['tssa', 'softmax', 'tssa+local']);
  });

  it.each([
    [
      'tssa+',
      "--attention: expected a registered attention or a hybrid a+b (two registered names: every block a except the last, b), got 'tssa+'",
    ],
    ['+softmax', "got '+softmax'"],
    ['tssa+softmax+local', "got 'tssa+softmax+local'"],
  ])("refuses the malformed '%s', saying what it expected and what it got", (name, message) => {
    expect(() => parseVariant(name)).toThrow(message);
  });

  it('names the flag, the unknown part, the hybrid it stands in and the registered names', () => {
    expect(() => parseVariant('tssa+flash', '--hybrids')).toThrow(
      /^--hybrids: unknown attention 'flash' in 'tssa\+flash'; registered: .*\bsoftmax\b.*\btssa\b/,
    );
    expect(() => parseVariant('flash')).toThrow(/^--attention: unknown attention 'flash'; registered: /);
    expect(() => parseVariantList(' , ', '--hybrids')).toThrow(
      /^--hybrids: expected a comma-separated list of registered attentions or hybrids a\+b, got ' , '; registered: /,
    );
  });

  it.each([
    ['tssa+softmax', 3, ['tssa', 'tssa', 'softmax']],
    ['tssa+softmax', 2, ['tssa', 'softmax']],
    ['tssa', 2, ['tssa', 'tssa']],
  ] as const)('gives each block of %j at depth %d its attention: %j', (name, depth, blocks) => {
    expect(blockAttentions(name, depth)).toEqual(blocks);
  });

  it.each([
    ['tssa+softmax', 'quadratic'],
    ['softmax+tssa', 'quadratic'],
    ['tssa+linear', 'linear'],
  ])('%s is as costly as its costliest block: %s', (name, complexity) => {
    expect(variantComplexity(name)).toBe(complexity);
  });
});
