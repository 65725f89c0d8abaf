import { escapeHtml } from './markdown-to-html.js';

export interface ReportChart {
  title: string;
  /** The chart's SVG document (inlined into the page). */
  svg: string;
}

/**
 * A section another part of the app adds to the page (e.g. the "explain" section): a heading and trusted HTML
 * that is inserted as given (escape any data yourself, e.g. with `escapeHtml` / `markdownToHtml`). Keep it
 * self-contained: inline scripts and styles only, nothing fetched (the page must open offline).
 */
export interface ExtraSection {
  title: string;
  html: string;
}

export interface ReportPageInput {
  title?: string;
  /** What wrote the page, shown after the date (default `tost-bench`). */
  generator?: string;
  generatedAt?: string;
  /** The body: trusted HTML blocks, in order. */
  body: string[];
  /** Extension point: extra sections appended after the body, in order. */
  extraSections?: ExtraSection[];
}

const STYLE = `
body { font-family: 'DejaVu Sans', system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem;
  color: #1b1b1b; background: #fff; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { border-bottom: 2px solid #4c78a8; padding-bottom: 0.2rem; margin-top: 2.5rem; }
h3 { margin-top: 1.8rem; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.85rem; }
th, td { border: 1px solid #c8c8c8; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
tbody tr:nth-child(even) { background: #f8f8f8; }
figure { margin: 1rem 0; overflow-x: auto; }
figcaption { font-size: 0.85rem; color: #555; }
code { background: #f2f2f2; padding: 0 0.2rem; }
.meta { color: #555; font-size: 0.9rem; }
`;

/** Strips the XML prolog and doctype so an SVG document can be inlined into HTML. */
export function inlineSvg(svg: string): string {
  return svg
    .replace(/<\?xml[^>]*>\s*/g, '')
    .replace(/<!DOCTYPE[^>]*>\s*/g, '')
    .trim();
}

/** A chart as a figure: the SVG inlined, its title as the caption. */
export function chartFigure(chart: ReportChart): string {
  return `<figure>${inlineSvg(chart.svg)}<figcaption>${escapeHtml(chart.title)}</figcaption></figure>`;
}

/**
 * The self-contained HTML report page: the body blocks, then the extra sections, each in a <section> under its <h2>.
 * No scripts, stylesheets, fonts or images are fetched by the page itself: it opens offline.
 */
export function renderReportPage(input: ReportPageInput): string {
  const title = input.title ?? 'ToST.js benchmark report';
  const extras = (input.extraSections ?? [])
    .map((section) => `<section>\n<h2>${escapeHtml(section.title)}</h2>\n${section.html}\n</section>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Generated ${escapeHtml(input.generatedAt ?? new Date().toISOString())} by <code>${escapeHtml(input.generator ?? 'tost-bench')}</code>.</p>
${input.body.join('\n')}
${extras}
</body>
</html>
`;
}
