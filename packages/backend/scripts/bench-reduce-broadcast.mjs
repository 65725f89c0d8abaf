// Measures wasm's reductions over outer axes before and after `installWasmOuterAxisReduce`, and its slow-broadcasting
// binary kernels before and after `installWasmBroadcastBinary`, and Slice before and after `installWasmViewSlice` (run: node scripts/bench-reduce-broadcast.mjs after
// `pnpm build`). Prints two markdown tables: per case, the original kernel and the installed one (median of REPEATS,
// one wasm thread), and whether their values are equal bit for bit. The fast Transpose is installed first in both
// columns (the reductions call it). A benchmark, not a test: numbers depend on the machine.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import {
  installWasmBroadcastBinary,
  installWasmFastTile,
  installWasmFastTranspose,
  installWasmOuterAxisReduce,
  installWasmViewSlice,
} from '../dist/index.node.js';
import { medianTime } from './bench-time.mjs';

await tf.setBackend('wasm');
await tf.ready();
installWasmFastTranspose();
installWasmFastTile();

const REPEATS = Number(process.env.REPEATS ?? 7);
const time = (fn) => medianTime(fn, REPEATS);
const x = tf.randomNormal([1, 4, 4096, 64], 0, 1, 'float32', 1);
const y = tf.randomNormal([4096, 256], 0, 1, 'float32', 2);
const block = tf.randomUniform([64, 64], 0, 1, 'float32', 3);
const rows = tf.randomUniform([4, 64, 1, 64], 0, 1, 'float32', 4);
const column = tf.randomNormal([1, 4, 4096, 1], 0, 1, 'float32', 5);

const REDUCE = [
  ['sum of [1, 4, 4096, 64] over the tokens (axis 2)', () => tf.sum(x, 2)],
  ['mean of [1, 4, 4096, 64] over the tokens (axis 2)', () => tf.mean(x, 2)],
  ['max of [1, 4, 4096, 64] over the tokens (axis 2)', () => tf.max(x, 2)],
  ['sum of [4096, 256] over axis 0 (a bias gradient)', () => tf.sum(y, 0)],
  ['sum of [1, 4, 4096, 64] over the last axis (kept)', () => tf.sum(x, 3)],
];
const BROADCAST = [
  [
    'logicalAnd [64, 64] bool with [4, 64, 1, 64]',
    () => tf.logicalAnd(tf.cast(block, 'bool'), tf.greater(rows, 0.5)),
  ],
  ['greater [64, 64] with [4, 64, 1, 64]', () => tf.greater(block, rows)],
  ['maximum [1, 4, 4096, 64] with [1, 4, 4096, 1]', () => tf.maximum(x, column)],
  ['maximum of two [1, 4, 4096, 64] (kept)', () => tf.maximum(x, x)],
];

function table(title, cases, install) {
  const run = (f) => tf.tidy(f);
  const before = cases.map(([, f]) => time(() => run(f)));
  const reference = cases.map(([, f]) => run(f).dataSync());
  install();
  const after = cases.map(([, f]) => time(() => run(f)));
  console.log(`\n| ${title} | original kernel (ms) | installed kernel (ms) | speed-up | bit-identical |`);
  console.log('| --- | ---: | ---: | ---: | --- |');
  cases.forEach(([name, f], i) => {
    const values = run(f).dataSync();
    const identical = values.every((v, j) => Object.is(v, reference[i][j]));
    console.log(
      `| ${name} | ${before[i].toFixed(1)} | ${after[i].toFixed(1)} | ${(before[i] / after[i]).toFixed(1)}× | ${identical} |`,
    );
  });
}

const chunks = tf.randomNormal([4, 32, 16640], 0, 1, 'float32', 6);
const SLICE = [
  ['128 of 16,640 columns of [4, 32, 16640]', () => tf.slice(chunks, [0, 0, 256], [4, 32, 128])],
  ['rows 1024–2047 of [1, 4, 4096, 64]', () => tf.slice(x, [0, 0, 1024, 0], [1, 4, 1024, 64])],
  ['all but the first column of [4096, 256]', () => tf.slice(y, [0, 1], [4096, 255])],
];

table('reduction', REDUCE, installWasmOuterAxisReduce);
table('binary op', BROADCAST, installWasmBroadcastBinary);
table('slice', SLICE, installWasmViewSlice);
