import { mean, sampleStandardDeviation } from 'simple-statistics';
import { formatTable } from '../render/format-table.js';
import { settingLabel, type QualitySetting, type QualityTask } from './tasks.js';

/** One trained and evaluated cell (task, setting, variant, seed, learning rate). */
export interface QualityCellResult {
  format: 'tost-quality-cell-1';
  configKey: string;
  dir: string;
  task: QualityTask;
  setting: QualitySetting;
  settingKey: string;
  /** As requested (e.g. `tssa+softmax`). */
  variant: string;
  /** As run (char-lm runs the causal form: `causal-tssa+softmax-causal`). */
  ran: string;
  seed: number;
  learningRate: number;
  metric: 'accuracy' | 'bits-per-char';
  /** Accuracy (0–1) or bits per character. */
  test: number;
  validation: number;
  baseline: { name: string; value: number };
  parameters: number;
  /** Median seconds per training step. */
  stepSeconds: number;
  /** Wall seconds of training up to its last checkpoint in each earlier session of a resumed run, plus the last session. */
  wallSeconds: number;
  /** The step of the checkpoint the run continued from, when a killed run was resumed. */
  resumedFromStep?: number;
  backend: string;
  versions: Record<string, string>;
  finishedAt: string;
  /** At the learning rate chosen on seed 1 (the cells the summary averages). */
  chosen?: boolean;
  /** The report this result was imported from (`tost-bench quality --import`): no saved model beside it. */
  importedFrom?: string;
}

/** Mean ± sd over seeds of one (task, setting, variant). */
export interface QualitySummaryRow {
  task: QualityTask;
  settingKey: string;
  setting: string;
  variant: string;
  ran: string;
  metric: QualityCellResult['metric'];
  learningRate: number;
  seeds: number;
  mean: number;
  sd: number | null;
  baseline: { name: string; value: number };
  stepSeconds: number;
  steps: number;
}

export function summarise(cells: QualityCellResult[]): QualitySummaryRow[] {
  const groups = new Map<string, QualityCellResult[]>();
  for (const c of cells.filter((c) => c.chosen)) {
    const key = `${c.task}|${c.settingKey}|${c.variant}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].map((g) => {
    const first = g[0]!;
    const values = g.map((c) => c.test);
    return {
      task: first.task,
      settingKey: first.settingKey,
      setting: settingLabel(first.setting),
      variant: first.variant,
      ran: first.ran,
      metric: first.metric,
      learningRate: first.learningRate,
      seeds: g.length,
      mean: mean(values),
      sd: values.length > 1 ? sampleStandardDeviation(values) : null,
      baseline: first.baseline,
      // A resumed cell whose step was never timed (--steps 1) holds null (JSON has no NaN): it stays untimed.
      stepSeconds: g.some((c) => typeof c.stepSeconds !== 'number')
        ? Number.NaN
        : mean(g.map((c) => c.stepSeconds)),
      steps: first.setting.steps,
    };
  });
}

/** MQAR models scored on `--eval-data` (held-out examples), one row per (setting, variant). */
export interface QualityEvalData {
  file: string;
  /** The examples file's content hash (`evalDataHash`): the same examples under another path are the same set. */
  hash?: string;
  examples: number;
  results: { variant: string; setting: string; settingKey: string; accuracy: number; seeds: number }[];
}

/** A learning rate as the cell directories and tables name it, exactly: "3e-3", "2.5e-3". */
export const lrLabel = (lr: number) => lr.toExponential().replace('+', '');

/** "97.3 ± 0.4 %" / "2.31 ± 0.02" (no ± with one seed). */
export function formatQuality(row: Pick<QualitySummaryRow, 'metric' | 'mean' | 'sd'>): string {
  if (row.metric === 'bits-per-char')
    return `${row.mean.toFixed(3)}${row.sd !== null ? ` ± ${row.sd.toFixed(3)}` : ''}`;
  return `${(100 * row.mean).toFixed(1)}${row.sd !== null ? ` ± ${(100 * row.sd).toFixed(1)}` : ''} %`;
}

/** Milliseconds per step, or "—" when no step after the first was timed (`--steps 1`; JSON keeps it as null). */
export function formatStepMs(seconds: number | null): string {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? (1000 * seconds).toFixed(0) : '—';
}

const formatBaseline = (row: QualitySummaryRow) =>
  row.metric === 'bits-per-char'
    ? `${row.baseline.value.toFixed(3)} bits/char`
    : `${(100 * row.baseline.value).toFixed(1)} %`;

/**
 * One markdown table per task: variant, setting, metric (mean ± sd over seeds), baseline, lr, step time — and the
 * steps of each row when the task's rows were trained for different numbers of steps.
 */
export function qualityMarkdown(rows: QualitySummaryRow[], evalData: QualityEvalData[] = []): string {
  const sections: string[] = ['# Quality tasks (`tost-bench quality`)', ''];
  for (const task of ['mqar', 'char-lm', 'spam'] as const) {
    const taskRows = rows.filter((r) => r.task === task);
    if (taskRows.length === 0) continue;
    const first = taskRows[0]!;
    const sameSteps = taskRows.every((r) => r.steps === first.steps);
    const title =
      task === 'mqar'
        ? 'MQAR: accuracy at query positions'
        : task === 'char-lm'
          ? 'char-lm (Moby Dick): test bits per character (lower is better)'
          : 'spam (SpamAssassin bodies): test accuracy';
    sections.push(`## ${title}`, '');
    sections.push(
      `Baseline: ${first.baseline.name}. ` +
        (sameSteps
          ? `${first.steps} step${first.steps === 1 ? '' : 's'} per run; `
          : 'Steps per run in the table; ') +
        'mean ± sd over seeds at the learning rate chosen on seed 1.',
      '',
    );
    sections.push(
      formatTable(
        [
          'variant',
          'setting',
          task === 'char-lm' ? 'bits/char' : 'accuracy',
          'baseline',
          'seeds',
          'lr',
          ...(sameSteps ? [] : ['steps']),
          'ms/step',
        ],
        taskRows.map((r) => [
          r.ran === r.variant ? r.variant : `${r.variant} (${r.ran})`,
          r.setting,
          formatQuality(r),
          formatBaseline(r),
          String(r.seeds),
          lrLabel(r.learningRate),
          ...(sameSteps ? [] : [String(r.steps)]),
          formatStepMs(r.stepSeconds),
        ]),
      ),
      '',
    );
  }
  for (const held of evalData.filter((e) => e.results.length > 0)) {
    sections.push(
      '## MQAR on held-out examples (`--eval-data`)',
      '',
      `${held.examples} examples from ${held.file}; accuracy at query positions, mean over the seeds of each model.`,
      '',
      formatTable(
        ['variant', 'setting', 'accuracy', 'seeds'],
        held.results.map((r) => [
          r.variant,
          r.setting,
          `${(100 * r.accuracy).toFixed(1)} %`,
          String(r.seeds),
        ]),
      ),
      '',
    );
  }
  return `${sections.join('\n')}\n`;
}
