import { escapeHtml } from '../render/markdown-to-html.js';
import { chartFigure, renderReportPage, type ExtraSection, type ReportChart } from '../render/report-page.js';
import { scalingHtml } from './scaling-report.js';
import type { ScalingResult } from './scaling-result.js';

export interface ScalingReportSection {
  result: ScalingResult;
  charts: ReportChart[];
}

export interface ScalingReportInput {
  scaling: ScalingReportSection[];
  /** The LRA results as HTML (`lraReportHtml(runs, {headingShift: 1})`), when an LRA runs directory was given. */
  lraHtml?: string;
  /** Why the LRA section is missing (e.g. the directory could not be read), shown instead of it. */
  lraNote?: string;
  generatedAt?: string;
  /** Extension point: extra sections appended after the scaling and LRA sections, in order. */
  extraSections?: ExtraSection[];
  /** The command named as the page's generator (default 'tost-bench scaling'). */
  generator?: string;
}

/**
 * `tost-bench scaling`'s report page: per scaling run its targets, slopes and measurement tables with the charts
 * inlined as SVG, then the LRA results, then any extra sections (e.g. `tost-bench explain`'s).
 */
export function scalingReportPage(input: ScalingReportInput): string {
  const scaling = input.scaling.length
    ? input.scaling.map(({ result, charts }) => [scalingHtml(result), ...charts.map(chartFigure)].join('\n'))
    : ['<p>No scaling results.</p>'];
  const lra = input.lraHtml
    ? [`<h2>Long Range Arena</h2>\n${input.lraHtml}`]
    : input.lraNote
      ? [`<h2>Long Range Arena</h2>\n<p>${escapeHtml(input.lraNote)}</p>`]
      : [];
  return renderReportPage({
    generator: input.generator ?? 'tost-bench scaling',
    body: [...scaling, ...lra],
    ...(input.generatedAt ? { generatedAt: input.generatedAt } : {}),
    ...(input.extraSections ? { extraSections: input.extraSections } : {}),
  });
}
