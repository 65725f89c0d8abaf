import * as tf from '@tensorflow/tfjs-core';
import {
  BACKEND_NAMES,
  findCandidate,
  type BackendCandidate,
  type BackendName,
  type BackendPreference,
} from './backend-candidates.js';
import { installWasmZeroCopyIdentity } from './wasm-zero-copy-identity.js';
import { installWasmFastTile } from './wasm-fast-tile.js';
import { installWasmFastTranspose } from './wasm-fast-transpose.js';
import { installWasmFastCumsum } from './wasm-fast-cumsum.js';
import { installWasmOuterAxisReduce } from './wasm-outer-axis-reduce.js';
import { installWasmBroadcastBinary } from './wasm-broadcast-binary.js';
import { installWasmViewSlice } from './wasm-view-slice.js';
import { installWasmFastUnpack } from './wasm-fast-unpack.js';
import { installWasmFastGather } from './wasm-fast-gather.js';
import { installWasmUntransposedMatMul } from './wasm-untransposed-matmul.js';
import { installWasmBatchMatMulLoop } from './wasm-batch-matmul-loop.js';
import { installWasmSplitInnerMatMul } from './wasm-split-inner-matmul.js';
import { installFastTileGradient } from './tile-gradient.js';
import { installLeanBackprop } from './lean-backprop.js';
import { installWebGpuReverseCumulative } from './webgpu-reverse-cumulative.js';

export interface SkippedBackend {
  name: BackendName;
  reason: string;
}

export interface BackendSelection {
  /** The backend in use. */
  name: BackendName;
  /** tfjs-core's name for it (`tensorflow`, `webgpu`, `webgl`, `wasm`, `cpu`). */
  tfBackendName: string;
  /** Faster backends that were tried first and why each could not be used (empty for an explicit choice). */
  reasonsSkipped: SkippedBackend[];
  /**
   * wasm only: whether the SIMD build is in use, whether the multithreaded build is (a browser page that is
   * cross-origin isolated; never in Node), and how many threads it runs (tfjs' default depends on the core count).
   */
  wasm?: { simd: boolean; multithreaded: boolean; threads: number };
}

/** Options of `initBackend` (all optional). */
export interface InitBackendOptions {
  /**
   * Where the wasm backend finds its `.wasm` binaries: a URL prefix ending in `/`, or a map from file name
   * (`tfjs-backend-wasm.wasm`, `tfjs-backend-wasm-simd.wasm`, `tfjs-backend-wasm-threaded-simd.wasm`) to URL.
   * Needed in a bundled page, where the binaries are not next to the bundle (passed to tfjs' `setWasmPaths`).
   * Default: next to the backend's own script (right for Node and unbundled pages).
   */
  wasmPaths?: string | Record<string, string>;
  /** wasm only: thread count when the page is cross-origin isolated (default: tfjs' choice, the core count). */
  wasmThreads?: number;
}

/** Imports the package that registers one backend (and applies the options it understands). */
export type BackendLoader = (options: InitBackendOptions) => Promise<void>;

/** What one entry point (Node or browser) can load, and in which order `auto` tries it. */
export interface BackendEnvironmentSpec {
  /** 'Node.js' or 'a browser': used in messages. */
  label: string;
  autoOrder: readonly BackendName[];
  loaders: Partial<Record<BackendName, BackendLoader>>;
  /** Why a backend has no loader here (e.g. "runs only in a browser"). */
  unavailable: (candidate: BackendCandidate) => string;
  /** Makes a loaded backend current (default: `setBackend()`); Node wraps it to start threaded wasm. */
  activate?: (
    candidate: BackendCandidate,
    setBackend: () => Promise<boolean>,
    options: InitBackendOptions,
  ) => Promise<boolean>;
}

function firstLine(err: unknown): string {
  return err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
}

/** The import failed because the package itself is absent (not because it is installed but broken). */
function isNotInstalled(err: unknown, packageName: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    err instanceof Error &&
    err.message.includes(`'${packageName}'`)
  );
}

async function wasmDetails(): Promise<BackendSelection['wasm']> {
  const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as {
    getThreadsCount?: () => number;
  };
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const multithread = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  // tfjs loads the threaded build only together with SIMD (tfjs-backend-wasm's init()).
  const multithreaded = simd && multithread;
  const threads = multithreaded && wasm.getThreadsCount ? wasm.getThreadsCount() : 1;
  return { simd, multithreaded, threads };
}

async function tryCandidate(
  candidate: BackendCandidate,
  env: BackendEnvironmentSpec,
  options: InitBackendOptions,
): Promise<string | undefined> {
  const load = env.loaders[candidate.name];
  if (load === undefined) return env.unavailable(candidate);
  try {
    await load(options);
  } catch (err) {
    if (isNotInstalled(err, candidate.packageName))
      return `${candidate.packageName} is not installed (optional)`;
    return `could not import ${candidate.packageName}: ${firstLine(err)}`;
  }
  if (tf.findBackendFactory(candidate.tfBackendName) == null) {
    return (
      `${candidate.packageName} loaded but did not register the '${candidate.tfBackendName}' backend with this ` +
      `copy of @tensorflow/tfjs-core (${tf.version_core}); install the same version of both`
    );
  }
  let ok = false;
  try {
    const setBackend = () => tf.setBackend(candidate.tfBackendName);
    ok = await (env.activate ? env.activate(candidate, setBackend, options) : setBackend());
  } catch (err) {
    return `'${candidate.tfBackendName}' failed to initialise: ${firstLine(err)}`;
  }
  if (!ok) {
    return `'${candidate.tfBackendName}' failed to initialise in ${env.label} (tf.setBackend returned false)`;
  }
  await tf.ready();
  return undefined;
}

