import { describe, it, expect } from 'vitest';
import { escapeHtml, markdownToHtml } from './markdown-to-html.js';

describe('markdownToHtml', () => {
  it('turns a GitHub table into an HTML table without the separator row', () => {
    const html = markdownToHtml('| a | b |\n| --- | -- |\n| 1 | **2** |');
    expect(html).toBe(
      '<table>\n<thead><tr><th>a</th><th>b</th></tr></thead>\n<tbody>\n' +
        '<tr><td>1</td><td><strong>2</strong></td></tr>\n</tbody>\n</table>',
    );
  });

  it('headings (shifted on request), paragraphs, italics and code', () => {
    expect(markdownToHtml('## Title\n\nsome _quiet_ `x` text\nwraps')).toBe(
      '<h2>Title</h2>\n<p>some <em>quiet</em> <code>x</code> text wraps</p>',
    );
    expect(markdownToHtml('## Title', { headingShift: 1 })).toBe('<h3>Title</h3>');
  });

  it('escapes HTML so a result string cannot inject markup', () => {
    expect(markdownToHtml('<script>alert(1)</script>')).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(escapeHtml(`a&"'`)).toBe('a&amp;&quot;&#39;');
  });
});
