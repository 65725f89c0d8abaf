// Throwaway probe (not committed): can quick Pathfinder learn? args: attention res steps batch lr depth dim
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import '@tost/variants';
import { buildSequenceClassifier } from '@tost/models';
import { loadLra } from '@tost/lra/node';
const [att = 'tssa', res = '16', steps = '600', batch = '16', lr = '2e-3', depth = '1', dim = '32', dir = '/tmp/pf/data/pathfinder-quick'] = process.argv.slice(2);
await initBackend('wasm');
const splits = loadLra('pathfinder', dir, { maxLength: 1024, difficulty: 'easy' });
const R = Number(res), f = 32 / R, L = R * R;
function pooled(split, i) {
  const t = split.tokens(i); const out = new Int32Array(L);
  for (let r = 0; r < R; r++) for (let c = 0; c < R; c++) { let m = 0; for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) m = Math.max(m, t[(r * f + a) * 32 + c * f + b]); out[r * R + c] = m; }
  return out;
}
const data = (split, cap = Infinity) => { const n = Math.min(cap, split.size); const x = new Int32Array(n * L); const y = new Int32Array(n); for (let i = 0; i < n; i++) { x.set(pooled(split, i), i * L); y[i] = split.label(i); } return { x, y, n }; };
const tr = data(splits.train), te = data(splits.test, 600);
console.log('train', tr.n, 'test', te.n, 'pos frac', tr.y.reduce((a, b) => a + b, 0) / tr.n);
const model = buildSequenceClassifier({ vocabSize: 256, maxLength: L, numClasses: 2, dim: Number(dim), depth: Number(depth), heads: 4, mlpRatio: 2, headHidden: 2 * Number(dim), attention: att, pooling: 'class-attention', positional: 'sinusoidal', dropout: 0, attentionDropout: 0, maskPadding: false, seed: 1 });
const opt = tf.train.adam(Number(lr));
const B = Number(batch);
const evalAcc = () => { let ok = 0; for (let s = 0; s < te.n; s += 50) { const n = Math.min(50, te.n - s); ok += tf.tidy(() => { const p = model.predict(tf.tensor2d(te.x.subarray(s * L, (s + n) * L), [n, L], 'int32')); return tf.sum(tf.cast(tf.equal(tf.argMax(p, -1), tf.tensor1d(te.y.subarray(s, s + n), 'int32')), 'int32')).dataSync()[0]; }); } return ok / te.n; };
const t0 = performance.now(); let run = 0;
for (let step = 1; step <= Number(steps); step++) {
  const idx = Array.from({ length: B }, () => Math.floor(Math.random() * tr.n));
  const xb = new Int32Array(B * L); const yb = new Int32Array(B);
  idx.forEach((j, k) => { xb.set(tr.x.subarray(j * L, (j + 1) * L), k * L); yb[k] = tr.y[j]; });
  const frac = Math.min(1, step / 30) * 0.5 * (1 + Math.cos(Math.PI * step / Number(steps)));
  opt.learningRate = Number(lr) * frac;
  const loss = tf.tidy(() => opt.minimize(() => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(yb, 'int32'), 2), model.apply(tf.tensor2d(xb, [B, L], 'int32'), { training: true })), true));
  run = 0.95 * run + 0.05 * loss.dataSync()[0]; loss.dispose();
  if (step % 100 === 0) console.log(`step ${step} loss ${(run / (1 - 0.95 ** step)).toFixed(4)} test ${(100 * evalAcc()).toFixed(1)}% ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
