import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { blocksToHtml, heading, table } from '../render/report-blocks.js';
import { renderCharts } from './charts.js';
import { scalingReportPage } from './report-page.js';
import { syntheticScalingResult } from './synthetic-result.js';

const CHROMIUM = '/usr/bin/chromium';

/** The decompressed pixel rows of a PNG (all IDAT chunks inflated): enough to tell a blank page from a drawn one. */
function pngPixelBytes(png: Buffer): Buffer {
  const idat: Buffer[] = [];
  let offset = 8;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    if (type === 'IDAT') idat.push(png.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  return inflateSync(Buffer.concat(idat));
}

async function samplePage(lraHtml?: string): Promise<string> {
  const result = syntheticScalingResult();
  const charts = await renderCharts(result);
  return scalingReportPage({
    scaling: [{ result, charts }],
    ...(lraHtml ? { lraHtml } : {}),
    generatedAt: 'test',
  });
}

describe('scalingReportPage', () => {
  it('is one self-contained document: inlined SVG charts, tables, no external resources or scripts', async () => {
    const html = await samplePage(
      blocksToHtml([heading(2, 'LRA test accuracy (%)'), table(['model', 'listops'], [['ours', '37.00']])], {
        headingShift: 1,
      }),
    );
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.match(/<svg/g)).toHaveLength(3);
    expect(html).not.toContain('<?xml');
    expect(html).not.toMatch(/<script|<link|src="http|href="http|@import/);
    expect(html).toContain('<h2>Scaling (train)</h2>');
    expect(html).toContain('<h3>LRA test accuracy (%)</h3>');
    expect(html).toContain('<td>37.00</td>');
    // Tables are built from the rows: no markdown left over.
    expect(html).toContain('<th>comparison</th><th>measured</th><th>target</th><th>verdict</th>');
    expect(html).not.toMatch(/\| ---/);
    // The headline label is escaped.
    expect(html).toContain('synthetic target &lt;&amp;&gt;');
    expect(html).toContain('by <code>tost-bench scaling</code>');
  });

  it('without LRA results there is no LRA section, with a note there is one', async () => {
    const result = syntheticScalingResult();
    expect(scalingReportPage({ scaling: [{ result, charts: [] }] })).not.toContain('Long Range Arena');
    expect(scalingReportPage({ scaling: [], lraNote: 'no runs at x' })).toContain('<p>no runs at x</p>');
  });

  it('appends extra sections (the extension point for other reports) after LRA, with escaped titles', () => {
    const html = scalingReportPage({
      scaling: [],
      lraNote: 'none',
      extraSections: [
        { title: 'Why <TSSA>', html: '<p>first</p>' },
        { title: 'Second', html: '<ul><li>x</li></ul>' },
      ],
    });
    const first = html.indexOf('<h2>Why &lt;TSSA&gt;</h2>\n<p>first</p>');
    expect(first).toBeGreaterThan(html.indexOf('Long Range Arena'));
    expect(html.indexOf('<h2>Second</h2>')).toBeGreaterThan(first);
    expect(scalingReportPage({ scaling: [] })).not.toContain('<section>');
  });

  if (!existsSync(CHROMIUM))
    console.log(`report-page: skipping the headless Chromium test, ${CHROMIUM} is not installed`);
  it.skipIf(!existsSync(CHROMIUM))(
    'renders in headless Chromium to a non-blank screenshot (skipped where chromium is not installed)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tost-report-'));
      try {
        const page = join(dir, 'report.html');
        const shot = join(dir, 'shot.png');
        writeFileSync(page, await samplePage());
        execFileSync(
          CHROMIUM,
          [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            `--user-data-dir=${join(dir, 'profile')}`,
            '--window-size=1280,1600',
            `--screenshot=${shot}`,
            `file://${page}`,
          ],
          { timeout: 60_000, stdio: 'pipe' },
        );
        const png = readFileSync(shot);
        expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
        expect(png.readUInt32BE(16)).toBe(1280);
        // A blank page inflates to rows of one repeated byte; text, tables and charts give many distinct values.
        const distinct = new Set(pngPixelBytes(png)).size;
        expect(distinct).toBeGreaterThan(50);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
