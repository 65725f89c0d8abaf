/**
 * Trains the playground's small causal TSSA language model (character level) on the generated corpus and writes
 * public/lm/{corpus.txt, vocab.json, model.json, weights.bin}. Run from apps/playground: `pnpm train-lm`
 * (1,500 steps took 42 minutes on wasm on a busy shared two-core machine). Options: --steps N (default 1500), --seed S (default 1).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackendSelection } from '@tost/backend';
import { fileSystem } from '@tost/backend/node';
import { buildCausalLM } from '@tost/models';
import { generateCorpus } from './corpus.js';
import { LM_CONFIG, encodeText, decodeIds } from '../src/lm-config.js';
import { generate } from '@tost/models';

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '1500' }, seed: { type: 'string', default: '1' } },
});
const steps = Number(values.steps);
if (!Number.isInteger(steps) || steps < 1)
  throw new RangeError(`--steps must be an integer ≥ 1, got ${values.steps}`);
const seed = Number(values.seed);

const out = new URL('../public/lm/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
const corpus = generateCorpus(1500, seed);
const vocab = Array.from(new Set(corpus)).sort();
writeFileSync(`${out}corpus.txt`, corpus);
writeFileSync(`${out}vocab.json`, JSON.stringify(vocab));

console.log(`backend: ${describeBackendSelection(await initBackend())}`);
console.log(`corpus: ${corpus.length} characters, vocabulary ${vocab.length}`);
const ids = encodeText(corpus, vocab);
const { trainLength: _trainLength, batch: _batch, ...modelShape } = LM_CONFIG;
const model = buildCausalLM({ ...modelShape, vocabSize: vocab.length });
const optimizer = tf.train.adam(3e-3);
const window = LM_CONFIG.trainLength + 1;
let state = seed * 7919;
const nextStart = () => {
  state = (state * 1103515245 + 12345) % 2147483648;
  return state % (ids.length - window);
};

const started = Date.now();
for (let step = 1; step <= steps; step++) {
  const rows = Array.from({ length: LM_CONFIG.batch }, () => {
    const s = nextStart();
    return ids.slice(s, s + window);
  });
  const loss = tf.tidy(() => {
    const x = tf.tensor2d(
      rows.map((r) => r.slice(0, -1)),
      undefined,
      'int32',
    );
    const y = tf.oneHot(
      tf.tensor2d(
        rows.map((r) => r.slice(1)),
        undefined,
        'int32',
      ),
      vocab.length,
    );
    return optimizer.minimize(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    }, true)!;
  });
  if (step % 100 === 0 || step === 1) {
    const seconds = (Date.now() - started) / 1000;
    console.log(`step ${step}/${steps}  loss ${(await loss.data())[0]!.toFixed(3)}  ${seconds.toFixed(0)} s`);
  }
  loss.dispose();
}

const prompt = encodeText('The model ', vocab);
// Prompt + sample stay within the trained context (LM_CONFIG.trainLength).
const maxNewTokens = LM_CONFIG.trainLength - prompt.length;
const sample = (await generate(model, prompt, { maxNewTokens, temperature: 0.6, seed: 3 })) as number[];
console.log(`sample: ${decodeIds(sample, vocab)}`);
await model.save(fileSystem(out));
console.log(`saved to ${out}`);
