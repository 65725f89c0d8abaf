#!/usr/bin/env node
// Probes bad and edge inputs of the reliability scope (model builders, generate, training setup, LRA data files,
// model files, the CLI, the report and codingRate) against the BUILT packages, and counts the outcomes:
//   clear   — an error whose message matches what a user needs (names the argument/file and the problem)
//   correct — a valid result where one is expected (empty in → empty out, ln 3 first loss, exact value, …)
//   silent  — accepted without an error where one was expected, or a wrong/NaN result
//   unclear — an error, but not the expected clear one (the message is printed)
// Usage: pnpm --filter @tost/benchmark build && node apps/benchmark/scripts/probe-reliability.mjs
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@tost/backend';
import '@tost/variants';
import {
  buildCausalLM,
  buildDualEncoderClassifier,
  buildSequenceClassifier,
  buildVisionClassifier,
  generate,
} from '@tost/models';
import { loadListOpsFile, loadRetrievalFile, loadLra, generateLraData } from '@tost/lra';
import { codingRate } from '@tost/analysis';
import { modelDirectory } from '../dist/model-io.js';
import { buildProgram } from '../dist/cli/program.js';
import { computeHeadlines } from '../dist/scaling/headlines.js';
import { syntheticScalingResult } from '../dist/scaling/synthetic-result.js';

await initBackend(process.env.TOST_BACKEND ?? 'wasm');
const tmp = mkdtempSync(join(tmpdir(), 'probe-'));
const counts = { tried: 0, clear: 0, correct: 0, silent: 0, unclear: 0 };
const problems = [];
const quietWarn = console.warn;

/** A case that must throw an error matching `expected`. */
async function expectError(name, fn, expected) {
  counts.tried++;
  try {
    const out = await fn();
    tf.dispose(out);
    counts.silent++;
    problems.push(`SILENT  ${name}`);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (expected.test(message)) counts.clear++;
    else {
      counts.unclear++;
      problems.push(`UNCLEAR ${name}: ${message.slice(0, 200)}`);
    }
  }
}

/** A case that must succeed with `check(result)` true. */
async function expectResult(name, fn, check) {
  counts.tried++;
  try {
    const out = await fn();
    if (check(out)) counts.correct++;
    else {
      counts.silent++;
      problems.push(`WRONG   ${name}`);
    }
  } catch (err) {
    counts.unclear++;
    problems.push(`CRASH   ${name}: ${(err instanceof Error ? err.message : String(err)).slice(0, 200)}`);
  }
}

const shapeIs = (expected) => (t) => {
  const ok = JSON.stringify(t.shape) === JSON.stringify(expected);
  tf.dispose(t);
  return ok;
};

