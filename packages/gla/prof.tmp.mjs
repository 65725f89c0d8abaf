import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { GatedLinearAttention } from './dist/index.js';
await initBackend('cpu');
const N = Number(process.argv[2] ?? 512);
const layer = new GatedLinearAttention({ dim: 256, heads: 4 });
layer.build([null, null, 256]);
const x = tf.randomNormal([1, N, 256]);
const vars = layer.trainableWeights.map((w) => w.read());
const info = await tf.profile(() => {
  const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x)), vars);
  tf.dispose([value, ...Object.values(grads)]);
});
console.log('peak MiB', (info.peakBytes / 2 ** 20).toFixed(1), 'kernels', info.kernels.length);
const big = {};
for (const k of info.kernels) { const key = k.name + ' ' + JSON.stringify(k.outputShapes); big[key] = (big[key] ?? 0) + 1; }
const sizes = info.kernels.map((k) => [k.name, k.outputShapes, k.bytesAdded]).sort((a, b) => b[2] - a[2]).slice(0, 12);
console.log(sizes.map((s) => JSON.stringify(s)).join('\n'));
let maxSnap = 0, at = -1; info.kernels.forEach((k, i) => { if (k.totalBytesSnapshot > maxSnap) { maxSnap = k.totalBytesSnapshot; at = i; } });
console.log('max snapshot', (maxSnap / 2 ** 20).toFixed(1), 'MiB at kernel', at, info.kernels[at].name, JSON.stringify(info.kernels[at].outputShapes));
