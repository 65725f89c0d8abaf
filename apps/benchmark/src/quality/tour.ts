import { formatTable } from '../render/format-table.js';
import type { LraRunResult } from '../runs/lra-result.js';
import type { QualityCellResult } from './results.js';
import type { QualityOptions } from './command.js';

/**
 * The quality parts of `tost-bench quick`, scaled down to run in about a minute per variant on two cores: MQAR with
 * N = 8 pairs and a width-3 short convolution (content recall; measured at this budget on wasm, seed 1: softmax 80 %,
 * tssa+softmax 99 %, TSSA 0.7 % = chance; softmax at N = 32 stays at chance within 400 steps of 32), and spam
 * on the first 256 bytes of each SpamAssassin body for 100 steps of 16 (measured at this budget, wasm, seed 1:
 * tssa 88.4 %, softmax 91.3 %, tssa+softmax 91.0 %, majority class 70.0 %; at 150 steps 89.3 / 91.0 / 89.8 %, and
 * at 512 bytes within a point of these at 2.2–2.8× the time per step).
 * Reduced steps, batches and lengths: NOT the `tost-bench quality` settings.
 */
export const TOUR_QUALITY: Record<
  'mqar' | 'spam',
  Omit<QualityOptions, 'tasks' | 'variants' | 'outDir' | 'backend'>
> = {
  mqar: { seeds: 1, pairs: [8], shortConv: 3, steps: 400, batchSize: 32, learningRate: 3e-3 },
  spam: { seeds: 1, shortConv: 0, steps: 100, batchSize: 16, length: 256, learningRate: 1e-3 },
};

export const TOUR_VARIANTS = ['tssa', 'softmax', 'tssa+softmax'];

/** What one tour task is, for the line printed before it (from the settings above). */
export function tourTaskLine(task: keyof typeof TOUR_QUALITY): string {
  const s = TOUR_QUALITY[task];
  return task === 'mqar'
    ? `multi-query associative recall: N = ${s.pairs![0]} key–value pairs, then the ${s.pairs![0]} keys again; ` +
        'predict each value (content recall)'
    : `SpamAssassin e-mails (real data, headers dropped, the first ${s.length} bytes of each body): spam or ham`;
}

const percent = (v: number) => `${(100 * v).toFixed(1)} %`;
const msPerStep = (s: number | undefined) =>
  s === undefined || !Number.isFinite(s) ? '—' : `${(1000 * s).toFixed(0)}`;

/** One table: every (task, variant) of the tour beside its baseline and its measured train-step time. */
export function tourTable(lra: LraRunResult[], quality: QualityCellResult[]): string {
  const rows: string[][] = [];
  for (const r of lra) {
    rows.push([
      `${r.spec.task} (quick LRA)`,
      r.spec.attention,
      percent(r.finalTest.accuracy),
      `${percent(r.majorityTestAccuracy)} (majority class)`,
      msPerStep(r.stepsPerSecond ? 1 / r.stepsPerSecond : undefined),
    ]);
  }
  for (const r of quality) {
    const task =
      r.task === 'mqar'
        ? `MQAR N = ${r.setting.pairs}, short conv ${r.setting.shortConv}`
        : `spam (${r.setting.length} bytes)`;
    rows.push([
      task,
      r.variant,
      percent(r.test),
      `${percent(r.baseline.value)} (${r.baseline.name})`,
      msPerStep(r.stepSeconds),
    ]);
  }
  return formatTable(['task', 'attention', 'test accuracy', 'baseline', 'ms / train step'], rows);
}