// ---------- models: degenerate shapes ----------
const text = { vocabSize: 10, maxLength: 6, numClasses: 3, dim: 8, depth: 1, heads: 2 };
const builders = [
  [
    'sequence classifier tssa',
    () => buildSequenceClassifier({ ...text, attention: 'tssa' }),
    (b) => tf.ones([b, 6], 'int32'),
    (b) => [b, 3],
  ],
  [
    'sequence classifier softmax',
    () => buildSequenceClassifier({ ...text, attention: 'softmax' }),
    (b) => tf.ones([b, 6], 'int32'),
    (b) => [b, 3],
  ],
  [
    'sequence classifier mssa',
    () => buildSequenceClassifier({ ...text, attention: 'mssa' }),
    (b) => tf.ones([b, 6], 'int32'),
    (b) => [b, 3],
  ],
  [
    'dual encoder',
    () => buildDualEncoderClassifier(text),
    (b) => [tf.ones([b, 6], 'int32'), tf.ones([b, 6], 'int32')],
    (b) => [b, 3],
  ],
  [
    'vision tost',
    () => buildVisionClassifier({ imageSize: 8, patchSize: 4, numClasses: 5, dim: 16, depth: 1, heads: 2 }),
    (b) => tf.zeros([b, 8, 8, 3]),
    (b) => [b, 5],
  ],
  [
    'vision crate',
    () =>
      buildVisionClassifier({
        imageSize: 8,
        patchSize: 4,
        numClasses: 5,
        dim: 16,
        depth: 1,
        heads: 2,
        block: 'crate',
        attention: 'mssa',
      }),
    (b) => tf.zeros([b, 8, 8, 3]),
    (b) => [b, 5],
  ],
  [
    'causal LM',
    () => buildCausalLM({ vocabSize: 11, maxLength: 8, dim: 8, depth: 1, heads: 2 }),
    (b) => tf.ones([b, 5], 'int32'),
    (b) => [b, 5, 11],
  ],
];
for (const [name, build, input, out] of builders) {
  const model = build();
  await expectResult(`${name}: predict on a batch of 0`, () => model.predict(input(0)), shapeIs(out(0)));
  await expectResult(`${name}: apply on a batch of 0`, () => model.apply(input(0)), shapeIs(out(0)));
  model.dispose();
}
{
  const lm = buildCausalLM({ vocabSize: 11, maxLength: 8, dim: 8, depth: 1, heads: 2 });
  await expectResult(
    'causal LM: sequence of length 0',
    () => lm.predict(tf.zeros([2, 0], 'int32')),
    shapeIs([2, 0, 11]),
  );
  const classifier = buildSequenceClassifier(text);
  await expectError(
    'classifier: sequence of length 0',
    () => classifier.predict(tf.zeros([2, 0], 'int32')),
    /'token_ids' must have shape/,
  );
  for (const [what, id] of [
    ['float id 2.5', 2.5],
    ['NaN id', NaN],
    ['Infinity id', Infinity],
    ['negative id', -1],
    ['id = vocabSize', 10],
    ['id 99', 99],
  ]) {
    await expectError(
      `classifier: ${what}`,
      () => classifier.predict(tf.tensor2d([[1, 2, 3, 4, 5, id]])),
      /'token_ids' must hold integers in \[0, 10\) \(vocabSize 10\)/,
    );
  }
  await expectError(
    'classifier: int32 id 10',
    () => classifier.predict(tf.tensor2d([[1, 2, 3, 4, 5, 10]], undefined, 'int32')),
    /vocabSize 10/,
  );
  await expectError(
    'causal LM: float id',
    () => lm.predict(tf.tensor2d([[1, 2.5]])),
    /'token_ids' must hold integers/,
  );
  await expectError(
    'causal LM: id ≥ vocabSize',
    () => lm.predict(tf.tensor2d([[1, 11]], undefined, 'int32')),
    /vocabSize 11/,
  );
  const dual = buildDualEncoderClassifier(text);
  await expectError(
    'dual encoder: batches 2 and 3 (predict)',
    () => dual.predict([tf.ones([2, 6], 'int32'), tf.ones([3, 6], 'int32')]),
    /same batch size/,
  );
  await expectError(
    'dual encoder: batches 2 and 3 (apply)',
    () => dual.apply([tf.ones([2, 6], 'int32'), tf.ones([3, 6], 'int32')]),
    /same batch size/,
  );
  await expectError(
    'dual encoder: float id in the second input',
    () => dual.predict([tf.ones([1, 6], 'int32'), tf.tensor2d([[1, 2, 3, 4, 5, 0.5]])]),
    /'token_ids_2' must hold integers/,
  );
  await expectError(
    'dual encoder: one input only',
    () => dual.predict(tf.ones([1, 6], 'int32')),
    /expected 2 input tensor/,
  );
  // generate
  await expectError(
    'generate: mode bogus',
    () => generate(lm, [1, 2], { maxNewTokens: 2, mode: 'bogus' }),
    /option 'mode' must be one of 'auto', 'stream', 'prefix'/,
  );
  for (const [what, ids] of [
    ['prompt id 2.5', [1, 2.5]],
    ['prompt id NaN', [NaN]],
    ['prompt id -1', [-1, 2]],
    [
      'batched prompt id 0.5',
      [
        [1, 2],
        [3, 0.5],
      ],
    ],
  ]) {
    await expectError(
      `generate: ${what}`,
      () => generate(lm, ids, { maxNewTokens: 1 }),
      /'promptIds' must hold non-negative integer token ids/,
    );
  }
  await expectError(
    'generate: prompt id ≥ vocabSize',
    () => generate(lm, [1, 11], { maxNewTokens: 1 }),
    /vocabSize 11/,
  );
  await expectError(
    'generate: prompt not an array',
    () => generate(lm, 'hi', { maxNewTokens: 1 }),
    /'promptIds' must be an array/,
  );
  await expectError(
    'generate: ragged batch',
    () => generate(lm, [[1, 2], [3]], { maxNewTokens: 1 }),
    /equal, non-zero length/,
  );
  await expectError('generate: no options', () => generate(lm, [1], undefined), /expected an options object/);
  // options
  await expectError(
    'builder: seed -1',
    () => buildSequenceClassifier({ ...text, seed: -1 }),
    /option 'seed' must be a non-negative integer/,
  );
  await expectError(
    'builder: seed 1.5',
    () => buildSequenceClassifier({ ...text, seed: 1.5 }),
    /option 'seed' must be a non-negative integer/,
  );
  await expectError(
    "builder: output 'bogus'",
    () => buildSequenceClassifier({ ...text, output: 'bogus' }),
    /option 'output' must be one of 'logits', 'probabilities'/,
  );
  // dispose: tied / shared layers
  for (const [name, build] of [
    ['causal LM', () => buildCausalLM({ vocabSize: 11, maxLength: 8, dim: 8, depth: 1, heads: 2 })],
    ['dual encoder', () => buildDualEncoderClassifier(text)],
  ]) {
    await expectResult(
      `${name}: dispose frees every weight`,
      () => {
        const before = tf.memory().numTensors;
        build().dispose();
        return tf.memory().numTensors - before;
      },
      (leak) => leak === 0,
    );
  }
  // seed reproducibility
  await expectResult(
    'builder: same seed, same weights',
    () => {
      const [a, b] = [
        buildSequenceClassifier({ ...text, seed: 4 }),
        buildSequenceClassifier({ ...text, seed: 4 }),
      ];
      const same = a.getWeights().every((w, i) => tf.all(tf.equal(w, b.getWeights()[i])).dataSync()[0] === 1);
      a.dispose();
      b.dispose();
      return same;
    },
    (same) => same,
  );
  [lm, classifier, dual].forEach((m) => m.dispose());
}

