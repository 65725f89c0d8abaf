// Measures wasm's Cumsum before and after `installWasmFastCumsum` (run: node scripts/bench-cumsum.mjs after
// `pnpm build`). Prints a markdown table: per shape, axis and direction, the original kernel and the installed one
// (median of REPEATS, one wasm thread), and whether their values are equal bit for bit. A benchmark, not a test:
// numbers depend on the machine.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmFastCumsum } from '../dist/index.node.js';
import { medianTime } from './bench-time.mjs';

await tf.setBackend('wasm');
await tf.ready();

const CASES = [
  // [shape, axis, exclusive, reverse]: prefix sums over the tokens of [batch, heads, N, p], over a last axis.
  [[1, 4, 4096, 64], 2, false, false],
  [[1, 4, 4096, 64], 2, false, true],
  [[1, 4, 16384, 64], 2, false, false],
  [[1, 4, 64, 4096], 3, false, false],
  [[1024, 16, 64], 1, true, false],
];
const REPEATS = Number(process.env.REPEATS ?? 7);

const time = (fn) => medianTime(fn, REPEATS);

const inputs = CASES.map(([shape]) => tf.randomNormal(shape, 0, 1, 'float32', 1));
const run = (i) => tf.cumsum(inputs[i], CASES[i][1], CASES[i][2], CASES[i][3]);
const before = CASES.map((_, i) => time(() => run(i)));
const reference = CASES.map((_, i) => run(i).dataSync());
installWasmFastCumsum();
const after = CASES.map((_, i) => time(() => run(i)));
console.log(
  '| shape, axis, exclusive, reverse | original kernel (ms) | installed kernel (ms) | speed-up | bit-identical |',
);
console.log('| --- | ---: | ---: | ---: | --- |');
CASES.forEach(([shape, axis, exclusive, reverse], i) => {
  const y = run(i);
  const values = y.dataSync();
  y.dispose();
  const identical = values.every((v, j) => Object.is(v, reference[i][j]));
  console.log(
    `| [${shape.join(', ')}], ${axis}, ${exclusive}, ${reverse} | ${before[i].toFixed(1)} | ${after[i].toFixed(1)} | ${(before[i] / after[i]).toFixed(1)}× | ${identical} |`,
  );
});
