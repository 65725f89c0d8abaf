import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import { versions } from '../versions.js';
import type { ScalingEnvironment } from './scaling-result.js';

/** What the run happened on; `finishedAt` and `loadAverageEnd` are filled in by `finishEnvironment`. */
export function captureEnvironment(): ScalingEnvironment {
  const backend = tf.getBackend();
  const flag = (name: string) => {
    try {
      return tf.env().getBool(name);
    } catch {
      return undefined;
    }
  };
  return {
    backend,
    versions: versions(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpuCount: os.cpus().length,
    totalMemoryBytes: os.totalmem(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverageStart: os.loadavg()[0]!,
    loadAverageEnd: os.loadavg()[0]!,
    ...(backend === 'wasm'
      ? { wasmSimd: flag('WASM_HAS_SIMD_SUPPORT'), wasmThreads: flag('WASM_HAS_MULTITHREAD_SUPPORT') }
      : {}),
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
  };
}

export function finishEnvironment(env: ScalingEnvironment): ScalingEnvironment {
  return { ...env, loadAverageEnd: os.loadavg()[0]!, finishedAt: new Date().toISOString() };
}
