import type { Table } from '../render/format-table.js';
import {
  blocksToHtml,
  blocksToMarkdown,
  heading,
  paragraph,
  table,
  type ReportBlock,
} from '../render/report-blocks.js';
import type { ScalingResult } from './scaling-result.js';

const mib = (bytes: number | undefined) => (bytes === undefined ? '—' : (bytes / 2 ** 20).toFixed(1));
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
/** 'met', 'MISSED', or — without a verdict — 'not measured' (a reported-only row shows —). */
const verdict = (met: boolean | null, target: string) =>
  met === null ? (target === 'reported' ? '—' : 'not measured') : met ? 'met' : 'MISSED';

/** The measurements table: one row per series × length, failures included. */
export function measurementsTable(result: ScalingResult): Table {
  const rows: string[][] = [];
  for (const s of result.series) {
    for (const o of s.lengths) {
      const m = o.measurement;
      const status = `${o.status}${o.predicted ? ' (predicted)' : ''}`;
      rows.push([
        s.name,
        String(o.length),
        status,
        m ? ms(m.time.median) : '—',
        m ? `${ms(m.time.min)}–${ms(m.time.max)}` : '—',
        m ? `${ms(m.time.q1)}–${ms(m.time.q3)}` : '—',
        m ? String(m.time.samples.length) : '—',
        mib(m?.peakBytes),
        mib(m?.peakStepBytes),
        mib(m?.peakStepBufferBytes),
        mib(m?.wasmHeapBytes),
        m?.flops ? (m.flops / m.time.median / 1e6).toFixed(1) : '—',
      ]);
    }
  }
  return {
    header: [
      'series',
      'tokens',
      'status',
      'median ms',
      'min–max ms',
      'IQR ms',
      'runs',
      'peak MiB',
      'step peak MiB',
      'step buffers MiB',
      'wasm heap MiB',
      'GFLOP/s',
    ],
    rows,
  };
}

export function slopesTable(result: ScalingResult): Table {
  const fmt = (
    f: { slope: number; r2: number; fromLength: number; toLength: number; points: number } | undefined,
  ) =>
    f
      ? [f.slope.toFixed(3), `${f.fromLength}–${f.toLength} (${f.points})`, f.r2.toFixed(4)]
      : ['—', '—', '—'];
  return {
    header: [
      'series',
      'time slope',
      'time fit range (points)',
      'time r²',
      'memory slope',
      'memory fit range (points)',
      'memory r²',
    ],
    rows: result.series.map((s) => [s.name, ...fmt(s.timeSlope), ...fmt(s.memorySlope)]),
  };
}

export function headlinesTable(result: ScalingResult): Table {
  return {
    header: ['comparison', 'measured', 'target', 'verdict'],
    rows: result.headlines.map((h) => [h.label, h.measured, h.target, verdict(h.met, h.target)]),
  };
}

export function decodingTable(result: ScalingResult): Table | undefined {
  if (!result.decoding?.length) return undefined;
  return {
    header: [
      'attention',
      'position',
      'streaming ms/token (median)',
      'streaming min–max',
      're-run prefix ms (median)',
      'speed-up',
    ],
    rows: result.decoding.map((d) => [
      d.attention ?? 'causal-tssa',
      String(d.position),
      ms(d.streaming.median),
      `${ms(d.streaming.min)}–${ms(d.streaming.max)}`,
      ms(d.prefix.median),
      `${d.speedup.toFixed(0)}×`,
    ]),
  };
}

export function environmentLine(result: ScalingResult): string {
  const e = result.environment;
  const s = result.settings;
  const simd =
    e.wasmSimd === undefined
      ? ''
      : `, SIMD ${e.wasmSimd ? 'on' : 'off'}, threads ${e.wasmThreads ? 'on' : 'off'}`;
  return (
    `Backend **${e.backend}**${simd}; ${e.cpuModel} (${e.cpuCount} cores), ${(e.totalMemoryBytes / 2 ** 30).toFixed(0)} GiB; ` +
    `node ${e.versions.node}, tfjs-core ${e.versions.tfjsCore}; load average ${e.loadAverageStart.toFixed(2)} → ` +
    `${e.loadAverageEnd.toFixed(2)}; ${e.startedAt} → ${e.finishedAt}. Mode **${s.mode}** ` +
    `(${s.mode === 'train' ? 'forward + backward to every weight, no optimiser update' : 'forward only'}), dim ${s.dim}, ` +
    `heads ${s.heads}, batch ${s.batch}, ${s.warmup} warm-up + up to ${s.repeats} timed runs per length, time limit ` +
    `${s.timeLimitSeconds} s per run, memory limit ${mib(s.memoryLimitBytes)} MiB (predicted peak).`
  );
}

/** The report of one run as blocks: environment, targets, slopes, measurements, decoding latency, notes. */
export function scalingBlocks(result: ScalingResult): ReportBlock[] {
  const decoding = decodingTable(result);
  const tableBlock = (t: Table) => table(t.header, t.rows);
  return [
    heading(2, `Scaling (${result.settings.mode})`),
    paragraph(environmentLine(result)),
    heading(3, 'Targets'),
    tableBlock(headlinesTable(result)),
    heading(3, 'Log-log slopes (least squares of log median time / log step peak memory on log length)'),
    tableBlock(slopesTable(result)),
    heading(3, 'Measurements'),
    tableBlock(measurementsTable(result)),
    ...(decoding
      ? [
          heading(3, 'Streaming decoding latency (streaming step vs re-running the prefix)'),
          tableBlock(decoding),
        ]
      : result.decodingError
        ? [paragraph(`_Causal decoding not measured: ${result.decodingError}_`)]
        : []),
    paragraph(
      '_Memory: "peak" is every live tensor during the step (weights and inputs included), "step peak" subtracts what ' +
        'was alive before it (both count tensor handles, as tf.memory() does: a reshape sharing a buffer counts again); ' +
        '"step buffers" (wasm) counts the buffers the step allocated and still held at its peak, each once; the wasm heap only grows, so it is a high-water mark of the whole process. Statuses marked ' +
        '"predicted" were extrapolated from the two largest lengths that ran and not attempted._',
    ),
  ];
}

/** The whole markdown report of one run. */
export function scalingMarkdown(result: ScalingResult): string {
  return blocksToMarkdown(scalingBlocks(result));
}

/** The same report as HTML, its tables built from the rows. */
export function scalingHtml(result: ScalingResult): string {
  return blocksToHtml(scalingBlocks(result));
}