function parsePreference(preference: unknown): BackendPreference {
  const p = typeof preference === 'string' ? preference.trim().toLowerCase() : '';
  if (p === 'auto' || (BACKEND_NAMES as readonly string[]).includes(p)) return p as BackendPreference;
  throw new Error(
    `initBackend: unknown backend preference '${String(preference)}' (from the argument or TOST_BACKEND); ` +
      `expected one of: auto, ${BACKEND_NAMES.join(', ')}`,
  );
}

async function selected(
  candidate: BackendCandidate,
  reasonsSkipped: SkippedBackend[],
): Promise<BackendSelection> {
  const selection: BackendSelection = {
    name: candidate.name,
    tfBackendName: candidate.tfBackendName,
    reasonsSkipped,
  };
  // tfjs-core's Tile gradient costs one slice per tile (LayerNormalization tiles γ and β): replaced for every backend.
  installFastTileGradient();
  // tfjs-core keeps every intermediate gradient and saved tensor until a backward pass ends: freed as it goes instead.
  installLeanBackprop();
  if (candidate.name === 'wasm') {
    // Backend-specific fixes applied once wasm is selected: a zero-copy Identity kernel, fast Tile, Transpose,
    // Cumsum, Unpack and Gather, reductions over outer axes through the fast Transpose, comparisons and min/max/pow…
    // broadcast by a block copy, Slice without copying its whole input, batched matMuls as a loop of single products,
    // and matMuls that never multiply a transposed operand (after the loop: it transposes whole operands once, then
    // calls it).
    installWasmZeroCopyIdentity();
    installWasmFastTile();
    // Before the untransposed matMul, which calls the Transpose kernel registered when it installs.
    installWasmFastTranspose();
    installWasmFastCumsum();
    installWasmOuterAxisReduce();
    installWasmBroadcastBinary();
    installWasmViewSlice();
    installWasmFastUnpack();
    installWasmFastGather();
    installWasmBatchMatMulLoop();
    installWasmUntransposedMatMul();
    // Outermost: a dW-shaped product aᵀ·b with a long shared axis becomes a sum of products over row ranges.
    installWasmSplitInnerMatMul();
    selection.wasm = await wasmDetails();
  }
  if (candidate.name === 'webgpu') {
    // tfjs-backend-webgpu 4.22 caches its reverse-scan shader across lengths: reverse cumulative sums (the gradient of
    // every cumsum) become flip → forward scan → flip.
    installWebGpuReverseCumulative();
  }
  return selection;
}

/**
 * The selection algorithm shared by the Node and browser entry points: an explicit preference loads that backend
 * or throws (saying why and how to install it); `auto` tries `env.autoOrder` and records why each was skipped.
 */
export async function selectBackend(
  preference: unknown,
  env: BackendEnvironmentSpec,
  options: InitBackendOptions = {},
): Promise<BackendSelection> {
  const wanted = parsePreference(preference);
  if (wanted !== 'auto') {
    const candidate = findCandidate(wanted)!;
    const reason = await tryCandidate(candidate, env, options);
    if (reason !== undefined) {
      throw new Error(
        `initBackend: backend '${wanted}' is not available: ${reason}. To install it: ${candidate.installHint}.`,
      );
    }
    return selected(candidate, []);
  }
  const reasonsSkipped: SkippedBackend[] = [];
  for (const name of env.autoOrder) {
    const candidate = findCandidate(name)!;
    const reason = await tryCandidate(candidate, env, options);
    if (reason === undefined) return selected(candidate, reasonsSkipped);
    reasonsSkipped.push({ name: candidate.name, reason });
  }
  throw new Error(
    `initBackend: no TensorFlow.js backend could be loaded in ${env.label}:\n` +
      reasonsSkipped.map((s) => `  - ${s.name}: ${s.reason}`).join('\n'),
  );
}

/** A one-line human summary, e.g. `wasm (SIMD, 1 thread; skipped node-gpu: …; node: …)`. */
export function describeBackendSelection(selection: BackendSelection): string {
  const notes: string[] = [];
  if (selection.wasm) {
    const { simd, multithreaded, threads } = selection.wasm;
    const build = multithreaded ? 'SIMD, multithreaded build' : simd ? 'SIMD' : 'no SIMD';
    notes.push(`${build}, ${threads} thread${threads === 1 ? '' : 's'}`);
  }
  if (selection.reasonsSkipped.length > 0) {
    notes.push(`skipped ${selection.reasonsSkipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
  }
  return notes.length === 0 ? selection.name : `${selection.name} (${notes.join('; ')})`;
}
