import * as tf from '@tensorflow/tfjs-core';

/** One probe of `checkBackend`: its forward output and input gradient on the backend vs tfjs' cpu backend. */
export interface BackendProbeResult {
  /** What the probe computes, e.g. 'masked softmax attention'. */
  name: string;
  /** max|y − y_cpu| / max|y_cpu|. */
  forwardError: number;
  /** Same measure for ∂⟨y, r⟩/∂x. */
  gradientError: number;
  /** Both errors below the tolerance (and finite). */
  ok: boolean;
  /** The probe threw on the backend (the message); then `ok` is false and the errors are Infinity. */
  error?: string;
}

/** What `checkBackend` found. */
export interface BackendCheckReport {
  /** tfjs' name of the backend checked (the current one unless `backend` was given). */
  backend: string;
  /** Every probe agreed with cpu. */
  ok: boolean;
  /** Relative-error tolerance used. */
  tolerance: number;
  probes: BackendProbeResult[];
  /** One line per disagreeing probe (also sent to console.warn unless `warn: false`). */
  warnings: string[];
}

export interface CheckBackendOptions {
  /** Backend to check (default: the current one, `tf.getBackend()`); it is current again afterwards. */
  backend?: string;
  /** Largest relative error accepted, forward and gradient (default 1e-4: float32 noise is ~1e-7). */
  tolerance?: number;
  /** Send each disagreement to console.warn (default true). */
  warn?: boolean;
}

/** Deterministic values in [−1, 1] (no random generator: the same on every backend). */
function values(count: number, phase: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.sin(1.7 * i + phase) * Math.cos(0.3 * i * phase + 1));
}

interface Probe {
  name: string;
  shape: number[];
  /** y = f(x); differentiated as ⟨f(x), r⟩ with a fixed r. */
  f: (x: tf.Tensor) => tf.Tensor;
}

/**
 * Tiny problems built from the kernels attention layers use: products, a masked softmax (select and its gradient), a
 * causal prefix sum and its gradient (a reverse cumulative sum), a normalised linear-attention read-out.
 */
const PROBES: Probe[] = [
  {
    name: 'batched matMul (qkᵀ)·v',
    shape: [2, 5, 4],
    f: (x) => tf.matMul(tf.matMul(x, x, false, true), x),
  },
  {
    name: 'masked softmax attention (select, exp, sum)',
    shape: [2, 5, 4],
    f: (x) => {
      const allowed = tf.tensor3d(
        values(50, 0.5).map((v, i) => (v > -0.3 || i % 5 === 0 ? 1 : 0)),
        [2, 5, 5],
        'bool',
      );
      const scores = tf.matMul(x, x, false, true);
      const masked = tf.where(allowed, scores, tf.fill(scores.shape, -1e9));
      const weights = tf.where(allowed, tf.softmax(masked), tf.zerosLike(scores));
      return tf.matMul(weights, x);
    },
  },
  {
    // Along the innermost axis: tfjs-core 4.22's cumsum gradient along another axis has the wrong shape.
    name: 'causal prefix sums (cumsum; its gradient is a reverse cumsum)',
    shape: [2, 3, 7],
    f: (x) => tf.cumsum(tf.mul(x, tf.cumsum(tf.exp(x), 2)), 2),
  },
  {
    name: 'causal linear attention read-out (φ = elu + 1, prefix sums of φ(k)ᵀv and φ(k), normaliser)',
    shape: [1, 6, 4],
    f: (x) => {
      const [, n, d] = x.shape as [number, number, number];
      const phi = tf.add(tf.elu(x), 1);
      const prefix = (t: tf.Tensor, width: number) =>
        tf.transpose(tf.cumsum(tf.transpose(tf.reshape(t, [1, n, width]), [0, 2, 1]), 2), [0, 2, 1]);
      const kv = tf.mul(tf.expandDims(phi, 3), tf.expandDims(x, 2));
      const state = tf.reshape(prefix(kv, d * d), [1, n, d, d]);
      const numerator = tf.squeeze(tf.matMul(tf.expandDims(phi, 2), state), [2]);
      const normaliser = tf.sum(tf.mul(phi, prefix(phi, d)), -1, true);
      return tf.div(numerator, tf.add(normaliser, 1e-6));
    },
  },
];

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!Number.isFinite(d)) return Number.POSITIVE_INFINITY;
    diff = Math.max(diff, d);
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Forward and input gradient of one probe on the current backend (asynchronous reads only: no GPU stall). */
async function run(probe: Probe): Promise<{ y: Float32Array; dx: Float32Array }> {
  const size = probe.shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(values(size, 0.1), probe.shape);
  const y = tf.tidy(() => probe.f(x));
  const r = tf.tensor(values(y.size, 2.3), y.shape);
  const dx = tf.tidy(() => tf.grad((input: tf.Tensor) => tf.sum(tf.mul(probe.f(input), r)))(x));
  const out = { y: (await y.data()) as Float32Array, dx: (await dx.data()) as Float32Array };
  tf.dispose([x, y, r, dx]);
  return out;
}

