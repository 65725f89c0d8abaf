import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { XCA } from './dist/index.js';
await initBackend('wasm');
for (const N of [1024, 4096]) {
  const layer = new XCA({ dim: 256, heads: 4 });
  layer.build([null, null, 256]);
  const x = tf.randomNormal([1, N, 256]);
  const vars = layer.trainableWeights.map((w) => w.read());
  const step = () => { const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x)), vars); tf.dispose([value, ...Object.values(grads)]); };
  step();
  const info = await tf.profile(step);
  const byName = {};
  for (const k of info.kernels) byName[k.name] = (byName[k.name] ?? 0) + (k.kernelTimeMs ?? 0);
  const t0 = performance.now(); step(); const total = performance.now() - t0;
  console.log(N, 'total', total.toFixed(0), 'ms; kernels', info.kernels.length, 'peak MiB', (info.peakBytes / 2 ** 20).toFixed(0));
  console.log(Object.entries(byName).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([n, t]) => `${n} ${t.toFixed(0)}`).join(', '));
}
