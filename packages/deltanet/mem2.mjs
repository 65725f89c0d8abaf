import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { chunkedDeltaRule, unitLowerInverse } from './dist/index.js';
await initBackend('cpu');
const MB = (b) => (b/2**20).toFixed(1)+' MB';
for (const [H,N] of [[1,2048],[1,4096],[4,2048]]) {
const p=64;
const unit = (t) => tf.div(t, tf.norm(t, 'euclidean', -1, true));
const q = unit(tf.randomNormal([1,H,N,p])), k = unit(tf.randomNormal([1,H,N,p])), v = tf.randomNormal([1,H,N,p]);
const beta = tf.randomUniform([1,H,N],0.1,0.9), g = tf.randomUniform([1,H,N],-0.5,0);
let prof = await tf.profile(() => tf.tidy(() => chunkedDeltaRule({q,k,v,beta,logDecay:g},{}).output.dataSync()));
console.log(H, N, 'core forward peak', MB(prof.peakBytes));
const a = tf.randomNormal([N/64, 64, 64]);
prof = await tf.profile(() => tf.tidy(() => unitLowerInverse(a).dataSync()));
console.log(H, N, 'inverse peak', MB(prof.peakBytes), 'input', MB(N*64*4));
}
