import * as tf from '@tensorflow/tfjs-core';
import { listAttentionNames } from '../variants.js';
import { variantComplexity } from '../variant-names.js';
import { timeStepOnce, type Step } from '../scaling/measure.js';
import { attentionWorkload } from '../scaling/workloads.js';
import { formatTable } from '../render/format-table.js';

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

/** Wall time of one run of `step`, divided by the layers it runs (a hybrid's speed row is per layer). */
async function timeMs(step: Step, layers: number): Promise<number> {
  return (await timeStepOnce(step)) / layers;
}

/**
 * A quick end-to-end check of every registered attention (or the given ones, hybrids a+b included: see
 * `HYBRID_SPEED_ROW`): builds each, runs a forward and a forward+backward at a few lengths, and checks the output is
 * finite. Prints a table; returns its rows.
 */
export async function runSmoke(
  options: SmokeOptions,
  log: (line: string) => void = console.log,
): Promise<SmokeRow[]> {
  const names = options.attentions ?? listAttentionNames();
  // Options a descriptor fills from the model context (e.g. causal TSSA's maxLength) get the longest length here.
  const maxLength = Math.max(...options.lengths);
  const shape = { dim: options.dim, heads: options.heads, batch: 1 };
  const rows: SmokeRow[] = [];
  for (const name of names) {
    const forward = attentionWorkload(name, { ...shape, mode: 'forward' }, maxLength);
    const train = attentionWorkload(name, { ...shape, mode: 'train' }, maxLength);
    const layers = forward.layers ?? 1;
    try {
      for (const length of options.lengths) {
        const f = forward.prepare(length);
        const t = train.prepare(length);
        try {
          const finite = tf.tidy(() => tf.all(tf.isFinite(f.step() as tf.Tensor)).dataSync()[0] === 1);
          if (!finite) throw new Error(`smoke: ${name} produced non-finite outputs at length ${length}`);
          const forwardMs = await timeMs(f.step, layers);
          const trainStepMs = await timeMs(t.step, layers);
          rows.push({ attention: name, complexity: variantComplexity(name), length, forwardMs, trainStepMs });
          log(
            `  ${name} @ ${length} tokens: forward ${forwardMs.toFixed(1)} ms, forward+backward ` +
              `${trainStepMs.toFixed(1)} ms${layers > 1 ? ` (per layer, mean over its ${layers} blocks)` : ''}`,
          );
        } finally {
          f.dispose();
          t.dispose();
        }
      }
    } finally {
      forward.dispose();
      train.dispose();
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
