import { describe, it, expect } from 'vitest';
import { chartFigure, inlineSvg, renderReportPage } from './report-page.js';

describe('renderReportPage', () => {
  it('one self-contained document: the body blocks, then extra sections with escaped titles', () => {
    const html = renderReportPage({
      title: 'T <1>',
      generator: 'tost-bench x',
      generatedAt: 'now',
      body: ['<p>first</p>', '<p>second</p>'],
      extraSections: [{ title: 'Why <TSSA>', html: '<p>extra</p>' }],
    });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<h1>T &lt;1&gt;</h1>');
    expect(html).toContain('Generated now by <code>tost-bench x</code>.');
    expect(html.indexOf('<p>second</p>')).toBeGreaterThan(html.indexOf('<p>first</p>'));
    expect(html.indexOf('<h2>Why &lt;TSSA&gt;</h2>\n<p>extra</p>')).toBeGreaterThan(
      html.indexOf('<p>second</p>'),
    );
    expect(html).not.toMatch(/<script|<link|src="http|href="http|@import/);
    expect(renderReportPage({ body: [] })).not.toContain('<section>');
  });

  it('inlines an SVG chart as a figure without its XML prolog', () => {
    const svg = '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg width="1"></svg>';
    expect(inlineSvg(svg)).toBe('<svg width="1"></svg>');
    expect(chartFigure({ title: 'a & b', svg })).toBe(
      '<figure><svg width="1"></svg><figcaption>a &amp; b</figcaption></figure>',
    );
  });
});
