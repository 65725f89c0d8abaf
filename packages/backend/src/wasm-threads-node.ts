// Node only: lets tfjs-backend-wasm 4.22 start its threaded SIMD build (Emscripten pthreads on worker_threads).
// tfjs switches threads off under Node (WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE, tensorflow/tfjs#3830;
// the fix proposed in tensorflow/tfjs#8059 was not merged). Three obstacles, each worked around here:
//  1. Emscripten starts each pthread with `new Worker(locateFile('…threaded-simd.worker.js'))`, and tfjs answers
//     with a Blob URL, which Node's Worker refuses (ERR_WORKER_PATH). We write the worker script to a temporary
//     file and hand out its path instead.
//  2. That worker loads the Emscripten module through importScripts(<Blob URL of the module source>), which its
//     Node shim reads with fs.readFileSync. The worker file we write ends with a shim that `require`s the module
//     from the installed package for that URL instead.
//  3. The C++ backend sizes its thread pool as navigator.hardwareConcurrency / 2 (os.cpus().length / 2 under
//     Node), i.e. ONE thread on a 2-core machine, whatever setThreadsCount asks. While the module initialises,
//     os.cpus() reports each core twice so the pool can have as many threads as there are cores.
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The installed tfjs-backend-wasm's directory (its package.json's folder). */
function wasmPackageDir(): string {
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

/** Marker URL the patched worker resolves to the Emscripten module. */
const MODULE_MARKER = 'tost:wasm-threaded-simd-module';

let workerFile: string | undefined;

/** Writes the pthread worker script (tfjs's own, plus the importScripts shim) once per process; returns its path. */
function pthreadWorkerFile(): string {
  if (workerFile) return workerFile;
  const dir = wasmPackageDir();
  const { wasmWorkerContents } = require(
    join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js'),
  ) as {
    wasmWorkerContents: string;
  };
  const modulePath = join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  // tfjs escapes newlines the same way before making its Blob (the source is a template literal).
  const script = wasmWorkerContents.replace(/\n/g, '\\n');
  const shim = `
;(() => {
  const load = importScripts;
  URL.createObjectURL = () => ${JSON.stringify(MODULE_MARKER)};
  URL.revokeObjectURL = () => {};
  global.importScripts = (url) => {
    if (url === ${JSON.stringify(MODULE_MARKER)}) global.WasmBackendModuleThreadedSimd = require(${JSON.stringify(modulePath)});
    else load(url);
  };
})();
`;
  // .cjs: the worker script is CommonJS whatever package.json surrounds the temporary directory.
  const file = join(mkdtempSync(join(os.tmpdir(), 'tost-wasm-threads-')), 'pthread-worker.cjs');
  writeFileSync(file, script + shim);
  workerFile = file;
  return file;
}

interface PThreadPool {
  unusedWorkers?: { unref?: () => void }[];
  runningWorkers?: { unref?: () => void }[];
}

/**
 * Emscripten's pthread workers are ordinary worker_threads and would keep Node running after the program ends:
 * unref them (they are idle between kernels; a kernel blocks the main thread until its threads finish).
 */
function unrefPthreadWorkers(): void {
  if (tf.getBackend() !== 'wasm') return;
  const backend = tf.backend() as unknown as { wasm?: { PThread?: PThreadPool } };
  const pool = backend.wasm?.PThread;
  for (const worker of [...(pool?.unusedWorkers ?? []), ...(pool?.runningWorkers ?? [])]) worker.unref?.();
}

/**
 * Threads for the wasm backend in Node: `threads` (the `wasmThreads` option), else TOST_WASM_THREADS, else one per
 * core (at most 8). 1 keeps tfjs' single-threaded build. Throws for a count that is not an integer in 1–8.
 */
export function nodeWasmThreads(threads?: number): number {
  if (threads !== undefined) return checkThreads(threads, 'option wasmThreads');
  const value = process.env.TOST_WASM_THREADS;
  if (value === undefined || value === '') return Math.min(8, os.availableParallelism());
  return checkThreads(Number(value), 'TOST_WASM_THREADS', value);
}

function checkThreads(n: number, what: string, raw: string | number = n): number {
  if (!Number.isInteger(n) || n < 1 || n > 8)
    throw new Error(`${what} must be an integer from 1 to 8, got '${raw}'`);
  return n;
}

/** Runs `setBackend` (which initialises wasm) threaded or not, per `nodeWasmThreads(threads)`. */
export function activateWasmInNode(setBackend: () => Promise<boolean>, threads?: number): Promise<boolean> {
  const n = nodeWasmThreads(threads);
  return n === 1 ? setBackend() : withWasmThreads(setBackend, { threads: n });
}

export interface WasmThreadsOptions {
  /** Threads of the wasm backend's pool (1–8, tfjs's cap); default: the number of cores, at most 8. */
  threads?: number;
}

/**
 * Prepares the wasm backend to run threaded in Node: call it before the backend initialises (before
 * `tf.setBackend('wasm')`). Returns a function that runs the initialisation (`init`) with the workarounds above in
 * place and restores them. Throws when `threads` is not an integer in 1–8.
 */
export async function withWasmThreads<T>(
  init: () => Promise<T>,
  options: WasmThreadsOptions = {},
): Promise<T> {
  const threads = checkThreads(options.threads ?? Math.min(8, os.availableParallelism()), 'wasm threads');
  const wasm =
    (await import('@tensorflow/tfjs-backend-wasm')) as typeof import('@tensorflow/tfjs-backend-wasm');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
  wasm.setThreadsCount(threads);
  if (threads === 1) return init();
  const file = pthreadWorkerFile();
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  URL.createObjectURL = (blob: Blob) =>
    blob instanceof Blob && blob.type === 'application/javascript' ? file : createObjectURL(blob);
  os.cpus = () => [...cpus(), ...cpus()];
  try {
    const result = await init();
    unrefPthreadWorkers();
    return result;
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
}
