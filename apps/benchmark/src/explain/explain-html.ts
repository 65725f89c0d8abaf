import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inlineSvg } from '../render/report-page.js';
import { escapeHtml, markdownToHtml } from '../render/markdown-to-html.js';
import type { Figure } from './membership-figures.js';

export interface ExplainPageInput {
  name: string;
  /** Where the examples come from. */
  inputsDescription: string;
  /** Markdown table of the per-layer numbers. */
  table: string;
  chartSvg: string;
  figures: Figure[];
  notes: string[];
  /** Directory holding the figures (they are inlined as data: URIs, so the fragment stands alone). */
  outDir: string;
}

function image(outDir: string, figure: Figure): string {
  const data = readFileSync(join(outDir, figure.file)).toString('base64');
  return (
    `<figure><img alt="${escapeHtml(figure.title)}" src="data:image/png;base64,${data}" style="image-rendering: pixelated; max-width: 100%">` +
    `<figcaption>${escapeHtml(figure.title)}</figcaption></figure>`
  );
}

/**
 * The white-box section as {title, html}: the report page's `ExtraSection` (it adds the <section> and <h2>), or
 * wrapped by `explainPage` on its own. No scripts; images inlined as data: URIs.
 */
export function explainSection(input: ExplainPageInput): { title: string; html: string } {
  const title = `White-box analysis: ${input.name}`;
  const groups: [Figure['group'], string][] = [
    ['inputs', 'Inputs'],
    [
      'membership',
      'Membership Π per TSSA layer and head (viridis on [0, 1]; grey = padding; one row or panel per example)',
    ],
    [
      'class-attention',
      'Class-attention: the CLS token’s attention over the patches (scaled to each map’s maximum)',
    ],
  ];
  const parts = [
    `<p>Examples: ${escapeHtml(input.inputsDescription)}.</p>`,
    `<p>Per layer, the compression term of the tokens <em>entering</em> the attention (what it receives, LN1 of the residual stream) ` +
      `and <em>leaving</em> it (entering + the attention's update), both with that layer's own projection U (and bias) and, ` +
      `for TSSA, its own membership Π: R_var = ½ Σ_k (n_k/n) Σ_j log(1 + (1/n_k)(U_kᵀZ Diag(π_k) ZᵀU_k)_jj), and the MCR² ` +
      `coding-rate compression R^c = Σ_k ½ log det(I + p/(nε²) (ZU_k)ᵀ(ZU_k)), averaged over the examples.</p>`,
    markdownToHtml(input.table),
    `<figure>${inlineSvg(input.chartSvg)}<figcaption>compression term per layer</figcaption></figure>`,
    ...input.notes.map((n) => `<p class="meta">${escapeHtml(n)}</p>`),
  ];
  for (const [group, heading] of groups) {
    const figures = input.figures.filter((f) => f.group === group);
    if (figures.length === 0) continue;
    parts.push(`<h3>${escapeHtml(heading)}</h3>`, ...figures.map((f) => image(input.outDir, f)));
  }
  return { title, html: parts.join('\n') };
}

/** A standalone page around the section (when the report page is not used). */
export function explainPage(section: { title: string; html: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(section.title)}</title>
<style>
body { font-family: 'DejaVu Sans', system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #1b1b1b; }
table { border-collapse: collapse; font-size: 0.85rem; } th, td { border: 1px solid #c8c8c8; padding: 0.2rem 0.5rem; }
th { background: #eef2f7; } figure { margin: 0.8rem 0; overflow-x: auto; } figcaption, .meta { font-size: 0.85rem; color: #555; }
</style>
</head>
<body>
<section class="tost-explain">
<h2>${escapeHtml(section.title)}</h2>
${section.html}
</section>
</body>
</html>
`;
}
