import * as tf from '@tensorflow/tfjs-core';
import type { CausalTSSA, CausalTSSAState } from '@tost/causal-tssa';
import { disposeCausalTSSAState } from '@tost/causal-tssa';
import { createAttention } from '../variants.js';
import { timeStepOnce } from './measure.js';
import { disposeLayerWeights } from './workloads.js';
import { summariseSamples, type TimingSummary } from './statistics.js';

export interface DecodingMeasurement {
  /** Tokens already consumed when the first timed token arrives (the requested position, or later when the
   * previous position's timed steps already went past it). */
  position: number;
  /** One streaming `step` (O(dim²) work, O(dim) state). */
  streaming: TimingSummary;
  /** Re-running the causal forward over the whole prefix (position + 1 tokens) to get the newest token's output. */
  prefix: TimingSummary;
  /** prefix median / streaming median. */
  speedup: number;
}

export interface DecodingOptions {
  dim: number;
  heads: number;
  batch: number;
  positions: number[];
  warmup: number;
  repeats: number;
  log?: (line: string) => void;
}

/**
 * Per-token decoding latency of causal TSSA at several positions: streaming (`initState` / `step`, which only reads
 * the running sums) against re-running the prefix through the full causal forward. The streaming state is advanced
 * to each position by stepping (untimed); then `repeats` consecutive tokens are timed.
 */
export async function measureCausalDecoding(options: DecodingOptions): Promise<DecodingMeasurement[]> {
  const { dim, heads, batch, warmup, repeats } = options;
  const positions = [...options.positions].sort((a, b) => a - b);
  const stepsPerPosition = warmup + repeats;
  // Room for every timed step even when positions are closer together than the steps taken at each.
  const maxLength = positions.at(-1)! + stepsPerPosition * positions.length + 1;
  const layer = createAttention('causal-tssa', { dim, heads, maxLength }) as CausalTSSA;
  layer.build([null, null, dim]);
  const token = tf.randomNormal([batch, dim], 0, 1, 'float32', 7) as tf.Tensor2D;
  let state: CausalTSSAState = layer.initState(batch);
  const advance = (): tf.Tensor2D => {
    const next = layer.step(state, token);
    disposeCausalTSSAState(state);
    state = next.state;
    return next.output;
  };
  const results: DecodingMeasurement[] = [];
  try {
    for (const requested of positions) {
      while (state.position < requested) advance().dispose();
      // The previous position's timed steps may have gone past this one: report where timing really starts.
      const position = state.position;
      const samples: number[] = [];
      for (let i = 0; i < stepsPerPosition; i++) {
        const ms = await timeStepOnce(advance);
        if (i >= warmup) samples.push(ms);
      }
      const prefixSamples: number[] = [];
      const prefix = tf.randomNormal([batch, position + 1, dim], 0, 1, 'float32', 8) as tf.Tensor3D;
      try {
        const rerun = () =>
          tf.tidy(() => tf.slice(layer.apply(prefix) as tf.Tensor3D, [0, position, 0], [batch, 1, dim]));
        for (let i = 0; i < stepsPerPosition; i++) {
          const ms = await timeStepOnce(rerun);
          if (i >= warmup) prefixSamples.push(ms);
        }
      } finally {
        prefix.dispose();
      }
      const streaming = summariseSamples(samples);
      const prefixTime = summariseSamples(prefixSamples);
      const speedup = prefixTime.median / streaming.median;
      results.push({ position, streaming, prefix: prefixTime, speedup });
      options.log?.(
        `    position ${position}: streaming ${streaming.median.toFixed(3)} ms/token, re-running the prefix ` +
          `${prefixTime.median.toFixed(2)} ms (${speedup.toFixed(0)}×)`,
      );
    }
  } finally {
    disposeCausalTSSAState(state);
    token.dispose();
    disposeLayerWeights(layer);
  }
  return results;
}
