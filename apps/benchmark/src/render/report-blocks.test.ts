import { describe, it, expect } from 'vitest';
import { blocksToHtml, blocksToMarkdown, heading, paragraph, table } from './report-blocks.js';
import { htmlTable } from './html-table.js';

const blocks = [
  heading(2, 'Results'),
  paragraph('Backend **wasm**.'),
  table(['model', 'acc'], [['**ours** a|b', '37.00']]),
];

describe('report blocks: one report, written as markdown and as HTML', () => {
  it('markdown: blocks separated by blank lines, | escaped in cells', () => {
    expect(blocksToMarkdown(blocks)).toBe(
      '## Results\n\nBackend **wasm**.\n\n| model         | acc   |\n| ------------- | ----- |\n| **ours** a\\|b | 37.00 |',
    );
  });

  it('HTML: headings shifted on request, paragraphs through marked, tables from the rows', () => {
    expect(blocksToHtml(blocks, { headingShift: 1 })).toBe(
      '<h3>Results</h3>\n<p>Backend <strong>wasm</strong>.</p>\n' +
        '<table>\n<thead><tr><th>model</th><th>acc</th></tr></thead>\n<tbody>\n' +
        '<tr><td><strong>ours</strong> a|b</td><td>37.00</td></tr>\n</tbody>\n</table>',
    );
  });

  it('htmlTable escapes markup in cells', () => {
    expect(htmlTable({ header: ['<h>'], rows: [['<script>x</script>']] })).toContain(
      '<td>&lt;script&gt;x&lt;/script&gt;</td>',
    );
  });
});
