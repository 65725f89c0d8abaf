import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { escapeHtml, markdownToHtml } from '../render/markdown-to-html.js';
import { inlineSvg, type ExtraSection } from '../render/report-page.js';
import type { RenderedChart } from '../render/charts.js';
import { compareHeaders, rowTexts, type CompareRow } from './compare-table.js';

/** Sorts below every measured value (failed lengths, missing accuracies) whichever way a column is sorted. */
const WORST = 999_999_999;

/** variant, family, paper, causal, streaming, complexity: sorted as text; every later column by its number. */
const TEXT_COLUMNS = 6;

/** The number each cell sorts by (text columns sort by their text). */
function sortKeys(row: CompareRow, tasks: readonly string[]): (number | undefined)[] {
  const time = row.lengths.map((c) => c.medianMs ?? WORST);
  const memory = row.lengths.map((c) => c.peakMiB ?? WORST);
  const accuracy = tasks.map((t) => {
    const a = row.accuracy[t];
    return a?.status === 'ok' ? a.mean : -1;
  });
  return [
    ...new Array<undefined>(TEXT_COLUMNS).fill(undefined),
    ...time,
    ...memory,
    row.longestTrainable ?? 0,
    ...accuracy,
  ];
}

/** tablesort (MIT) and its number extension, inlined so the page stays one offline file. */
function tablesortScript(): string {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('tablesort/package.json'));
  return [
    readFileSync(join(root, 'dist', 'tablesort.min.js'), 'utf8'),
    readFileSync(join(root, 'dist', 'sorts', 'tablesort.number.min.js'), 'utf8'),
  ].join('\n');
}

/**
 * The comparison as a report-page section: the markdown's settings paragraph, the table (click a header to sort;
 * numeric columns sort by their value, failed lengths last), the quick-LRA Pareto chart when there are LRA tasks,
 * then the quality table (`tost-bench quality`'s columns) and its charts when there are quality results, inlined as SVG.
 */
export function compareSection(
  markdown: string,
  rows: CompareRow[],
  lengths: number[],
  tasks: readonly string[],
  chart: RenderedChart | undefined,
  quality?: { markdown: string; charts: RenderedChart[] },
): ExtraSection {
  const figure = (c: RenderedChart) =>
    `<figure>${inlineSvg(c.svg)}<figcaption>${escapeHtml(c.title)}</figcaption></figure>`;
  const headers = compareHeaders(lengths, tasks);
  const head = headers
    .map(
      (h, i) =>
        `<th${i >= TEXT_COLUMNS ? ' data-sort-method="number"' : ''}${i === 0 ? ' data-sort-default' : ''}>${escapeHtml(h)}</th>`,
    )
    .join('');
  const body = rows
    .map((row) => {
      const keys = sortKeys(row, tasks);
      const cells = rowTexts(row, tasks).map((text, i) => {
        const key = keys[i];
        return `<td${key === undefined ? '' : ` data-sort="${key}"`}>${escapeHtml(text)}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  // The settings paragraphs of the markdown (its heading and table are rendered here instead).
  const intro = markdownToHtml(
    markdown
      .split('\n')
      .filter((line) => !line.startsWith('#') && !line.trim().startsWith('|'))
      .join('\n'),
  );
  return {
    title: 'Every attention variant, one harness',
    html: [
      intro,
      '<p class="meta">Click a column header to sort by it.</p>',
      '<div style="overflow-x:auto">',
      `<table id="compare-table"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`,
      '</div>',
      ...(chart ? [figure(chart)] : []),
      ...(quality
        ? [
            '<div style="overflow-x:auto">',
            markdownToHtml(quality.markdown),
            '</div>',
            ...quality.charts.map(figure),
          ]
        : []),
      `<script>\n${tablesortScript()}\nnew Tablesort(document.getElementById('compare-table'));\n</script>`,
    ].join('\n'),
  };
}
