import { describe, it, expect } from 'vitest';
import { escapeHtml, inlineMarkdownToHtml, markdownToHtml } from './markdown-to-html.js';

describe('markdownToHtml (marked)', () => {
  it('turns a GitHub table into an HTML table without the separator row', () => {
    const html = markdownToHtml('| a | b |\n| --- | -- |\n| 1 | **2** |');
    expect(html.replace(/\n/g, '')).toBe(
      '<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td><strong>2</strong></td></tr></tbody></table>',
    );
  });

  it('headings (shifted on request), paragraphs, italics and code', () => {
    expect(markdownToHtml('## Title\n\nsome _quiet_ `x` text\nwraps')).toBe(
      '<h2>Title</h2>\n<p>some <em>quiet</em> <code>x</code> text\nwraps</p>',
    );
    expect(markdownToHtml('## Title', { headingShift: 1 })).toBe('<h3>Title</h3>');
    expect(markdownToHtml('## Title')).toBe('<h2>Title</h2>');
    expect(inlineMarkdownToHtml('**ours** _x_')).toBe('<strong>ours</strong> <em>x</em>');
  });

  it('escapes HTML so a result string cannot inject markup', () => {
    expect(markdownToHtml('<script>alert(1)</script>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(markdownToHtml('a <img src=x onerror=alert(1)> b')).toBe(
      '<p>a &lt;img src=x onerror=alert(1)&gt; b</p>',
    );
    expect(inlineMarkdownToHtml('target <&>')).toBe('target &lt;&amp;&gt;');
    expect(escapeHtml(`a&"'`)).toBe('a&amp;&quot;&#39;');
  });
});
