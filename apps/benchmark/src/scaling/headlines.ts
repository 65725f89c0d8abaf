import { fitLogLogSlope, type LogLogFit } from './log-log-fit.js';
import {
  measurementAt,
  okLengths,
  type Headline,
  type ScalingResult,
  type SeriesResult,
} from './scaling-result.js';

const x = (v: number) => `${v.toFixed(v >= 10 ? 0 : 2)}×`;

function series(result: ScalingResult, name: string): SeriesResult | undefined {
  return result.series.find((s) => s.name === name);
}

function statusAt(s: SeriesResult | undefined, length: number): string {
  const outcome = s?.lengths.find((o) => o.length === length);
  if (!outcome) return 'not measured';
  return `${outcome.status}${outcome.predicted ? ' (predicted)' : ''}`;
}

const SLOPE_RANGE = { from: 1024, to: 16384 };

/**
 * A slope target over 1,024–16,384 tokens. It has a verdict only when the fit covers that range (lengths 1,024 and
 * 16,384 both ran): a slope fitted on part of the range (e.g. 1,024–4,096) is shown but reported as not measured,
 * since the asymptotic behaviour the target is about may only show at the long end.
 */
function slopeHeadline(label: string, fit: LogLogFit | undefined, target: string, limit: number): Headline {
  if (!fit)
    return {
      label,
      measured: 'fewer than two lengths ran in 1,024–16,384 (not measured)',
      target,
      met: null,
    };
  const range = `fit ${fit.fromLength}–${fit.toLength}, ${fit.points} points`;
  if (fit.fromLength > SLOPE_RANGE.from || fit.toLength < SLOPE_RANGE.to) {
    return {
      label,
      measured: `${fit.slope.toFixed(3)} (${range}): does not cover 1,024–16,384, not measured`,
      target,
      met: null,
    };
  }
  return { label, measured: `${fit.slope.toFixed(3)} (${range})`, target, met: fit.slope <= limit };
}

/**
 * The targets, evaluated on one run's measurements. A target whose inputs were not measured is reported with
 * `met: null` and says what is missing.
 */
