import type * as tf from '@tensorflow/tfjs-core';

export function shapeOf(t: tf.Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

/** Throws unless `value` is a tfjs tensor of one of the given ranks. */
export function requireTensor(
  caller: string,
  argument: string,
  value: unknown,
  ranks: number[],
  layout: string,
): tf.Tensor {
  const t = value as tf.Tensor;
  if (
    value == null ||
    typeof value !== 'object' ||
    !Array.isArray(t.shape) ||
    typeof t.dataSync !== 'function'
  ) {
    throw new TypeError(
      `${caller}: argument '${argument}' must be a tf.Tensor ${layout}, got ${describe(value)}`,
    );
  }
  if (!ranks.includes(t.rank)) {
    throw new RangeError(`${caller}: argument '${argument}' must have shape ${layout}, got ${shapeOf(t)}`);
  }
  return t;
}

/** `what` names the input, e.g. "argument 'eps'" or "option 'eps'". */
export function requirePositiveNumber(caller: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${caller}: ${what} must be a positive finite number, got ${describe(value)}`);
  }
  return value;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  return `${typeof value} ${String(value)}`;
}

/** Per-example real-token indices from an optional mask [B, N] (1 = token); all tokens when absent. */
export function realTokenRows(
  mask: Float32Array | Int32Array | Uint8Array | undefined,
  batch: number,
  seq: number,
): number[][] {
  const rows: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const r: number[] = [];
    for (let i = 0; i < seq; i++) if (!mask || mask[b * seq + i]! > 0.5) r.push(i);
    rows.push(r);
  }
  return rows;
}
