import * as tf from '@tensorflow/tfjs-core';

/**
 * One axis of a state tensor: a number, or a name — `'batch'` (the number of sequences given to `initState`) or a
 * size the layer defines in `stateSizes()` (`heads`, `headDim` and `dim` always exist).
 */
export type StateDim = number | string;

/** One tensor of a streaming state: its shape in named sizes, and the value it starts from. */
export interface StateEntrySpec {
  /** E.g. `['batch', 'heads', 'headDim', 'headDim']`. */
  readonly shape: readonly StateDim[];
  /** Every element of the state before the first token (default 0), e.g. a very negative running maximum. */
  readonly initial?: number;
}

/**
 * The tensors of a streaming state, declared once: name → shape in named sizes. Declare it `as const` so the state
 * type knows each tensor's rank:
 *
 * ```ts
 * const STATE = { sum: { shape: ['batch', 'heads', 'headDim', 'headDim'] } } as const satisfies StateSpec;
 * type MyState = StreamingState<typeof STATE>; // { sum: tf.Tensor4D; position: number }
 * ```
 */
export type StateSpec = Readonly<Record<string, StateEntrySpec>>;

type TensorOfRank<N extends number> = N extends 1
  ? tf.Tensor1D
  : N extends 2
    ? tf.Tensor2D
    : N extends 3
      ? tf.Tensor3D
      : N extends 4
        ? tf.Tensor4D
        : N extends 5
          ? tf.Tensor5D
          : tf.Tensor;

/** The tensors of a state declared by `S`, each typed by its rank. */
export type StateTensors<S extends StateSpec> = { [K in keyof S]: TensorOfRank<S[K]['shape']['length']> };

/** A streaming state: the tensors declared by `S` and `position`, the number of tokens consumed so far. */
export type StreamingState<S extends StateSpec> = StateTensors<S> & { readonly position: number };

/**
 * A named size of the state: a number fixed by the layer, or a size that may differ from state to state (the same
 * in every tensor of one state), from `initial` up to `max` — e.g. the cached tokens of a sliding window.
 */
export type StateSize = number | { readonly initial: number; readonly max: number };

/** Name → size, for the names a `StateSpec` uses besides `batch`. */
export type StateSizes = Readonly<Record<string, StateSize>>;

const describeShape = (shape: readonly StateDim[]) => `[${shape.join(', ')}]`;

/** `{sum: [batch, heads, p, p], …}`: what a state must look like, for error messages. */
export function describeStateSpec(spec: StateSpec): string {
  return `{${Object.entries(spec)
    .map(([name, entry]) => `${name}: ${describeShape(entry.shape)}`)
    .join(', ')}}`;
}

function resolveSize(name: string, sizes: StateSizes, batch: number, entry: string): number {
  if (name === 'batch') return batch;
  const size = sizes[name];
  if (size === undefined) {
    throw new Error(`state entry '${entry}' uses the size '${name}', which stateSizes() does not define`);
  }
  return typeof size === 'number' ? size : size.initial;
}

/** The state before the first token for `batch` sequences: every tensor filled with its `initial` value, position 0. */
export function createStreamingState<S extends StateSpec>(
  spec: S,
  batch: number,
  sizes: StateSizes,
): StreamingState<S> {
  const state: Record<string, tf.Tensor | number> = {};
  try {
    for (const [name, entry] of Object.entries(spec)) {
      const shape = entry.shape.map((d) => (typeof d === 'number' ? d : resolveSize(d, sizes, batch, name)));
      state[name] =
        entry.initial === undefined || entry.initial === 0 ? tf.zeros(shape) : tf.fill(shape, entry.initial);
    }
  } catch (err) {
    tf.dispose(Object.values(state).filter((v): v is tf.Tensor => v instanceof tf.Tensor));
    throw err;
  }
  state.position = 0;
  return state as unknown as StreamingState<S>;
}

/** Disposes the tensors of `state` that `spec` declares (missing or already disposed ones are skipped). */
export function disposeStreamingState(spec: StateSpec, state: object | null | undefined): void {
  if (state == null) return;
  const values = state as Record<string, unknown>;
  tf.dispose(Object.keys(spec).flatMap((name) => (values[name] instanceof tf.Tensor ? [values[name]] : [])));
}

/**
 * Checks `state` against `spec` and the layer's sizes: every declared tensor present, of the declared shape (the
 * batch, and any varying size, read from the first tensor and the same in all), not disposed, and `position` a
 * non-negative integer. Returns the state's batch size.
 *
 * @param label prefix of the error messages, e.g. "LightningAttention 'attn' step"
 * @throws TypeError when `state` is not a state at all (naming the expected entries), RangeError naming the first
 *   entry whose shape differs (expected in names and numbers, and the shape given), Error for a disposed entry.
 */
export function validateStreamingState(
  spec: StateSpec,
  state: unknown,
  sizes: StateSizes,
  label: string,
): number {
  const entries = Object.entries(spec);
  const values = (state ?? {}) as Record<string, unknown>;
  if (state == null || typeof state !== 'object' || !(values[entries[0]![0]] instanceof tf.Tensor)) {
    throw new TypeError(
      `${label}: argument 'state' must be a state from initState (${describeStateSpec(spec)}, position), got ` +
        `${String(state)}`,
    );
  }
  const bound = new Map<string, number>();
  for (const [name, entry] of entries) {
    const boundBefore = new Map(bound);
    const t = values[name];
    const given = t instanceof tf.Tensor ? describeShape(t.shape) : String(t);
    const expected: (number | undefined)[] = entry.shape.map((d, axis) => {
      if (typeof d === 'number') return d;
      const size = sizes[d];
      if (typeof size === 'number') return size;
      // 'batch' or a varying size: the first tensor that has this axis fixes it for the whole state.
      if (!bound.has(d) && t instanceof tf.Tensor && t.rank === entry.shape.length) {
        const value = t.shape[axis]!;
        if (size === undefined || value <= size.max) bound.set(d, value);
      }
      return bound.get(d);
    });
    if (
      !(t instanceof tf.Tensor) ||
      t.rank !== entry.shape.length ||
      t.shape.some((d: number, axis: number) => d !== expected[axis])
    ) {
      // A varying size shows what an earlier entry fixed, else its bound.
      const numbers = entry.shape.map((named, axis) => {
        const size = typeof named === 'number' ? named : sizes[named];
        if (typeof size === 'object') return boundBefore.get(named as string) ?? `≤ ${size.max}`;
        return expected[axis] ?? named;
      });
      throw new RangeError(
        `${label}: 'state.${name}' must have shape ${describeShape(entry.shape)} = ${describeShape(numbers)}, got ` +
          `${given} (is the state from this layer's initState?)`,
      );
    }
    if (t.isDisposed) throw new Error(`${label}: 'state.${name}' has been disposed`);
  }
  const position = values.position;
  if (typeof position !== 'number' || !Number.isInteger(position) || position < 0) {
    throw new RangeError(
      `${label}: 'state.position' must be a non-negative integer, got ${String(position)}`,
    );
  }
  return bound.get('batch') ?? (values[entries[0]![0]] as tf.Tensor).shape[0]!;
}
