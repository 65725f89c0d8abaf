import type { TensorData } from '../tensor-data.js';

/** What every inferred image classifier records: input, patching, width, depth, heads and classes. */
export interface VisionShape {
  /** Input side in pixels (square images). */
  imageSize: number;
  channels: number;
  /** Side of a patch (a stem of log2(patchSize) stride-2 convs for ToST). */
  patchSize: number;
  dim: number;
  depth: number;
  heads: number;
  numClasses: number;
}

/** Number of consecutive indices i = 0, 1, … with some key starting `${prefix}${i}.`. */
export function countIndexed(tensors: Map<string, TensorData>, prefix: string): number {
  let n = 0;
  const keys = [...tensors.keys()];
  while (keys.some((k) => k.startsWith(`${prefix}${n}.`))) n++;
  return n;
}

/** The shape of a key the architecture cannot be inferred without; a clear error naming it otherwise. */
export function requireShape(tensors: Map<string, TensorData>, key: string, architecture: string): number[] {
  const t = tensors.get(key);
  if (!t) {
    throw new Error(
      `${architecture}: the state dict has no '${key}', which is needed to infer the architecture ` +
        `(first keys: ${[...tensors.keys()].slice(0, 6).join(', ')})`,
    );
  }
  return t.shape;
}

/** Heads of a softmax attention (not visible in the weights): the option, else a known preset's, else an error. */
export function headsFor(
  dim: number,
  option: number | undefined,
  presets: Record<number, number>,
  architecture: string,
): number {
  if (option !== undefined) {
    if (!Number.isInteger(option) || option < 1 || dim % option !== 0) {
      throw new RangeError(
        `${architecture}: option 'heads' must be a positive divisor of the width ${dim}, got ${option}`,
      );
    }
    return option;
  }
  const preset = presets[dim];
  if (preset === undefined) {
    throw new RangeError(
      `${architecture}: the number of heads is not stored in the weights and width ${dim} is not a published ` +
        `preset (${Object.entries(presets)
          .map(([d, h]) => `${d}→${h}`)
          .join(', ')}): pass option 'heads' (--heads)`,
    );
  }
  return preset;
}
