import * as tf from '@tensorflow/tfjs-core';

/** Options shared by the TSSA attention core (`tssaCore`) and its readable reference (`tssaCoreReference`). */
export interface TssaCoreOptions {
  /**
   * Padding mask [batch, seq]: 1 = real token, 0 = padding. Padded tokens take no part in any statistic, their
   * output is 0 and their reported membership is 0. `w` must already be zero at padded tokens (the TSSA layer
   * multiplies the projection by the mask before calling the core).
   */
  mask?: tf.Tensor2D;
  /**
   * Multiplier of the gain g, shape [batch, heads, 1, p]: the attention-dropout keep mask already scaled by
   * 1/(1 − rate) (spec step 6). Omit it at inference.
   */
  gainScale?: tf.Tensor4D;
  /**
   * 'heads-first' (default): w is [batch, heads, seq, p] and gainScale [batch, heads, 1, p]. 'tokens-first': w is
   * [batch, seq, heads, p] (the projection [batch, seq, dim] reshaped, no transpose), gainScale [batch, 1, heads, p],
   * and the output comes back in that layout; the membership is [batch, heads, seq] either way.
   */
  layout?: 'heads-first' | 'tokens-first';
}

/** Result of the attention core: per-head output y and the membership Π (0 at padded tokens). */
export interface TssaCoreResult {
  /** y [batch, heads, seq, p] (spec step 7). */
  output: tf.Tensor4D;
  /** Π [batch, heads, seq]: softmax over heads of the membership logits (step 4), 0 at padded tokens. */
  membership: tf.Tensor3D;
}

/**
 * Checks the core's inputs: w [B, H, N, p] float32, temperature [H, 1], mask [B, N], gainScale [B, H, 1, p].
 * Errors name the function, the argument, what was expected and what was given.
 */
export function validateCoreInputs(
  caller: string,
  w: tf.Tensor,
  temperature: tf.Tensor,
  options: TssaCoreOptions,
): void {
  const { mask, gainScale } = options;
  const shape = (t: tf.Tensor) => `[${t.shape.join(', ')}]`;
  if (w.rank !== 4) {
    throw new RangeError(
      `${caller}: argument 'w' must have rank 4 [batch, heads, seq, p], got shape ${shape(w)}`,
    );
  }
  if (w.dtype !== 'float32') throw new TypeError(`${caller}: argument 'w' must be float32, got ${w.dtype}`);
  const tokensFirst = options.layout === 'tokens-first';
  if (options.layout !== undefined && options.layout !== 'heads-first' && !tokensFirst) {
    throw new RangeError(
      `${caller}: option 'layout' must be 'heads-first' or 'tokens-first', got ${String(options.layout)}`,
    );
  }
  const [batch, a, b, p] = w.shape as [number, number, number, number];
  const [heads, seq] = tokensFirst ? [b, a] : [a, b];
  if (temperature.rank !== 2 || temperature.shape[0] !== heads || temperature.shape[1] !== 1) {
    throw new RangeError(
      `${caller}: argument 'temperature' must have shape [heads, 1] = [${heads}, 1], got ${shape(temperature)}`,
    );
  }
  if (mask && (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== seq)) {
    throw new RangeError(
      `${caller}: option 'mask' must have shape [batch, seq] = [${batch}, ${seq}], got ${shape(mask)}`,
    );
  }
  if (
    gainScale &&
    (gainScale.rank !== 4 ||
      gainScale.shape[0] !== batch ||
      gainScale.shape[1] !== (tokensFirst ? 1 : heads) ||
      gainScale.shape[2] !== (tokensFirst ? heads : 1) ||
      gainScale.shape[3] !== p)
  ) {
    throw new RangeError(
      `${caller}: option 'gainScale' must have shape ` +
        (tokensFirst ? `[batch, 1, heads, p] = [${batch}, 1, ${heads}, ${p}], ` : `[batch, heads, 1, p] = [${batch}, ${heads}, 1, ${p}], `) +
        `got ${shape(gainScale)}`,
    );
  }
}
