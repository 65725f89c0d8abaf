import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { formatTable } from '../render/format-table.js';
import { renderSvg, svgToPng, type RenderedChart } from '../render/charts.js';
import { formatQuality, type QualitySummaryRow } from '../quality/results.js';
import type { QualityTask } from '../quality/tasks.js';
import { parseVariant } from '../variant-names.js';
import type { CompareRow } from './compare-table.js';

/** The quality results beside the compare table: `tost-bench quality`'s summary (OUT/quality/quality.json). */
export interface QualityColumns {
  /** Column id → header, in table order, with one of its rows (what a column shares: baseline, steps, metric). */
  columns: { id: string; task: QualityTask; header: string; sample: QualitySummaryRow }[];
  /** Variant → column id → summary row (char-lm rows under the causal form that ran). */
  cells: Map<string, Map<string, QualitySummaryRow>>;
  /** Every variant with a quality result, in first-seen order (hybrids included). */
  variants: string[];
}

const TASK_ORDER: QualityTask[] = ['mqar', 'char-lm', 'spam'];

function header(r: QualitySummaryRow): string {
  // A reduced budget is part of the column's name: two columns of one setting differ in their steps.
  const budget = /steps\d/.test(r.settingKey) ? `, ${r.steps} steps` : '';
  if (r.task === 'mqar')
    return `MQAR ${r.setting.replace('N = ', 'N=').replace('no short conv', 'no conv').replace('short conv', 'conv')}${budget} %`;
  if (r.task === 'char-lm') return `char-lm bits/char (${r.setting.replace('short conv', 'conv')}${budget})`;
  return `spam % (${r.setting.replace('short conv', 'conv')}${budget})`;
}

/** Reads OUT/quality.json of `tost-bench quality`; undefined when there is none. */
export function readQualityColumns(dir: string): QualityColumns | undefined {
  const file = join(dir, 'quality.json');
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { format?: string; summary?: QualitySummaryRow[] };
  // Format 2 only changed `evalData` (one entry per held-out file); the summary rows are the same.
  if (!['tost-quality-1', 'tost-quality-2'].includes(parsed.format ?? '') || !Array.isArray(parsed.summary))
    throw new Error(`${file} is not a tost-bench quality result (format tost-quality-1 or -2)`);
  return qualityColumns(parsed.summary);
}

/** Columns ordered by task, then N, then without/with short convolution. */
export function qualityColumns(summary: QualitySummaryRow[]): QualityColumns {
  const columns = new Map<
    string,
    { id: string; task: QualityTask; header: string; sample: QualitySummaryRow; order: number[] }
  >();
  const cells = new Map<string, Map<string, QualitySummaryRow>>();
  const variants: string[] = [];
  for (const r of summary) {
    const id = `${r.task}:${r.settingKey}`;
    if (!columns.has(id))
      columns.set(id, {
        id,
        task: r.task,
        header: header(r),
        sample: r,
        order: [
          TASK_ORDER.indexOf(r.task),
          Number(/N(\d+)/.exec(r.settingKey)?.[1] ?? 0),
          /noconv/.test(r.settingKey) ? 0 : 1,
        ],
      });
    // char-lm trains the causal form of what was asked for (`tssa` → `causal-tssa`): its row is the form that ran.
    const name = r.task === 'char-lm' ? r.ran : r.variant;
    if (!cells.has(name)) {
      cells.set(name, new Map());
      variants.push(name);
    }
    cells.get(name)!.set(id, r);
  }
  const byOrder = (a: { order: number[] }, b: { order: number[] }) => {
    for (let i = 0; i < a.order.length; i++) if (a.order[i] !== b.order[i]) return a.order[i]! - b.order[i]!;
    return 0;
  };
  const sorted = [...columns.values()].sort(byOrder);
  return { columns: sorted.map(({ order: _order, ...column }) => column), cells, variants };
}

/**
 * The train-step time of a variant at `length`: measured (a hybrid's own row is already per layer: the mean over the
 * layers of its two blocks), or for a hybrid a+b without a row the mean of its parts' times (the tasks' 2-block
 * models have one block of each), marked derived.
 */
export function timeAt(
  rows: CompareRow[],
  variant: string,
  length: number,
): { ms: number; derived: boolean } | undefined {
  const measured = (name: string) =>
    rows.find((r) => r.variant === name)?.lengths.find((c) => c.length === length)?.medianMs;
  const direct = measured(variant);
  if (direct !== undefined) return { ms: direct, derived: false };
  let parts: string[];
  try {
    parts = parseVariant(variant);
  } catch {
    return undefined;
  }
  if (parts.length < 2) return undefined;
  const times = parts.map(measured);
  if (times.some((t) => t === undefined)) return undefined;
  return { ms: (times as number[]).reduce((a, b) => a + b, 0) / times.length, derived: true };
}

