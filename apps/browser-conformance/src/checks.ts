// The checks the page runs for one variant on one GPU backend. The reference for gradients is tfjs' cpu backend in the
// same page (same weights, inputs and mask); the reference for forwards is the float64 golden output.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { AttentionLayer } from '@tost/attention';
import { createAttention, getAttentionDescriptor } from '@tost/variants';
import type { GoldenInput, GoldenResult, Nested, RandomResult, VariantReport } from './cases.js';

/** max|a − e| / max|e| (norm-wise, robust to entries near zero); NaN anywhere gives Infinity. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`relativeError: ${actual.length} values vs ${expected.length} expected`);
  }
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (Number.isNaN(d)) return Number.POSITIVE_INFINITY;
    diff = Math.max(diff, d);
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Deterministic standard normals (xorshift + Box–Muller), identical on every backend. */
export function normals(count: number, seed: number): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const uniform = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  }
  return out;
}

function flat(value: Nested): number[] {
  return Array.isArray(value) ? value.flatMap((v) => flat(v)) : [value];
}

/** Values at real tokens only (outputs at padded tokens are unspecified). */
function realRows(values: ArrayLike<number>, mask: number[] | undefined, dim: number): number[] {
  const out: number[] = [];
  const tokens = values.length / dim;
  for (let t = 0; t < tokens; t++) {
    if (mask && mask[t] === 0) continue;
    for (let c = 0; c < dim; c++) out.push(values[t * dim + c]!);
  }
  return out;
}

/** Everything needed to rebuild the same layer and inputs on another backend. */
interface Problem {
  name: string;
  options: Record<string, unknown>;
  shape: [number, number, number];
  weights: { values: Float32Array; shape: number[] }[];
  x: Float32Array;
  mask?: Float32Array;
  /** The probe r of ⟨y, r⟩. */
  r: Float32Array;
}

/** Frees a layer's weights (Layer.dispose() refuses layers only called eagerly, never symbolically). */
function disposeLayer(layer: AttentionLayer): void {
  for (const w of layer.weights) w.dispose();
}

function buildLayer(p: Problem): AttentionLayer {
  const [, seq, dim] = p.shape;
  const layer = createAttention(
    p.name,
    { dim, heads: Number(p.options.heads), ...p.options },
    { maxLength: seq },
  );
  layer.build([null, null, dim]);
  const values = p.weights.map((w) => tf.tensor(w.values, w.shape));
  layer.setWeights(values);
  tf.dispose(values);
  return layer;
}

/** Forward output and ∂⟨y, r⟩/∂x of one problem on `backend`; leaves `backend` current. */
async function forwardAndGradient(
  backend: string,
  p: Problem,
  withGradient = true,
): Promise<{ y: Float32Array; dx: Float32Array }> {
  await tf.setBackend(backend);
  const layer = buildLayer(p);
  const [b, n] = p.shape;
  try {
    const x = tf.tensor(p.x, p.shape);
    const r = tf.tensor(p.r, p.shape);
    const mask = p.mask ? tf.tensor(p.mask, [b, n]) : undefined;
    const kwargs = mask ? { mask } : {};
    // One forward pass gives y and, through the tape, ∂⟨y, r⟩/∂x (y is kept out of the gradient's tidy).
    let y: tf.Tensor | undefined;
    const dx = withGradient
      ? tf.grad((input: tf.Tensor) => {
          const out = layer.apply(input, kwargs) as tf.Tensor;
          y = tf.keep(out);
          return tf.sum(tf.mul(out, r));
        })(x)
      : tf.zeros([0]);
    y ??= layer.apply(x, kwargs) as tf.Tensor;
    const out = { y: (await y.data()) as Float32Array, dx: (await dx.data()) as Float32Array };
    tf.dispose([x, r, y, dx, ...(mask ? [mask] : [])]);
    return out;
  } finally {
    disposeLayer(layer);
  }
}

function tensorsOf(weights: Nested[]): { values: Float32Array; shape: number[] }[] {
  return weights.map((w) => {
    const shape: number[] = [];
    for (let v: Nested = w; Array.isArray(v); v = v[0]!) shape.push(v.length);
    return { values: Float32Array.from(flat(w)), shape };
  });
}

async function goldenCase(
  name: string,
  backend: string,
  c: GoldenInput,
  seed: number,
): Promise<GoldenResult> {
  const [b, n, dim] = [c.x.length, c.x[0]!.length, c.x[0]![0]!.length];
  const maskFlat = c.mask ? Float32Array.from(c.mask.flat()) : undefined;
  const p: Problem = {
    name,
    options: c.options,
    shape: [b, n, dim],
    weights: tensorsOf(c.weights),
    x: Float32Array.from(c.x.flat(2)),
    r: normals(b * n * dim, seed),
    ...(maskFlat ? { mask: maskFlat } : {}),
  };
  // Padded tokens get no probe: ∂⟨y, r⟩/∂x then depends only on outputs that are specified.
  if (maskFlat) for (let i = 0; i < p.r.length; i++) if (maskFlat[Math.floor(i / dim)] === 0) p.r[i] = 0;
  const gpu = await forwardAndGradient(backend, p);
  const cpu = await forwardAndGradient('cpu', p);
  await tf.setBackend(backend);
  const maskList = maskFlat ? Array.from(maskFlat) : undefined;
  return {
    label: c.label,
    shape: [b, n, dim, Number(c.options.heads)],
    forwardError: relativeError(realRows(gpu.y, maskList, dim), realRows(flat(c.y), maskList, dim)),
    gradientError: relativeError(gpu.dx, cpu.dx),
  };
}

