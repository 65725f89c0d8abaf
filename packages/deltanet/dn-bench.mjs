import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
await initBackend('wasm');
const time = (label, f, reps=3) => { f(); const t0=performance.now(); for (let i=0;i<reps;i++) f(); console.log(label, ((performance.now()-t0)/reps).toFixed(2),'ms'); };
const big = tf.randomNormal([4096,256]), w = tf.randomNormal([256,256]);
time('[4096,256]x[256,256]', ()=>tf.tidy(()=>tf.matMul(big,w).dataSync()));
for (const [m,k,n] of [[64,64,64],[32,64,64],[64,64,128],[64,64,64]]) {
 const x = tf.randomNormal([m,k]), s=tf.randomNormal([k,n]);
 time(`100x [${m},${k}]x[${k},${n}]`, ()=>tf.tidy(()=>{ let y; for(let i=0;i<100;i++) y=tf.matMul(x,s); y.dataSync(); }));
}
const x = tf.randomNormal([64,64]);
time('100 transposes', ()=>tf.tidy(()=>{ let y; for(let i=0;i<100;i++) y=tf.transpose(x); y.dataSync(); }));
time('100 mul', ()=>tf.tidy(()=>{ let y; for(let i=0;i<100;i++) y=tf.mul(x,x); y.dataSync(); }));
