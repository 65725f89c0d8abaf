// Measures wasm's Transpose before and after `installWasmFastTranspose` (run: node scripts/bench-transpose.mjs after
// `pnpm build`). Prints a markdown table: per shape and permutation, the original kernel and the installed one (median
// of REPEATS, one wasm thread), and whether their values are equal. A benchmark, not a test: numbers depend on the
// machine.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmFastTranspose } from '../dist/index.node.js';
import { medianTime } from './bench-time.mjs';

await tf.setBackend('wasm');
await tf.ready();

const CASES = [
  // [shape, perm]: a dense layer's xᵀ (dW = xᵀ·dy), its transpose back, longer sequences, per-head keys, a square.
  [
    [4096, 256],
    [1, 0],
  ],
  [
    [256, 4096],
    [1, 0],
  ],
  [
    [16384, 256],
    [1, 0],
  ],
  [
    [4, 4096, 64],
    [0, 2, 1],
  ],
  [
    [1024, 1024],
    [1, 0],
  ],
  [
    [1, 4096, 4, 64],
    [0, 2, 1, 3],
  ],
  // Batches of small matrices (chunks of a chunked core).
  [
    [128, 128, 256],
    [0, 2, 1],
  ],
  [
    [128, 256, 65],
    [0, 2, 1],
  ],
  [
    [256, 64, 64],
    [0, 2, 1],
  ],
  [
    [1024, 16, 64],
    [0, 2, 1],
  ],
];
const REPEATS = Number(process.env.REPEATS ?? 7);

const time = (fn) => medianTime(fn, REPEATS);

const inputs = CASES.map(([shape]) => tf.randomNormal(shape, 0, 1, 'float32', 1));
const before = CASES.map(([, perm], i) => time(() => tf.transpose(inputs[i], perm)));
const reference = CASES.map(([, perm], i) => tf.transpose(inputs[i], perm));
installWasmFastTranspose();
const after = CASES.map(([, perm], i) => time(() => tf.transpose(inputs[i], perm)));
console.log('| shape, perm | original kernel (ms) | installed kernel (ms) | speed-up | equal values |');
console.log('| --- | ---: | ---: | ---: | --- |');
CASES.forEach(([shape, perm], i) => {
  const y = tf.transpose(inputs[i], perm);
  const equal = tf.all(tf.equal(y, reference[i])).dataSync()[0] === 1;
  y.dispose();
  const speedUp = before[i] / after[i];
  console.log(
    `| [${shape.join(', ')}], [${perm.join(', ')}] | ${before[i].toFixed(1)} | ${after[i].toFixed(1)} | ${speedUp.toFixed(1)}× | ${equal} |`,
  );
});