// ---------- silent wrong training ----------
console.warn = () => {};
for (const attention of ['tssa', 'softmax', 'mssa']) {
  await expectResult(
    `${attention}: compile sparseCategoricalCrossentropy, first loss ≈ ln 3`,
    async () => {
      const model = buildSequenceClassifier({ ...text, attention, seed: 2 });
      model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const h = await model.fit(tf.ones([6, 6], 'int32'), tf.tensor1d([0, 1, 2, 0, 1, 2]), {
        epochs: 1,
        verbose: 0,
      });
      model.dispose();
      return h.history.loss[0];
    },
    (loss) => Math.abs(loss - Math.log(3)) < 0.5,
  );
}
console.warn = quietWarn;

// ---------- LRA data files ----------
const file = (name, content) => {
  const p = join(tmp, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, content);
  return p;
};
const OK = '( ( ( [MAX 2 ) 9 ) ] )';
await expectError(
  'ListOps: header-only split',
  () => loadListOpsFile(file('h.tsv', 'Source\tTarget\n'), 'val'),
  /h\.tsv: no examples/,
);
await expectError(
  'ListOps: header and blank lines',
  () => loadListOpsFile(file('hb.tsv', 'Source\tTarget\n\n\n'), 'val'),
  /hb\.tsv: no examples/,
);
await expectResult(
  'ListOps: trailing blank line',
  () => loadListOpsFile(file('t.tsv', `Source\tTarget\n${OK}\t9\n\n`), 'val').size,
  (n) => n === 1,
);
await expectResult(
  'ListOps: trailing CRLF blank lines',
  () => loadListOpsFile(file('t2.tsv', `Source\tTarget\r\n${OK}\t9\r\n\r\n`), 'val').size,
  (n) => n === 1,
);
await expectError(
  'ListOps: blank line inside',
  () => loadListOpsFile(file('m.tsv', `Source\tTarget\n${OK}\t9\n\n${OK}\t9\n`), 'val'),
  /m\.tsv:3: blank line inside the data/,
);
for (const [what, source] of [
  ['unclosed [', '( [MAX 2 9'],
  ['extra ]', `${OK} ]`],
  ['two expressions', '3 4'],
  ['operator without arguments', '( [MIN ] )'],
]) {
  await expectError(
    `ListOps: ${what}`,
    () => loadListOpsFile(file(`b-${what.length}.tsv`, `Source\tTarget\n${source}\t1\n`), 'val'),
    /:2: malformed ListOps expression/,
  );
}
const ROW = '1.0\tP1\tP2\tabc\tde';
await expectResult(
  'Retrieval: trailing blank line',
  () => loadRetrievalFile(file('r.tsv', `${ROW}\n\n`), 'val').size,
  (n) => n === 1,
);
await expectError(
  'Retrieval: blank line inside',
  () => loadRetrievalFile(file('rm.tsv', `${ROW}\n\n${ROW}\n`), 'val'),
  /rm\.tsv:2: blank line inside/,
);
await expectError(
  'Retrieval: blank file',
  () => loadRetrievalFile(file('rb.tsv', '\n'), 'val'),
  /rb\.tsv: no examples/,
);
{
  const dir = join(tmp, 'pf');
  generateLraData('pathfinder', dir, { quick: true, seed: 1, pathfinder: { batches: 1, imagesPerBatch: 5 } });
  await expectError(
    'Pathfinder: 5 images (empty val)',
    () => loadLra('pathfinder', dir),
    /only 5 image\(s\) listed/,
  );
}