/**
 * Runs a few tiny known-answer problems — forward and input gradient — on a backend and compares them with tfjs' cpu
 * backend (the reference), so a user on an untested GPU, driver or browser learns before training that a kernel
 * computes wrong values there. Disagreements are returned as `warnings` and sent to `console.warn`.
 * Browser-safe; the cpu backend is loaded on demand (`@tensorflow/tfjs-backend-cpu`). Switches backends while it runs
 * and makes the checked one current again; leaves no tensors behind. A few hundred ms on a GPU backend (shader
 * compilation), seconds on SwiftShader.
 *
 * @returns `{ backend, ok, tolerance, probes: [{name, forwardError, gradientError, ok, error?}], warnings }`.
 * @throws RangeError when `tolerance` is not a positive finite number; Error when `backend` is not registered, no backend is initialised, or tfjs-core's gradients are not
 *   registered (import `@tensorflow/tfjs-layers` first).
 */
export async function checkBackend(options: CheckBackendOptions = {}): Promise<BackendCheckReport> {
  const tolerance = options.tolerance ?? 1e-4;
  if (typeof tolerance !== 'number' || !(tolerance > 0) || !Number.isFinite(tolerance)) {
    throw new RangeError(
      `checkBackend: option 'tolerance' must be a positive finite relative error (default 1e-4), got ${typeof tolerance === 'string' ? JSON.stringify(tolerance) : String(tolerance)}`,
    );
  }
  const backend = options.backend ?? tf.getBackend();
  if (!backend) throw new Error('checkBackend: no tfjs backend is initialised; call initBackend() first');
  if (tf.findBackendFactory(backend) == null) {
    throw new Error(
      `checkBackend: backend '${backend}' is not registered; load it with initBackend('${backend}') first`,
    );
  }
  if (tf.getGradient('Cumsum') === undefined) {
    throw new Error(
      "checkBackend: tfjs-core's gradients are not registered; import '@tensorflow/tfjs-layers' (any @tost layer " +
        'package does) before calling it',
    );
  }
  const previous = tf.getBackend();
  await import('@tensorflow/tfjs-backend-cpu');
  const probes: BackendProbeResult[] = [];
  try {
    for (const probe of PROBES) {
      await tf.setBackend('cpu');
      const reference = await run(probe);
      await tf.setBackend(backend);
      try {
        const got = await run(probe);
        const forwardError = relativeError(got.y, reference.y);
        const gradientError = relativeError(got.dx, reference.dx);
        probes.push({
          name: probe.name,
          forwardError,
          gradientError,
          ok: forwardError < tolerance && gradientError < tolerance,
        });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        probes.push({
          name: probe.name,
          forwardError: Number.POSITIVE_INFINITY,
          gradientError: Number.POSITIVE_INFINITY,
          ok: false,
          error: message,
        });
      }
    }
  } finally {
    await tf.setBackend(previous);
  }
  const warnings = probes
    .filter((p) => !p.ok)
    .map((p) =>
      p.error !== undefined
        ? `checkBackend: '${backend}' failed on ${p.name}: ${p.error}`
        : `checkBackend: '${backend}' disagrees with cpu on ${p.name}: relative error forward ` +
          `${p.forwardError.toExponential(1)}, gradient ${p.gradientError.toExponential(1)} (tolerance ${tolerance})`,
    );
  if (options.warn !== false) for (const w of warnings) console.warn(w);
  return { backend, ok: warnings.length === 0, tolerance, probes, warnings };
}
