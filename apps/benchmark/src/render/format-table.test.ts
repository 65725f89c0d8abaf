import { describe, it, expect } from 'vitest';
import { Marked } from 'marked';
import { formatTable } from './format-table.js';

describe('formatTable', () => {
  it('pads columns to the widest cell', () => {
    expect(formatTable(['a', 'bb'], [['ccc', 'd']])).toBe('| a   | bb |\n| --- | -- |\n| ccc | d  |');
  });

  it('escapes | in cells, so a markdown reader keeps it inside its cell', () => {
    const table = formatTable(['x|y', 'b'], [['1 | 2', '3']]);
    expect(table).toBe('| x\\|y   | b |\n| ------ | - |\n| 1 \\| 2 | 3 |');
    const html = new Marked({ gfm: true, async: false }).parse(table) as string;
    expect(html).toContain('<th>x|y</th>');
    expect(html).toContain('<td>1 | 2</td>');
    expect(html.match(/<td>/g)).toHaveLength(2);
  });
});
