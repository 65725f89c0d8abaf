import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { computeHeadlines } from '../scaling/headlines.js';
import type { ScalingResult, SeriesResult } from '../scaling/scaling-result.js';
import { writeAtomically, writeScalingOutputs } from '../scaling/write-outputs.js';
import { compareSection } from './compare-section.js';
import { compareMarkdown, compareRows, type CompareRow } from './compare-table.js';
import { paretoLength, renderParetoChart } from './pareto-chart.js';
import { qualityMarkdown, readQualityColumns, renderQualityCharts } from './quality-columns.js';
import { summaryMarkdown } from './summary-table.js';
import type { CompareRun } from './run-compare.js';
import type { QualitySummaryRow } from '../quality/results.js';

/** Where compare reads (and `--quality-tasks` writes) the quality results: OUT/quality. */
export const QUALITY_SUBDIR = 'quality';

export const COMPARE_JSON = 'compare.json';
export const COMPARE_MARKDOWN = 'compare.md';
/** The short table (speed, memory, quality) the README quotes. */
export const COMPARE_SUMMARY = 'compare-summary.md';

/** The table as JSON: one row per variant with every number behind the markdown. */
export interface CompareResultFile {
  format: 'tost-compare-1';
  settings: CompareRun['state']['settings'];
  environment: CompareRun['state']['environment'];
  tasks: string[];
  seeds: number[];
  rows: CompareRow[];
  /** `tost-bench quality`'s summary (OUT/quality/quality.json) when there is one. */
  quality?: QualitySummaryRow[];
}

/** The sweeps as a scaling result, so the report page shows them with the scaling command's tables and charts. */
export function scalingResultOf(run: CompareRun): ScalingResult {
  const s = run.state.settings;
  const series = run.descriptors
    .map((d) => run.state.scaling[d.name]?.series)
    .filter((x): x is SeriesResult => x !== undefined);
  const result: ScalingResult = {
    format: 'tost-scaling-1',
    settings: {
      mode: 'train',
      attentions: series.map((x) => x.name),
      lengths: [...s.lengths].sort((a, b) => a - b),
      dim: s.dim,
      heads: s.heads,
      batch: s.batch,
      warmup: s.warmup,
      repeats: s.repeats,
      timeLimitSeconds: s.timeLimitSeconds,
      memoryLimitBytes: s.memoryLimitBytes,
      decodePositions: [],
    },
    environment: run.state.environment,
    series,
    headlines: [],
  };
  result.headlines = computeHeadlines(result);
  return result;
}

/**
 * Writes compare.md, compare.json, compare-summary.md, compare-pareto.svg/.png (when quick-LRA tasks ran) and the quality charts to the output directory, plus the report page
 * (report.html: the sweeps with the scaling command's tables and charts, the LRA runs, then the sortable comparison
 * and the Pareto chart). Returns the files written and the markdown table.
 */
export async function writeCompareOutputs(run: CompareRun): Promise<{ files: string[]; markdown: string }> {
  const { state, options } = run;
  const outDir = options.outDir;
  mkdirSync(outDir, { recursive: true });
  const tasks = [...options.tasks];
  const lengths = [...state.settings.lengths].sort((a, b) => a - b);
  const rows = compareRows(state, run.descriptors, tasks, options.seeds);
  const quality = readQualityColumns(join(outDir, QUALITY_SUBDIR));
  const length = paretoLength(lengths);
  const compareMd = compareMarkdown(state, rows, tasks);
  const qualityMd = quality ? qualityMarkdown(quality, rows, length) : undefined;
  const markdown = compareMd + (qualityMd ? `\n\n${qualityMd}` : '');
  // The quick-LRA Pareto chart only when LRA tasks ran (`--tasks none`: no accuracy axis to draw).
  const chart =
    tasks.length > 0 ? await renderParetoChart(rows, tasks, lengths, state.settings.backend) : undefined;
  const qualityCharts = quality
    ? await renderQualityCharts(quality, rows, length, state.settings.backend)
    : [];
  const file: CompareResultFile = {
    format: 'tost-compare-1',
    settings: state.settings,
    environment: state.environment,
    tasks,
    seeds: options.seeds,
    rows,
    ...(quality ? { quality: [...quality.cells.values()].flatMap((m) => [...m.values()]) } : {}),
  };
  const written: string[] = [];
  const put = (name: string, data: string | Uint8Array) => {
    writeAtomically(join(outDir, name), data);
    written.push(join(outDir, name));
  };
  put(COMPARE_MARKDOWN, `${markdown}\n`);
  put(COMPARE_JSON, `${JSON.stringify(file, null, 2)}\n`);
  put(COMPARE_SUMMARY, `${summaryMarkdown(rows, quality, length)}\n`);
  for (const c of [...(chart ? [chart] : []), ...qualityCharts]) {
    put(`${c.name}.svg`, c.svg);
    put(`${c.name}.png`, c.png);
  }
  const pageFiles = await writeScalingOutputs(scalingResultOf(run), outDir, {
    generator: 'tost-bench compare',
    // The quick LRA accuracies, when this run has LRA tasks (`--tasks none`: no LRA section at all).
    ...(tasks.length > 0 ? { lraDir: join(outDir, 'lra') } : {}),
    extraSections: [
      compareSection(
        compareMd,
        rows,
        lengths,
        tasks,
        chart,
        qualityMd ? { markdown: qualityMd, charts: qualityCharts } : undefined,
      ),
    ],
  });
  return { files: [...written, ...pageFiles], markdown };
}