// ---------- model files ----------
{
  const original = join(tmp, 'model');
  const model = buildSequenceClassifier({ ...text, seed: 1 });
  await model.save(modelDirectory(original));
  model.dispose();
  const bytes = readFileSync(join(original, 'weights.bin'));
  const variant = (name, change) => {
    const dir = join(tmp, `model-${name}`);
    cpSync(original, dir, { recursive: true });
    change(dir);
    return dir;
  };
  const editJson = (dir, edit) => {
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    edit(json);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  };
  const cases = [
    [
      'weights.bin 1 byte short',
      (d) => truncateSync(join(d, 'weights.bin'), bytes.length - 1),
      /weights\.bin is too short: .*weight '/,
    ],
    [
      'weights.bin 4 bytes short',
      (d) => truncateSync(join(d, 'weights.bin'), bytes.length - 4),
      /weights\.bin is too short: .*weight '/,
    ],
    ['weights.bin empty', (d) => truncateSync(join(d, 'weights.bin'), 0), /weights\.bin is too short/],
    [
      'weights.bin 4 bytes extra',
      (d) => writeFileSync(join(d, 'weights.bin'), Buffer.concat([bytes, Buffer.alloc(4)])),
      /weights\.bin is too long/,
    ],
    [
      'weights.bin flipped byte',
      (d) => {
        const c = Buffer.from(bytes);
        c[9] ^= 0xff;
        writeFileSync(join(d, 'weights.bin'), c);
      },
      /weights\.bin is corrupt/,
    ],
    [
      'model.json without weightsManifest',
      (d) => editJson(d, (j) => delete j.weightsManifest),
      /model\.json: no 'weightsManifest'/,
    ],
    [
      'weightsManifest not an array',
      (d) => editJson(d, (j) => (j.weightsManifest = {})),
      /'weightsManifest' must be an array/,
    ],
    [
      'model.json without modelTopology',
      (d) => editJson(d, (j) => delete j.modelTopology),
      /no 'modelTopology'/,
    ],
    ['weights.bin missing', (d) => rmSync(join(d, 'weights.bin')), /weights\.bin is missing/],
    ['model.json missing', (d) => rmSync(join(d, 'model.json')), /model\.json is missing/],
    ['model.json not JSON', (d) => writeFileSync(join(d, 'model.json'), '{'), /not valid JSON/],
  ];
  for (const [name, change, expected] of cases) {
    await expectError(
      `model files: ${name}`,
      () => tfl.loadLayersModel(modelDirectory(variant(name.replace(/\W+/g, '-'), change))),
      expected,
    );
  }
}

