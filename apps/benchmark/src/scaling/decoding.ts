import * as tf from '@tensorflow/tfjs-core';
import { isStreamingAttention, type AttentionLayer, type StreamingAttention } from '@tost/attention';
import { createAttention } from '../variants.js';
import { timeStepOnce } from './measure.js';
import { disposeLayerWeights } from './workloads.js';
import { summariseSamples, type TimingSummary } from './statistics.js';

export interface DecodingMeasurement {
  /** The streaming attention measured (a registered name whose descriptor says `streaming`); results written before
   * this field existed measured 'causal-tssa'. */
  attention?: string;
  /** Tokens already consumed when the first timed token arrives (the requested position, or later when the
   * previous position's timed steps already went past it). */
  position: number;
  /** One streaming `step` (fixed-size state: its cost should not grow with the position). */
  streaming: TimingSummary;
  /** Re-running the causal forward over the whole prefix (position + 1 tokens) to get the newest token's output. */
  prefix: TimingSummary;
  /** prefix median / streaming median. */
  speedup: number;
}

export interface DecodingOptions {
  /** Registered name of a streaming attention. */
  attention: string;
  dim: number;
  heads: number;
  batch: number;
  positions: number[];
  warmup: number;
  repeats: number;
  log?: (line: string) => void;
}

/**
 * Per-token decoding latency of a streaming attention at several positions: streaming (`initState` / `step`, which
 * only reads its fixed-size state) against re-running the prefix through the full causal forward. The streaming state is advanced
 * to each position by stepping (untimed); then `repeats` consecutive tokens are timed.
 */
export async function measureStreamingDecoding(options: DecodingOptions): Promise<DecodingMeasurement[]> {
  const { dim, heads, batch, warmup, repeats } = options;
  const positions = [...options.positions].sort((a, b) => a - b);
  const stepsPerPosition = warmup + repeats;
  // Room for every timed step even when positions are closer together than the steps taken at each.
  const maxLength = positions.at(-1)! + stepsPerPosition * positions.length + 1;
  const built = createAttention(options.attention, { dim, heads }, { maxLength });
  if (!isStreamingAttention(built)) {
    throw new Error(`${options.attention} has no streaming form (initState/step/disposeState)`);
  }
  const layer = built as AttentionLayer & StreamingAttention;
  layer.build([null, null, dim]);
  const token = tf.randomNormal([batch, dim], 0, 1, 'float32', 7) as tf.Tensor2D;
  let state = layer.initState(batch);
  let consumed = 0;
  const advance = (): tf.Tensor2D => {
    const next = layer.step(state, token);
    consumed++;
    layer.disposeState(state);
    state = next.state;
    return next.output;
  };
  const results: DecodingMeasurement[] = [];
  try {
    for (const requested of positions) {
      while (consumed < requested) advance().dispose();
      // The previous position's timed steps may have gone past this one: report where timing really starts.
      const position = consumed;
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
      results.push({ attention: options.attention, position, streaming, prefix: prefixTime, speedup });
      options.log?.(
        `    position ${position}: streaming ${streaming.median.toFixed(3)} ms/token, re-running the prefix ` +
          `${prefixTime.median.toFixed(2)} ms (${speedup.toFixed(0)}×)`,
      );
    }
  } finally {
    layer.disposeState(state);
    token.dispose();
    disposeLayerWeights(layer);
  }
  return results;
}
