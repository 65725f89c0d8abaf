// Measures wasm's batched matMul before and after `installWasmBatchMatMulLoop` (run: node scripts/bench-batch-matmul.mjs
// after `pnpm build`). Prints a markdown table: per shape, the original batched kernel, the loop of 2-D tf.matMuls
// the variants used to write by hand, and the installed loop kernel; and whether the loop kernel's values equal the
// 2-D loop's bit for bit. A benchmark, not a test: numbers depend on the machine.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmBatchMatMulLoop } from '../dist/index.node.js';
import { medianTime } from './bench-time.mjs';

await tf.setBackend('wasm');
await tf.ready();

const SHAPES = [
  // [batch, m, k, n]: attention-like products (heads × tokens × head dim) and chunk-sized blocks.
  [4, 4096, 64, 64],
  [4, 64, 4096, 64],
  [16, 1024, 64, 64],
  [256, 64, 64, 64],
  [256, 64, 64, 1],
  [4, 4096, 64, 8],
  [4, 8, 64, 4096],
  [256, 64, 8, 64],
  [64, 32, 32, 32],
  [512, 16, 16, 16],
];
const REPEATS = Number(process.env.REPEATS ?? 5);

const time = (fn) => medianTime(fn, REPEATS);

const loop2d = (a, b) =>
  tf.tidy(() => {
    const as = tf.unstack(a);
    const bs = tf.unstack(b);
    return tf.stack(as.map((ai, i) => tf.matMul(ai, bs[i])));
  });

const rows = [];
const inputs = SHAPES.map(([batch, m, k, n]) => [
  tf.randomNormal([batch, m, k], 0, 1, 'float32', 1),
  tf.randomNormal([batch, k, n], 0, 1, 'float32', 2),
]);
const before = inputs.map(([a, b]) => time(() => tf.matMul(a, b)));
const handLoop = inputs.map(([a, b]) => time(() => loop2d(a, b)));
installWasmBatchMatMulLoop();
const after = inputs.map(([a, b]) => time(() => tf.matMul(a, b)));
SHAPES.forEach(([batch, m, k, n], i) => {
  const [a, b] = inputs[i];
  const same = tf.tidy(() => {
    const x = tf.matMul(a, b).dataSync();
    const y = loop2d(a, b).dataSync();
    return x.every((v, j) => Object.is(v, y[j]));
  });
  rows.push(
    `| ${batch} × [${m}, ${k}]·[${k}, ${n}] | ${before[i].toFixed(2)} | ${handLoop[i].toFixed(2)} | ${after[i].toFixed(2)} | ${(before[i] / after[i]).toFixed(1)}× | ${same ? 'yes' : 'no'} |`,
  );
});
console.log(
  `wasm (${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD'}, ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'threads' : 'one thread'}), median of ${REPEATS} ms`,
);
console.log(
  '| product | batched kernel (ms) | loop of 2-D tf.matMul (ms) | loop kernel (ms) | speed-up | same bits as 2-D loop |',
);
console.log('| --- | --: | --: | --: | --: | :-: |');
for (const r of rows) console.log(r);
