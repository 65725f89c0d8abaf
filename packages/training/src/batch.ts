import * as tf from '@tensorflow/tfjs-core';

/** One model input of a batch: `size` examples of `shape` each, rows first (int32 tokens or float32 values). */
export interface BatchInput {
  values: Int32Array | Float32Array;
  /** Shape of one example (without the batch axis), e.g. [maxLength] for token sequences. */
  shape: number[];
}

/**
 * A batch of a classification data set as plain typed arrays: what workers receive without JSON, and what
 * `batchTensors` turns into the model's inputs.
 */
export interface Batch {
  /** One entry per model input, in the model's input order. */
  inputs: BatchInput[];
  /** Class index per example. */
  labels: Int32Array;
  size: number;
}

const rowLength = (input: BatchInput) => input.shape.reduce((a, b) => a * b, 1);

/** Throws unless every input holds `size` rows of its shape and there are `size` labels. */
export function checkBatch(batch: Batch): void {
  if (!Number.isInteger(batch.size) || batch.size < 1)
    throw new Error(`batch: size must be a positive integer, got ${batch.size}`);
  if (batch.inputs.length === 0) throw new Error('batch: no inputs');
  if (batch.labels.length !== batch.size)
    throw new Error(`batch: ${batch.labels.length} labels for ${batch.size} examples`);
  batch.inputs.forEach((input, i) => {
    const expected = batch.size * rowLength(input);
    if (input.values.length !== expected) {
      throw new Error(
        `batch: input ${i} has ${input.values.length} values, expected ${batch.size} × [${input.shape.join(', ')}] = ${expected}`,
      );
    }
  });
}

/** The model inputs (one tensor, or a list for multi-input models) and labels [size] of a batch. */
export function batchTensors(batch: Batch): { inputs: tf.Tensor | tf.Tensor[]; labels: tf.Tensor1D } {
  const inputs = batch.inputs.map((input) =>
    tf.tensor(
      input.values,
      [batch.size, ...input.shape],
      input.values instanceof Int32Array ? 'int32' : 'float32',
    ),
  );
  return { inputs: inputs.length === 1 ? inputs[0]! : inputs, labels: tf.tensor1d(batch.labels, 'int32') };
}

/** Row ranges [start, end) of `parts` contiguous shards of `size` examples, sizes differing by at most one. */
export function shardRanges(size: number, parts: number): [number, number][] {
  if (!Number.isInteger(parts) || parts < 1 || parts > size)
    throw new Error(`shardRanges: cannot split ${size} examples into ${parts} non-empty shards`);
  const base = Math.floor(size / parts);
  const extra = size % parts;
  const ranges: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < parts; i++) {
    const end = start + base + (i < extra ? 1 : 0);
    ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

/** Examples [start, end) of a batch, copied into new arrays. */
export function sliceBatch(batch: Batch, start: number, end: number): Batch {
  return {
    size: end - start,
    labels: batch.labels.slice(start, end),
    inputs: batch.inputs.map((input) => {
      const row = rowLength(input);
      return { shape: input.shape, values: input.values.slice(start * row, end * row) };
    }),
  };
}

/** Input elements of a batch (tokens, for token models): the unit of the throughput figures. */
export function batchElements(batch: Batch): number {
  return batch.inputs.reduce((n, input) => n + input.values.length, 0);
}
