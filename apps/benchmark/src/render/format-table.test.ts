import { describe, it, expect } from 'vitest';
import { formatTable } from './format-table.js';

describe('formatTable', () => {
  it('pads columns to the widest cell', () => {
    expect(formatTable(['a', 'bb'], [['ccc', 'd']])).toBe('| a   | bb |\n| --- | -- |\n| ccc | d  |');
  });
});
