import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lraReportHtml } from '../lra/lra-report.js';
import type { ExtraSection } from '../render/report-page.js';
import { readRunResults } from '../runs/lra-result.js';
import { renderCharts } from './charts.js';
import { scalingReportPage } from './report-page.js';
import { scalingMarkdown } from './scaling-report.js';
import type { ScalingResult } from './scaling-result.js';

export const REPORT_PAGE_FILE = 'report.html';
const RESULT_FILE = /^scaling-(train|forward)\.json$/;

export const resultFileName = (mode: string) => `scaling-${mode}.json`;

/** Writes atomically (temp file + rename) so a reader never sees half a file. */
export function writeAtomically(file: string, data: string | Uint8Array): void {
  writeFileSync(`${file}.tmp`, data);
  renameSync(`${file}.tmp`, file);
}

/** Every scaling result in `dir` (scaling-train.json, scaling-forward.json), train first. */
export function readScalingResults(dir: string): ScalingResult[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => RESULT_FILE.test(f))
    .sort((a, b) => b.localeCompare(a)) // scaling-train before scaling-forward
    .map((f) => {
      const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as ScalingResult;
      if (r.format !== 'tost-scaling-1') {
        throw new Error(`cannot read scaling result ${join(dir, f)}: unknown format '${String(r.format)}'`);
      }
      return r;
    });
}

/** The LRA results as HTML for the report page, or a note saying why there are none. */
export function lraSection(lraDir: string | undefined): { lraHtml?: string; lraNote?: string } {
  if (lraDir === undefined) return {};
  if (!existsSync(lraDir)) {
    return { lraNote: `No LRA runs at ${lraDir} yet (tost-bench lra … writes ${lraDir}/<run>/result.json).` };
  }
  try {
    const runs = readRunResults(lraDir);
    if (runs.length === 0) return { lraNote: `No LRA run results (result.json) under ${lraDir}.` };
    return { lraHtml: lraReportHtml(runs, { headingShift: 1 }) };
  } catch (err) {
    return { lraNote: `The LRA results at ${lraDir} could not be read: ${(err as Error).message}` };
  }
}

export interface WriteOutputsOptions {
  /** Directory with LRA runs (`runs/<run>/result.json`) for the report page's LRA table. */
  lraDir?: string;
  /** Sections another part of the app adds to the page (e.g. an "explain" section). */
  extraSections?: ExtraSection[];
  generatedAt?: string;
  /** The command named as the page's generator (default 'tost-bench scaling'). */
  generator?: string;
}

/**
 * Writes one run's outputs to `outDir` — scaling-<mode>.json, scaling-<mode>.md, <mode>-time/-memory/-loglog .svg and
 * .png — then rebuilds report.html from every scaling result in the directory (so a forward run added after a train
 * run appears beside it) plus the LRA table. Returns the files written.
 */
export async function writeScalingOutputs(
  result: ScalingResult,
  outDir: string,
  options: WriteOutputsOptions = {},
): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const mode = result.settings.mode;
  const written: string[] = [];
  const put = (name: string, data: string | Uint8Array) => {
    const file = join(outDir, name);
    writeAtomically(file, data);
    written.push(file);
  };
  put(resultFileName(mode), `${JSON.stringify(result, null, 2)}\n`);
  put(`scaling-${mode}.md`, `${scalingMarkdown(result)}\n`);
  for (const chart of await renderCharts(result)) {
    put(`${chart.name}.svg`, chart.svg);
    put(`${chart.name}.png`, chart.png);
  }
  const all = readScalingResults(outDir);
  const sections = [];
  for (const r of all) sections.push({ result: r, charts: await renderCharts(r) });
  put(
    REPORT_PAGE_FILE,
    scalingReportPage({
      scaling: sections,
      ...lraSection(options.lraDir),
      ...(options.extraSections ? { extraSections: options.extraSections } : {}),
      ...(options.generatedAt ? { generatedAt: options.generatedAt } : {}),
      ...(options.generator ? { generator: options.generator } : {}),
    }),
  );
  return written;
}
