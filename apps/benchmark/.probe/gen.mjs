import { generateLraData } from '@tost/lra/node';
const [dir, batches, per, seed = '7'] = process.argv.slice(2);
const t0 = performance.now();
const info = generateLraData('pathfinder', dir, { quick: true, seed: Number(seed), pathfinder: { batches: Number(batches), imagesPerBatch: Number(per), difficulty: 'easy' } });
console.log(JSON.stringify(info.counts), ((performance.now() - t0) / 1000).toFixed(1), 's');
