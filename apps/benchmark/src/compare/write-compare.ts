import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { computeHeadlines } from '../scaling/headlines.js';
import type { ScalingResult, SeriesResult } from '../scaling/scaling-result.js';
import { writeAtomically, writeScalingOutputs } from '../scaling/write-outputs.js';
import { compareSection } from './compare-section.js';
import { compareMarkdown, compareRows, type CompareRow } from './compare-table.js';
import { renderParetoChart } from './pareto-chart.js';
import type { CompareRun } from './run-compare.js';

export const COMPARE_JSON = 'compare.json';
export const COMPARE_MARKDOWN = 'compare.md';

/** The table as JSON: one row per variant with every number behind the markdown. */
export interface CompareResultFile {
  format: 'tost-compare-1';
  settings: CompareRun['state']['settings'];
  environment: CompareRun['state']['environment'];
  tasks: string[];
  seeds: number[];
  rows: CompareRow[];
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
 * Writes compare.md, compare.json and compare-pareto.svg/.png to the output directory, plus the report page
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
  const markdown = compareMarkdown(state, rows, tasks);
  const chart = await renderParetoChart(rows, tasks, lengths, state.settings.backend);
  const file: CompareResultFile = {
    format: 'tost-compare-1',
    settings: state.settings,
    environment: state.environment,
    tasks,
    seeds: options.seeds,
    rows,
  };
  const written: string[] = [];
  const put = (name: string, data: string | Uint8Array) => {
    writeAtomically(join(outDir, name), data);
    written.push(join(outDir, name));
  };
  put(COMPARE_MARKDOWN, `${markdown}\n`);
  put(COMPARE_JSON, `${JSON.stringify(file, null, 2)}\n`);
  put(`${chart.name}.svg`, chart.svg);
  put(`${chart.name}.png`, chart.png);
  const pageFiles = await writeScalingOutputs(scalingResultOf(run), outDir, {
    lraDir: join(outDir, 'lra'),
    extraSections: [compareSection(markdown, rows, lengths, tasks, chart)],
  });
  return { files: [...written, ...pageFiles], markdown };
}
