import * as tf from '@tensorflow/tfjs-core';

/**
 * The segment of tokens agent s pools over, as adaptive average pooling does (PyTorch `adaptive_avg_pool1d`):
 * [⌊s·N/n_a⌋, ⌈(s+1)·N/n_a⌉). Segments cover every token; they overlap when N is not a multiple of n_a, and every
 * segment holds at least one token.
 */
export function agentSegment(s: number, seq: number, agents: number): [start: number, end: number] {
  return [Math.floor((s * seq) / agents), Math.ceil(((s + 1) * seq) / agents)];
}

/** Pooling indicator [agents, seq]: 1 where token i lies in agent s's segment (see `agentSegment`). */
export function agentPoolingMatrix(seq: number, agents: number): tf.Tensor2D {
  const values = new Float32Array(agents * seq);
  for (let s = 0; s < agents; s++) {
    const [start, end] = agentSegment(s, seq, agents);
    values.fill(1, s * seq + start, s * seq + end);
  }
  return tf.tensor2d(values, [agents, seq]);
}
