import { describe, expect, it } from 'vitest';
import {
  blockAttentions,
  isHybrid,
  parseVariant,
  parseVariantList,
  variantComplexity,
} from './variant-names.js';

describe('variant names: a registered attention or a hybrid a+b, for every command', () => {
  it('parses a registered name, a hybrid and a list', () => {
    expect(parseVariant('tssa')).toEqual(['tssa']);
    expect(parseVariant('tssa + softmax')).toEqual(['tssa', 'softmax']);
    expect(parseVariantList('tssa, softmax,tssa+local')).toEqual(['tssa', 'softmax', 'tssa+local']);
    expect(isHybrid('tssa+softmax')).toBe(true);
    expect(isHybrid('causal-tssa')).toBe(false);
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

  it('gives every block its attention (a hybrid: a, …, a, then b) and the worst complexity', () => {
    expect(blockAttentions('tssa+softmax', 3)).toEqual(['tssa', 'tssa', 'softmax']);
    expect(blockAttentions('tssa+softmax', 2)).toEqual(['tssa', 'softmax']);
    expect(blockAttentions('tssa', 2)).toEqual(['tssa', 'tssa']);
    expect(variantComplexity('tssa+softmax')).toBe('quadratic');
    expect(variantComplexity('softmax+tssa')).toBe('quadratic');
    expect(variantComplexity('tssa+linear')).toBe('linear');
  });
});