// ---------- CLI ----------
async function cli(args) {
  let out = '';
  let err = '';
  const program = buildProgram({
    exitOverride: true,
    output: { writeOut: (s) => (out += s), writeErr: (s) => (err += s) },
  });
  try {
    await program.parseAsync(args, { from: 'user' });
    return { out, err };
  } catch (e) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return { out, err };
    throw new Error(`${e.message}\n${err}`);
  }
}
for (const [args, expected] of [
  [['lra', '--task', 'listops', '--steps', '-5'], /--steps must be a positive integer, got '-5'/],
  [['lra', '--task', 'listops', '--steps', '0'], /--steps must be a positive integer, got '0'/],
  [['lra', '--task', 'listops', '--steps', '1e3'], /--steps must be a positive integer, got '1e3'/],
  [['lra', '--task', 'listops', '--batch', '2.5'], /--batch must be a positive integer/],
  [['lra', '--task', 'listops', '--seed', '-1'], /--seed must be a non-negative integer/],
  [['lra', '--task', 'listops', '--preset', 'tiny'], /Allowed choices are paper, quick/],
  [['lra', '--task', 'listops', '--epochs', '3'], /unknown option '--epochs'/],
  [['lra', '--attention', 'tssa'], /--task is required/],
  [['lra', '--task', 'imdb'], /unknown --task 'imdb'/],
  [['scaling', '--lengths', ','], /--lengths must be a comma-separated list/],
  [['scaling', '--dim', '30', '--heads', '4'], /--dim \(30\) must be divisible by --heads \(4\)/],
  [['explain', '--run', 'a', '--checkpoint', 'b'], /exactly one of --run/],
  [['bogus'], /unknown command 'bogus'/],
]) {
  await expectError(`cli: ${args.join(' ')}`, () => cli(args), expected);
}
await expectResult(
  'cli: --version',
  () => cli(['--version']),
  (r) => /^\d+\.\d+\.\d+/.test(r.out.trim()),
);
await expectResult(
  'cli: lra --help lists options with defaults',
  () => cli(['lra', '--help']),
  (r) => /--steps <n>/.test(r.out) && /default: 1\)/.test(r.out),
);

// ---------- report and codingRate ----------
await expectResult(
  'report: slope fitted on 1,024–4,096 only is not "met"',
  () => computeHeadlines(syntheticScalingResult()).find((h) => h.label.includes('time slope')),
  (h) => h.met === null,
);
await expectResult(
  'codingRate: five identical tokens at 1e8',
  () => {
    const z = tf.tensor2d(Array.from({ length: 5 }, () => [1e8, 1e8, 1e8, 1e8]));
    const v = codingRate(z, 0.5);
    z.dispose();
    return v;
  },
  (v) => Math.abs(v - 0.5 * Math.log1p((4 * 4e16) / 0.25)) < 1e-9,
);
await expectError(
  'codingRate: tokens at 1e30',
  () => codingRate(tf.tensor2d([[1e30, 0]]), 0.5),
  /Scale the tokens down/,
);
await expectError('codingRate: NaN token', () => codingRate(tf.tensor2d([[NaN, 0]]), 0.5), /not finite/);

rmSync(tmp, { recursive: true, force: true });
for (const p of problems) console.log(p);
console.log(
  `tried ${counts.tried}: clear errors ${counts.clear}, correct results ${counts.correct}, ` +
    `silent ${counts.silent}, unclear crashes ${counts.unclear}`,
);
process.exit(counts.silent + counts.unclear > 0 ? 1 : 0);