/** Live tensors left by `fn` on the current backend. */
async function leaked(fn: () => void): Promise<number> {
  const before = tf.memory().numTensors;
  fn();
  await tf.nextFrame();
  return tf.memory().numTensors - before;
}

/** Random weights (N(0, 0.5²): some variants initialise biases or temperatures to constants that hide bugs). */
function randomWeights(
  name: string,
  shape: [number, number, number],
  heads: number,
  seed: number,
): Problem['weights'] {
  const layer = createAttention(name, { dim: shape[2], heads }, { maxLength: shape[1] });
  layer.build([null, null, shape[2]]);
  const weights = layer.getWeights().map((w: tf.Tensor, i: number) => ({
    values: normals(w.size, seed + i).map((v) => 0.5 * v),
    shape: w.shape,
  }));
  disposeLayer(layer);
  return weights;
}

async function randomChecks(name: string, backend: string): Promise<RandomResult> {
  // Small: SwiftShader's cost is per kernel dispatch, and some variants loop over samples and heads.
  const shape: [number, number, number] = [2, 9, 8];
  const heads = 2;
  const [b, n, dim] = shape;
  // Sample 0: the last 3 tokens padded; sample 1: none.
  const mask = Float32Array.from({ length: b * n }, (_, i) => (i < n && i >= n - 3 ? 0 : 1));
  const base: Problem = {
    name,
    options: { heads },
    shape,
    weights: randomWeights(name, shape, heads, 100),
    x: normals(b * n * dim, 200),
    r: normals(b * n * dim, 300),
  };
  const masked: Problem = {
    ...base,
    mask,
    r: base.r.map((v, i) => (mask[Math.floor(i / dim)] === 0 ? 0 : v)),
  };
  const gpu = await forwardAndGradient(backend, base);
  const gpuMasked = await forwardAndGradient(backend, masked);
  const cpu = await forwardAndGradient('cpu', base);
  const cpuMasked = await forwardAndGradient('cpu', masked);
  await tf.setBackend(backend);

  // Padding: new values at padded tokens leave real tokens' outputs unchanged.
  const noisy: Problem = {
    ...masked,
    x: masked.x.map((v, i) => (mask[Math.floor(i / dim)] === 0 ? v + 10 * Math.sin(i) : v)),
  };
  const gpuNoisy = await forwardAndGradient(backend, noisy, false);
  const maskList = Array.from(mask);
  const paddingLeak = relativeError(
    realRows(gpuNoisy.y, maskList, dim),
    realRows(gpuMasked.y, maskList, dim),
  );

  // Leaks on the GPU backend (the calls above were the warm-up: kernels and caches are created once).
  const layer = buildLayer(base);
  const x = tf.tensor(base.x, shape);
  const maskTensor = tf.tensor(mask, [b, n]);
  const leakedTensors = {
    forward: await leaked(() => (layer.apply(x) as tf.Tensor).dispose()),
    maskedForward: await leaked(() => (layer.apply(x, { mask: maskTensor }) as tf.Tensor).dispose()),
    backward: await leaked(() => {
      const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(layer.apply(x, { mask: maskTensor }) as tf.Tensor) as tf.Scalar,
        vars,
      );
      tf.dispose([value, ...Object.values(grads)]);
    }),
  };
  tf.dispose([x, maskTensor]);
  disposeLayer(layer);

  return {
    shape: [b, n, dim, heads],
    forwardError: relativeError(gpu.y, cpu.y),
    gradientError: relativeError(gpu.dx, cpu.dx),
    maskedGradientError: relativeError(gpuMasked.dx, cpuMasked.dx),
    paddingLeak,
    leakedTensors,
    saveLoadError: await saveLoad(name, base),
  };
}

/** model.save → tf.loadLayersModel through memory on the current backend; the outputs' relative difference. */
async function saveLoad(name: string, p: Problem): Promise<number> {
  const [b, n, dim] = p.shape;
  const layer = createAttention(
    name,
    { dim, heads: Number(p.options.heads), ...p.options },
    { maxLength: n },
  );
  const input = tfl.input({ shape: [n, dim] });
  const maskInput = tfl.input({ shape: [n] });
  const model = tfl.model({
    inputs: [input, maskInput],
    outputs: layer.apply([input, maskInput]) as tfl.SymbolicTensor,
  });
  const values = p.weights.map((w) => tf.tensor(w.values, w.shape));
  layer.setWeights(values);
  tf.dispose(values);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
  const x = tf.tensor(p.x, p.shape);
  const mask = tf.tensor2d(
    Array.from({ length: b * n }, (_, i) => (i === n - 1 ? 0 : 1)),
    [b, n],
  );
  const expected = model.predict([x, mask]) as tf.Tensor;
  const actual = loaded.predict([x, mask]) as tf.Tensor;
  const error = relativeError(await actual.data(), await expected.data());
  tf.dispose([x, mask, expected, actual]);
  model.dispose();
  loaded.dispose();
  return error;
}

/** Runs every check of one variant on `backend` (already initialised, as is cpu). Never throws: errors are listed. */
export async function checkVariant(
  name: string,
  backend: string,
  golden: GoldenInput[],
): Promise<VariantReport> {
  const started = performance.now();
  const report: VariantReport = { variant: name, backend, golden: [], errors: [], ms: 0 };
  getAttentionDescriptor(name);
  for (const [i, c] of golden.entries()) {
    try {
      report.golden.push(await goldenCase(name, backend, c, 1000 + i));
    } catch (err) {
      report.errors.push(`golden ${c.label}: ${(err as Error).message}`);
    }
  }
  try {
    report.random = await randomChecks(name, backend);
  } catch (err) {
    report.errors.push(`random-input checks: ${(err as Error).message}`);
  }
  await tf.setBackend(backend);
  report.ms = performance.now() - started;
  return report;
}