/** A column's baseline as the tables print it: "0.8 %" (accuracy) or "4.56" (bits per character). */
export function formatBaselineValue(r: QualitySummaryRow): string {
  return r.metric === 'bits-per-char'
    ? r.baseline.value.toFixed(2)
    : `${(100 * r.baseline.value).toFixed(1)} %`;
}

/** The quality table: one row per variant (hybrids included), the 4k train-step time, then the quality columns. */
export function qualityMarkdown(q: QualityColumns, rows: CompareRow[], length: number): string {
  const baselines = q.columns.map((c) => formatBaselineValue(c.sample));
  // Each column's training budget (part of its setting: a reduced run is a different column).
  const steps = q.columns.map((c) => c.sample.steps.toLocaleString('en-US'));
  const body = q.variants.map((v) => {
    const t = timeAt(rows, v, length);
    return [
      v,
      t ? `${t.ms >= 100 ? t.ms.toFixed(0) : t.ms.toFixed(1)}${t.derived ? ' (mean of parts)' : ''}` : '—',
      ...q.columns.map((c) => {
        const r = q.cells.get(v)?.get(c.id);
        return r ? formatQuality(r) : '—';
      }),
    ];
  });
  return [
    '## What each attention can do (`tost-bench quality`)',
    '',
    'MQAR: accuracy at query positions (chance 0.8 %); char-lm: test bits per character on Moby Dick (lower is ' +
      'better; causal forms); spam: test accuracy on SpamAssassin bodies. Mean ± sd over seeds at the learning rate ' +
      'chosen on seed 1. Hybrids a+b: every block a except the last, b.',
    '',
    formatTable(
      ['variant', `train step ${length / 1024}k (ms)`, ...q.columns.map((c) => c.header)],
      [['baseline', '', ...baselines], ['training steps', '', ...steps], ...body],
    ),
  ].join('\n');
}

interface QualityPoint {
  variant: string;
  timeMs: number;
  value: number;
  derived: boolean;
}

/**
 * The headline column of a task, the one its chart plots: among its columns with the short convolution (all of them
 * when none has it), the one with results for the most variants — a chart of a few rows would hide the others —
 * and of those the last in table order (the largest N, the full budget).
 */
export function headline(q: QualityColumns, task: QualityTask): { id: string; header: string } | undefined {
  const all = q.columns.filter((c) => c.task === task);
  const withConv = all.filter((c) => !/no conv/.test(c.header));
  const candidates = withConv.length > 0 ? withConv : all;
  const count = (id: string) => q.variants.filter((v) => q.cells.get(v)?.has(id)).length;
  return candidates.reduce<(typeof all)[number] | undefined>(
    (best, c) => (best === undefined || count(c.id) >= count(best.id) ? c : best),
    undefined,
  );
}

/**
 * One chart per quality task: its headline column (y) against the train-step time (x, log). Points are told apart
 * by colour and shape in a legend, so no two labels can overlap.
 */
export async function renderQualityCharts(
  q: QualityColumns,
  rows: CompareRow[],
  length: number,
  backend: string,
): Promise<RenderedChart[]> {
  const charts: RenderedChart[] = [];
  for (const task of TASK_ORDER) {
    const column = headline(q, task);
    if (!column) continue;
    const points: QualityPoint[] = q.variants.flatMap((v) => {
      const r = q.cells.get(v)?.get(column.id);
      const t = timeAt(rows, v, length);
      if (!r || !t) return [];
      return [
        {
          variant: v,
          timeMs: t.ms,
          value: r.metric === 'bits-per-char' ? r.mean : 100 * r.mean,
          derived: t.derived,
        },
      ];
    });
    if (points.length === 0) continue;
    const lower = task === 'char-lm';
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: `${column.header} vs train-step time (${backend}): ${lower ? 'down' : 'up'} and to the left is better`,
      width: 520,
      height: 340,
      background: 'white',
      config: { font: 'DejaVu Sans' },
      data: { values: points },
      mark: { type: 'point', filled: true, size: 90 },
      encoding: {
        x: {
          field: 'timeMs',
          type: 'quantitative',
          title: `train-step time at ${length.toLocaleString('en-US')} tokens (ms, log scale)`,
          scale: { type: 'log' },
        },
        y: { field: 'value', type: 'quantitative', title: column.header, scale: { zero: false } },
        color: { field: 'variant', type: 'nominal', title: 'variant', scale: { scheme: 'tableau20' } },
        shape: { field: 'variant', type: 'nominal', title: 'variant' },
      },
    } as TopLevelSpec;
    const svg = await renderSvg(spec);
    charts.push({
      name: `compare-quality-${task}`,
      title: `${column.header} vs train-step time at ${length.toLocaleString('en-US')} tokens (hybrids: mean of their parts' times)`,
      svg,
      png: svgToPng(svg),
    });
  }
  return charts;
}
