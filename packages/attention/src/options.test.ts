import { describe, it, expect } from 'vitest';
import { validateAttentionOptions } from './options.js';

describe('validateAttentionOptions', () => {
  it('derives the head width and applies defaults', () => {
    expect(validateAttentionOptions({ dim: 12, heads: 3 }, 'X', true)).toEqual({
      dim: 12,
      heads: 3,
      headDim: 4,
      dropout: 0,
      useBias: true,
    });
    expect(
      validateAttentionOptions({ dim: 4, heads: 4, dropout: 0.1, useBias: false }, 'X', true).useBias,
    ).toBe(false);
  });

  it.each([
    [{ dim: -4, heads: 1 }, /X: option 'dim' must be a positive integer, got -4/],
    [{ dim: '8', heads: 1 }, /'dim' must be a positive integer, got 8/],
    [{ dim: 8, heads: 0 }, /'heads' must be a positive integer, got 0/],
    [{ dim: 8, heads: 3 }, /'heads' \(3\) must divide 'dim' \(8\)/],
    [{ dim: 8, heads: 2, dropout: -0.1 }, /'dropout' must be a number in \[0, 1\), got -0.1/],
    [{ dim: 8, heads: 2, useBias: 'yes' }, /'useBias' must be a boolean/],
  ])('rejects %j', (options, message) => {
    expect(() => validateAttentionOptions(options as never, 'X', true)).toThrow(message);
  });

  it('rejects a missing options object', () => {
    expect(() => validateAttentionOptions(undefined, 'TSSA', true)).toThrow(
      /TSSA: expected an options object/,
    );
  });
});
