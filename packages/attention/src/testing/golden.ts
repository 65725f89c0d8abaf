/**
 * Golden-case declarations and their runner, browser-safe (no vitest, no Node built-ins): the entry point
 * `@tost/attention/golden`. A variant package declares, in a small module of its own (`src/golden.ts`), which cases
 * of which golden file are its own and how a case becomes layer options and weights; the conformance kit
 * (`@tost/attention/testing`) runs them under vitest, and a browser suite can run the same declarations with
 * `runGoldenCase` on cases it fetched itself.
 *
 * The golden files are float64 reference outputs (JSON arrays of cases, every tensor a nested list, kernels in the
 * tfjs layout [in, out]); outputs are compared at real tokens only (mask = 1), where the attention is defined.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionLayer } from '../attention-layer.js';
import type { AttentionOptions } from '../options.js';

/** A number or a nested list of numbers, as a JSON golden file stores a tensor. */
export type NestedNumbers = number | NestedNumbers[];

/** The golden files, by name without `.json`. */
export const GOLDEN_FILES = ['attention-seed0', 'variants-seed0', 'variants-2-seed0'] as const;
export type GoldenFile = (typeof GOLDEN_FILES)[number];

/**
 * One case of a golden file. Every case has `kind`, `x` [B, N, C] and `y` [B, N, C]; attention kinds have `heads`;
 * the variant files add `causal`, `mask` [B, N] and `weights` (in the layer's `getWeights()` order), and per-kind
 * fields (`window`, `dilation`, `agents`); `attention-seed0` names each weight instead (`qkvKernel`, `temp`, …).
 */
export interface GoldenCase {
  kind: string;
  heads?: number;
  causal?: boolean;
  x?: NestedNumbers;
  mask?: NestedNumbers;
  weights?: NestedNumbers[];
  y?: NestedNumbers;
  [field: string]: unknown;
}

/** Reads every case of a golden file (synchronously: tests are declared from them before any test runs). */
export type GoldenLoader = (file: GoldenFile) => readonly GoldenCase[];

/** An output compared with a golden value: norm-wise relative error below `tolerance`, and element-wise closeness. */
export interface GoldenComparison {
  label: string;
  actual: ArrayLike<number>;
  expected: NestedNumbers | ArrayLike<number>;
  /** Largest max|a − e| / max|e| allowed (default the spec's `tolerance`, 1e-4). */
  tolerance?: number;
  /** Element-wise |a − e| ≤ atol + rtol·|e| (defaults rtol 1e-4, atol 1e-5). */
  rtol?: number;
  atol?: number;
}

/** An extra output of a golden case, computed by the variant (as a tensor, disposed by the runner). */
export interface GoldenOutput extends Omit<GoldenComparison, 'actual'> {
  actual: tf.Tensor | ArrayLike<number>;
}

/**
 * Which golden cases belong to a variant, and how a case becomes a layer. Defaults fit the variant files
 * (`variants-seed0`, `variants-2-seed0`): options `{dim: x's last axis, heads}`, weights `case.weights`, the mask
 * `case.mask` (all tokens real when absent), output `layer.apply(x, {mask})` compared with `case.y`.
 */
export interface GoldenSpec {
  file: GoldenFile;
  /** The `kind` field of the cases. */
  kind: string;
  /** Only the cases with this `causal` field (all cases of the kind when omitted). */
  causal?: boolean;
  /** Layer options beyond `dim` and `heads`, from the case (e.g. `{window: c.window}`). */
  options?: (c: GoldenCase) => Record<string, unknown>;
  /** The weights in the layer's `getWeights()` order, from the case (default `c.weights`). */
  weights?: (c: GoldenCase) => NestedNumbers[];
  /** Largest norm-wise relative error of y at real tokens (default 1e-4). */
  tolerance?: number;
  /** More outputs to compare (e.g. TSSA's membership Π); `y` is the output of `apply` on the case. */
  outputs?: (layer: AttentionLayer, x: tf.Tensor3D, c: GoldenCase, y: tf.Tensor) => GoldenOutput[];
}

/** A layer whose forward can also return the membership Π [batch, heads, seq] (TSSA and causal TSSA). */
export interface MembershipLayer {
  callAndReturnMembership(x: tf.Tensor3D): [tf.Tensor, tf.Tensor];
}

/**
 * The `outputs` hook of a golden spec for a layer with a membership Π: Π against the case's `pi` (atol 1e-6), and
 * the y of `callAndReturnMembership` equal to apply's bit for bit.
 */
export const membershipOutputs: NonNullable<GoldenSpec['outputs']> = (layer, x, c, y) => {
  const [yMembership, pi] = (layer as unknown as MembershipLayer).callAndReturnMembership(x);
  return [
    { label: 'Π', actual: pi, expected: c.pi as NestedNumbers, atol: 1e-6 },
    {
      label: 'callAndReturnMembership y vs apply',
      actual: yMembership,
      expected: y.dataSync(),
      rtol: 0,
      atol: 0,
    },
  ];
};

