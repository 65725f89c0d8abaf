import {
  blocksToHtml,
  blocksToMarkdown,
  heading,
  paragraph,
  table,
  type ReportBlock,
} from '../render/report-blocks.js';
import { LRA_TASK_ORDER, type LraRunResult } from '../runs/lra-result.js';
import { PUBLISHED_LRA } from './published-lra.js';

const pct = (x: number | null | undefined) => (x == null ? '—' : x.toFixed(2));

/**
 * The LRA report as blocks: our runs (one row per attention × preset, the newest run per task) beside the published
 * numbers, then every run. Quick-preset rows are marked: they are scaled down and not comparable with the paper rows.
 */
export function lraBlocks(results: LraRunResult[]): ReportBlock[] {
  const tasks = LRA_TASK_ORDER;
  const groups = new Map<string, Map<string, LraRunResult>>();
  for (const r of [...results].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt))) {
    const key = `${r.spec.attention} (${r.spec.block}, ${r.spec.preset})`;
    if (!groups.has(key)) groups.set(key, new Map());
    groups.get(key)!.set(r.spec.task, r);
  }
  const header = ['model', ...tasks, 'avg'];
  const ours = [...groups.entries()].map(([key, byTask]) => {
    const cells = tasks.map((t) => byTask.get(t)?.finalTest.accuracy);
    const present = cells.filter((c): c is number => c !== undefined);
    const avg = present.length ? (100 * present.reduce((a, b) => a + b, 0)) / present.length : null;
    return [`**ours: ${key}**`, ...cells.map((c) => (c === undefined ? '—' : pct(100 * c))), pct(avg)];
  });
  const majority = new Map<string, number>();
  for (const r of results) majority.set(r.spec.task, r.majorityTestAccuracy);
  const majorityRow = [
    'majority class (our test split)',
    ...tasks.map((t) => (majority.has(t) ? pct(100 * majority.get(t)!) : '—')),
    '—',
  ];
  const published = PUBLISHED_LRA.map((p) => [
    `${p.model} (published)`,
    ...tasks.map((t) => (t in p.results ? (p.results[t] === null ? 'FAIL' : pct(p.results[t])) : '—')),
    pct(p.average),
  ]);
  const detail = results.map((r) => [
    r.spec.task,
    r.spec.attention,
    r.spec.preset,
    String(r.spec.settings.steps),
    pct(100 * r.finalVal.accuracy),
    pct(100 * r.finalTest.accuracy),
    pct(100 * r.majorityTestAccuracy),
    r.wallSeconds.toFixed(0),
    (r.peakTensorBytes / 2 ** 20).toFixed(1),
    (r.peakRssBytes / 2 ** 20).toFixed(0),
    r.backend,
  ]);
  const quick = results.some((r) => r.quick);
  return [
    heading(2, 'LRA test accuracy (%)'),
    table(header, [...ours, majorityRow, ...published]),
    ...(quick
      ? [
          paragraph(
            '_Rows marked `quick` come from the scaled-down quick preset (short sequences, small models, a few hundred steps on CPU): they check that training works and compare variants with each other, NOT with the published rows._',
          ),
        ]
      : []),
    heading(2, 'Runs'),
    table(
      [
        'task',
        'attention',
        'preset',
        'steps',
        'val acc',
        'test acc',
        'majority',
        'wall s',
        'peak tensor MiB',
        'peak RSS MiB',
        'backend',
      ],
      detail,
    ),
  ];
}

/** The LRA report as markdown (terminal, lra.md). */
export function lraReport(results: LraRunResult[]): string {
  return blocksToMarkdown(lraBlocks(results));
}

/** The LRA report as HTML for a page section (headings `headingShift` levels deeper), tables from the rows. */
export function lraReportHtml(results: LraRunResult[], { headingShift = 0 } = {}): string {
  return blocksToHtml(lraBlocks(results), { headingShift });
}
