import * as tf from '@tensorflow/tfjs-core';

/** Pieces joined per `tf.concat` call: keeps every kernel's input list (and any spread of it) short. */
const GROUP = 256;

/**
 * `tf.concat(parts, axis)` for any number of parts (same values): joined in groups of at most 256, then the groups
 * joined, so neither a kernel's argument list nor a call depth grows with the number of parts (a 65,536-token
 * sequence in chunks of 64 has 1,024 parts per head).
 */
export function concatMany<T extends tf.Tensor>(parts: T[], axis = 0): T {
  if (parts.length === 0) throw new RangeError('concatMany: expected at least one tensor, got none');
  let level: tf.Tensor[] = parts;
  while (level.length > GROUP) {
    const next: tf.Tensor[] = [];
    for (let i = 0; i < level.length; i += GROUP) {
      next.push(tf.concat(level.slice(i, i + GROUP), axis));
    }
    if (level !== parts) tf.dispose(level);
    level = next;
  }
  const out = level.length === 1 ? level[0]! : tf.concat(level, axis);
  if (level !== parts && level.length > 1) tf.dispose(level);
  return out as T;
}