/** The cases of `spec` among `cases` (a whole golden file); throws when there are none. */
export function selectGoldenCases(cases: readonly GoldenCase[], spec: GoldenSpec): GoldenCase[] {
  const selected = cases.filter(
    (c) => c.kind === spec.kind && (spec.causal === undefined || c.causal === spec.causal),
  );
  if (selected.length === 0) {
    const causal = spec.causal === undefined ? '' : ` with causal ${spec.causal}`;
    throw new Error(`no golden cases of kind '${spec.kind}'${causal} in ${spec.file}`);
  }
  return selected;
}

function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  for (let v = value; Array.isArray(v); v = v[0]) shape.push(v.length);
  return shape;
}

/** A short description of a case for a test name: shape, heads and the per-kind fields. */
export function describeGoldenCase(c: GoldenCase): string {
  const extras = ['causal', 'window', 'dilation', 'agents']
    .filter((key) => c[key] !== undefined)
    .map((key) => `${key} ${String(c[key])}`);
  return [`x ${shapeOf(c.x).join('×')}`, `heads ${c.heads}`, ...extras].join(', ');
}

/**
 * The rows of a [batch, seq, dim] tensor (flat values) at real tokens, flattened: the rows where `mask` [batch, seq]
 * is 1 (all rows when `mask` is undefined). Outputs at padded tokens are unspecified, so tests compare only these.
 */
export function realRows(
  values: ArrayLike<number> | NestedNumbers,
  shape: readonly number[],
  mask?: ArrayLike<number> | NestedNumbers,
): number[] {
  const flat = typeof values === 'number' || Array.isArray(values) ? flatten(values) : Array.from(values);
  if (mask === undefined) return flat;
  const dim = shape[shape.length - 1]!;
  const flags = typeof mask === 'number' || Array.isArray(mask) ? flatten(mask) : Array.from(mask);
  return flags.flatMap((m, token) => (m === 1 ? flat.slice(token * dim, (token + 1) * dim) : []));
}

function flatten(value: NestedNumbers): number[] {
  return Array.isArray(value) ? value.flatMap((v) => flatten(v)) : [value];
}

/** max|a − e| / max|e| (a norm-wise relative error, robust to entries near zero); max|a − e| when e is all zero. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`relativeError: ${actual.length} actual values vs ${expected.length} expected`);
  }
  let [diff, scale] = [0, 0];
  for (let i = 0; i < actual.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** What a golden case gives: the comparisons to check, and whether every output (padded tokens too) is finite. */
export interface GoldenResult {
  comparisons: GoldenComparison[];
  finite: boolean;
}

/**
 * Runs one golden case: builds the layer with `factory({dim, heads, ...spec.options(case)})`, sets the case's
 * weights, applies it to `x` with the case's mask, and returns the comparisons to check — y at real tokens first,
 * then `spec.outputs`. Disposes every tensor it made; the returned values are plain arrays.
 */
export function runGoldenCase(
  factory: (options: AttentionOptions) => AttentionLayer,
  spec: GoldenSpec,
  c: GoldenCase,
): GoldenResult {
  if (c.x === undefined || c.y === undefined || c.heads === undefined) {
    throw new Error(`golden case of kind '${c.kind}' needs the fields x, y and heads`);
  }
  const weightValues = spec.weights ? spec.weights(c) : c.weights;
  if (!weightValues)
    throw new Error(`golden case of kind '${c.kind}' has no 'weights': declare GoldenSpec.weights`);
  const shape = shapeOf(c.x);
  const dim = shape[2]!;
  const options = { dim, heads: c.heads, ...(spec.options?.(c) ?? {}) } as AttentionOptions;
  const layer = factory(options);
  const comparisons: GoldenComparison[] = [];
  let finite = false;
  try {
    tf.tidy(() => {
      layer.build([null, null, dim]);
      layer.setWeights(weightValues.map((w) => tf.tensor(w as number[])));
      const x = tf.tensor(c.x as number[][][]) as tf.Tensor3D;
      const kwargs = c.mask === undefined ? {} : { mask: tf.tensor(c.mask as number[][]) };
      const y = layer.apply(x, kwargs) as tf.Tensor;
      finite = y.dataSync().every(Number.isFinite);
      comparisons.push({
        label: 'y at real tokens',
        actual: realRows(y.dataSync(), shape, c.mask),
        expected: realRows(c.y!, shape, c.mask),
        tolerance: spec.tolerance,
      });
      for (const output of spec.outputs?.(layer, x, c, y) ?? []) {
        const actual = output.actual instanceof tf.Tensor ? output.actual.dataSync() : output.actual;
        comparisons.push({ tolerance: spec.tolerance, ...output, actual: Array.from(actual) });
      }
    });
  } finally {
    layer.weights.forEach((w) => w.dispose());
  }
  return { comparisons, finite };
}
