import { scalingMarkdown } from './scaling-report.js';
import { runScalingBenchmark, type ScalingRunOptions } from './run.js';
import type { ScalingResult } from './scaling-result.js';
import { computeHeadlines } from './headlines.js';
import { readScalingResults, writeScalingOutputs } from './write-outputs.js';
import type { ExtraSection } from '../render/report-page.js';

export interface ScalingCommandOptions extends ScalingRunOptions {
  outDir: string;
  /** LRA runs directory shown on the report page (`runs/<run>/result.json`). */
  lraDir?: string;
  /** Report-page sections from `tost-bench explain` (see readExplainSections). */
  extraSections?: ExtraSection[];
}

/**
 * `tost-bench scaling`: runs the sweep, prints the markdown report and writes JSON, markdown, SVG/PNG charts and the
 * HTML report page to `outDir`.
 */
export async function runScalingCommand(options: ScalingCommandOptions): Promise<ScalingResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  log(
    `scaling (${options.mode}): ${options.attentions.join(', ')} at ${options.lengths.join(', ')} tokens, ` +
      `dim ${options.dim}, heads ${options.heads}, batch ${options.batch}`,
  );
  const result = await runScalingBenchmark({ ...options, log });
  const files = await writeScalingOutputs(result, options.outDir, {
    ...(options.lraDir !== undefined ? { lraDir: options.lraDir } : {}),
    ...(options.extraSections ? { extraSections: options.extraSections } : {}),
  });
  console.log('');
  console.log(scalingMarkdown(result));
  console.log('');
  console.log(`wrote ${files.join(', ')}`);
  return result;
}

/**
 * `tost-bench scaling --rerender`: rebuilds the markdown, charts and report page from the scaling-*.json already in
 * `outDir` (targets recomputed with the current code), without measuring anything.
 */
export async function rerenderScalingOutputs(
  outDir: string,
  lraDir?: string,
  extraSections?: ExtraSection[],
): Promise<void> {
  const results = readScalingResults(outDir);
  if (results.length === 0)
    throw new Error(`--rerender: no scaling-train.json or scaling-forward.json in ${outDir}`);
  for (const result of results) {
    result.headlines = computeHeadlines(result);
    const files = await writeScalingOutputs(result, outDir, {
      ...(lraDir !== undefined ? { lraDir } : {}),
      ...(extraSections ? { extraSections } : {}),
    });
    console.log(`wrote ${files.join(', ')}`);
  }
}
