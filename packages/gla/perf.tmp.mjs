import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { GatedLinearAttention } from './dist/index.js';
await initBackend('wasm');
const N = Number(process.argv[2] ?? 4096), c = Number(process.argv[3] ?? 64);
const layer = new GatedLinearAttention({ dim: 256, heads: 4, chunkSize: c });
layer.build([null, null, 256]);
const x = tf.randomNormal([1, N, 256]);
const vars = layer.trainableWeights.map((w) => w.read());
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  const y = layer.apply(x); y.dataSync(); y.dispose();
  const t1 = performance.now();
  const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x)), vars);
  Object.values(grads)[0].dataSync(); tf.dispose([value, ...Object.values(grads)]);
  const t2 = performance.now();
  console.log(`N=${N} c=${c} fwd ${(t1 - t0).toFixed(0)} ms, fwd+bwd ${(t2 - t1).toFixed(0)} ms, tensors ${tf.memory().numTensors}`);
}
