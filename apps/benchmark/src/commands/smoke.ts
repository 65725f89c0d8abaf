import * as tf from '@tensorflow/tfjs-core';
import { createAttention, listAttentionNames } from '../variants.js';
import { formatTable } from '../format-table.js';

export interface SmokeOptions {
  lengths: number[];
  dim: number;
  heads: number;
  attentions?: string[];
}

export interface SmokeRow {
  attention: string;
  complexity: string;
  length: number;
  forwardMs: number;
  trainStepMs: number;
}

async function timeMs(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const start = performance.now();
  const out = fn();
  const list = Array.isArray(out) ? out : [out];
  await Promise.all(list.map((t) => t.data()));
  tf.dispose(list);
  return performance.now() - start;
}

/**
 * A quick end-to-end check of every registered attention: builds each, runs a forward and a forward+backward at a
 * few lengths, and checks the output is finite. Prints a table; returns its rows.
 */
export async function runSmoke(
  options: SmokeOptions,
  log: (line: string) => void = console.log,
): Promise<SmokeRow[]> {
  const names = options.attentions ?? listAttentionNames();
  // Options a descriptor fills from the model context (e.g. causal TSSA's maxLength) get the longest length here.
  const context = { maxLength: Math.max(...options.lengths) };
  const rows: SmokeRow[] = [];
  for (const name of names) {
    const layer = createAttention(name, { dim: options.dim, heads: options.heads }, context);
    layer.build([null, null, options.dim]);
    for (const length of options.lengths) {
      const x = tf.randomNormal([1, length, options.dim], 0, 1, 'float32', 1);
      const forward = () => layer.apply(x) as tf.Tensor;
      const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const train = () => {
        const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(forward())) as tf.Scalar, vars);
        return [value, ...Object.values(grads)];
      };
      const check = forward();
      const finite = tf.tidy(() => tf.all(tf.isFinite(check)).dataSync()[0] === 1);
      check.dispose();
      if (!finite) throw new Error(`smoke: ${name} produced non-finite outputs at length ${length}`);
      const forwardMs = await timeMs(forward);
      const trainStepMs = await timeMs(train);
      rows.push({ attention: name, complexity: layer.complexity, length, forwardMs, trainStepMs });
      log(
        `  ${name} @ ${length} tokens: forward ${forwardMs.toFixed(1)} ms, forward+backward ${trainStepMs.toFixed(1)} ms`,
      );
      x.dispose();
    }
  }
  log('');
  log(
    formatTable(
      ['attention', 'complexity', 'tokens', 'forward ms', 'train step ms'],
      rows.map((r) => [
        r.attention,
        r.complexity,
        String(r.length),
        r.forwardMs.toFixed(1),
        r.trainStepMs.toFixed(1),
      ]),
    ),
  );
  return rows;
}
