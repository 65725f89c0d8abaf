import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { gatedLinearAttention, chunkCore } from './dist/index.js';
await initBackend('wasm');
const N = Number(process.argv[2] ?? 4096), c = Number(process.argv[3] ?? 64);
const q = tf.randomNormal([1, 4, N, 64]), k = tf.randomNormal([1, 4, N, 64]), v = tf.randomNormal([1, 4, N, 64]);
const g = tf.mul(tf.randomUniform([1, 4, N, 64]), -0.05);
const time = (label, fn) => { const t0 = performance.now(); const r = fn(); tf.dispose(r); console.log(label, (performance.now() - t0).toFixed(0), 'ms'); };
for (let r = 0; r < 2; r++) {
  time('gla fwd', () => { const o = gatedLinearAttention(q, k, v, g, { chunkSize: c }); o.output.dataSync(); return Object.values(o); });
  const qc = tf.reshape(q, [4 * N / c, c, 64]), lam = tf.ones([4 * N / c, 1, 64]), s0 = tf.zeros([4, 64, 64]);
  time('core fwd', () => { const o = chunkCore(qc, qc, qc, lam, qc, s0); o.dataSync(); return o; });
  time('core fwd+bwd', () => { const gr = tf.grads((a) => tf.sum(chunkCore(a, qc, qc, lam, qc, s0)))([qc]); gr[0].dataSync(); return gr; });
  time('full fwd+bwd', () => { const gr = tf.grads((a, b) => tf.sum(gatedLinearAttention(a, k, v, b, { chunkSize: c }).output))([q, g]); gr[0].dataSync(); return gr; });
}
