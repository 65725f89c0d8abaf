// Shared by the benchmark scripts of this folder: the median wall time of `fn` (a tensor-returning op, read back and
// disposed each time) over `repeats` runs after one warm-up.
import * as tf from '@tensorflow/tfjs-core';

export function medianTime(fn, repeats) {
  tf.dispose(fn()); // warm-up
  const samples = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const y = fn();
    y.dataSync();
    samples.push(performance.now() - t0);
    y.dispose();
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}