const mibText = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export function computeHeadlines(result: ScalingResult): Headline[] {
  const mode = result.settings.mode;
  const step = mode === 'train' ? 'train step' : 'forward';
  const tssa = series(result, 'tssa');
  const softmax = series(result, 'softmax');
  const projections = series(result, 'projections');
  const core = series(result, 'softmax-core');
  const matmul = series(result, 'matmul-core');
  const out: Headline[] = [];

  if (tssa) {
    const ok = okLengths(tssa);
    const time = fitLogLogSlope(
      ok.map((o) => ({ length: o.length, value: o.measurement!.medianMs })),
      SLOPE_RANGE,
    );
    const memory = fitLogLogSlope(
      ok
        .filter((o) => o.measurement!.peakStepBytes > 0)
        .map((o) => ({ length: o.length, value: o.measurement!.peakStepBytes })),
      SLOPE_RANGE,
    );
    out.push(slopeHeadline(`TSSA ${step} time slope, 1,024–16,384 tokens`, time, '≤ 1.1', 1.1));
    out.push(slopeHeadline(`TSSA ${step} peak-memory slope, 1,024–16,384 tokens`, memory, '≤ 1.05', 1.05));
  }

  for (const [length, factor] of [
    [4096, 20],
    [8192, 40],
  ] as const) {
    const a = measurementAt(tssa, length);
    const b = measurementAt(softmax, length);
    const label = `TSSA vs softmax ${step} time at ${length.toLocaleString('en-US')} tokens`;
    if (a && b) {
      const ratio = b.medianMs / a.medianMs;
      out.push({ label, measured: `${x(ratio)} faster`, target: `≥ ${factor}×`, met: ratio >= factor });
    } else if (a && softmax) {
      out.push({
        label,
        measured: `softmax could not run: ${statusAt(softmax, length)}`,
        target: `≥ ${factor}× (or softmax cannot run)`,
        met: true,
      });
    } else {
      out.push({
        label,
        measured: `tssa ${statusAt(tssa, length)}, softmax ${statusAt(softmax, length)}`,
        target: `≥ ${factor}×`,
        met: null,
      });
    }
  }

  {
    const a = measurementAt(tssa, 4096);
    const b = measurementAt(softmax, 4096);
    const label = `TSSA vs softmax peak tensor memory at 4,096 tokens (${step})`;
    out.push(
      a && b
        ? {
            label,
            // Buffers (each counted once) where the backend reports them; tensor handles otherwise.
            measured:
              a.peakStepBufferBytes && b.peakStepBufferBytes
                ? `${x(b.peakStepBufferBytes / a.peakStepBufferBytes)} less step buffer memory ` +
                  `(${mibText(a.peakStepBufferBytes)} vs ${mibText(b.peakStepBufferBytes)}); tensor handles: ` +
                  `${x(b.peakBytes / a.peakBytes)} (step-only ${x(b.peakStepBytes / a.peakStepBytes)})`
                : `${x(b.peakBytes / a.peakBytes)} less (step-only: ${x(b.peakStepBytes / a.peakStepBytes)})`,
            target: '≥ 10×',
            met:
              (a.peakStepBufferBytes && b.peakStepBufferBytes
                ? b.peakStepBufferBytes / a.peakStepBufferBytes
                : b.peakBytes / a.peakBytes) >= 10,
          }
        : {
            label,
            measured: `tssa ${statusAt(tssa, 4096)}, softmax ${statusAt(softmax, 4096)}`,
            target: '≥ 10×',
            met: null,
          },
    );
  }

  {
    const a = measurementAt(tssa, 4096);
    const p = measurementAt(projections, 4096);
    const label = `TSSA ${step} time / its two projections alone at 4,096 tokens`;
    out.push(
      a && p
        ? {
            label,
            measured: x(a.medianMs / p.medianMs),
            target: '≤ 1.6×',
            met: a.medianMs / p.medianMs <= 1.6,
          }
        : {
            label,
            measured: `tssa ${statusAt(tssa, 4096)}, projections ${statusAt(projections, 4096)}`,
            target: '≤ 1.6×',
            met: null,
          },
    );
  }

  if (core && matmul) {
    const common = okLengths(core)
      .map((o) => o.length)
      .filter((n) => measurementAt(matmul, n));
    const at = common.includes(4096) ? 4096 : common.at(-1);
    const label = `softmax core throughput / plain batched matMul (${step})`;
    if (at !== undefined) {
      const fraction = measurementAt(matmul, at)!.medianMs / measurementAt(core, at)!.medianMs;
      out.push({
        label,
        measured: `${(100 * fraction).toFixed(0)} % at ${at} tokens`,
        target: '≥ 50 %',
        met: fraction >= 0.5,
      });
    } else {
      out.push({ label, measured: 'no length where both ran', target: '≥ 50 %', met: null });
    }
  }

  if (tssa && result.settings.lengths.includes(65536)) {
    out.push({
      label: `TSSA ${mode === 'train' ? 'trains' : 'runs forward'} at 65,536 tokens`,
      measured: statusAt(tssa, 65536),
      target: 'ok',
      met: measurementAt(tssa, 65536) !== undefined,
    });
  }

  // The longest length each attention variant reached, and what stopped it (reported; no target value).
  for (const s of result.series.filter((r) => r.kind === 'attention')) {
    const ok = okLengths(s);
    const stop = s.lengths.find((o) => o.status !== 'ok' && o.status !== 'skipped');
    out.push({
      label: `longest length ${s.name} reaches (${step})`,
      measured:
        `${ok.length ? ok.at(-1)!.length.toLocaleString('en-US') : 'none'}` +
        (stop
          ? `; ${stop.length.toLocaleString('en-US')}: ${statusAt(s, stop.length)}`
          : ' (every length ran)'),
      target: 'reported',
      met: null,
    });
  }

  const decodedAttentions = [...new Set((result.decoding ?? []).map((d) => d.attention ?? 'causal-tssa'))];
  for (const attention of decodedAttentions) {
    const decoding = result.decoding!.filter((d) => (d.attention ?? 'causal-tssa') === attention);
    if (decoding.length < 2) continue;
    const first = decoding[0]!;
    const last = decoding.at(-1)!;
    const growth = last.streaming.median / first.streaming.median;
    out.push({
      label: `${attention} streaming latency at position ${last.position} / at ${first.position}`,
      measured: `${x(growth)} (${last.streaming.median.toFixed(3)} vs ${first.streaming.median.toFixed(3)} ms/token)`,
      target: '≤ 1.2×',
      met: growth <= 1.2,
    });
    out.push({
      label: `${attention} streaming vs re-running the prefix at position ${last.position}`,
      measured: `${x(last.speedup)} faster`,
      target: '≥ 50×',
      met: last.speedup >= 50,
    });
  }
  return out;
}
