import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { denseTokens, keyMaskBias, splitHeads } from '@tost/attention';
import { layerWeight } from './attention-sites.js';
import type { ArrayMap } from './membership-maps.js';

/**
 * The attention weights of a class-attention layer (XCiT/ToST, @tost/models `ClassAttention`): the CLS token
 * (token 0) is the only query, `softmax_over_keys((cls·W_q + b_q)·(x·W_k + b_k)ᵀ / sqrt(p))` per head, masked keys
 * excluded. The layer does not expose them, so they are recomputed from its weights and the tokens it receives.
 * Returns [batch, heads, seq] (key 0 = the CLS token itself).
 */
export function classAttentionWeights(
  layer: tfl.layers.Layer,
  tokens: tf.Tensor3D,
  mask?: tf.Tensor2D,
): ArrayMap {
  const heads = (layer as unknown as { heads: number }).heads;
  const weight = (name: string) => {
    const w = layerWeight(layer, name);
    if (!w) throw new Error(`classAttentionWeights: layer '${layer.name}' has no ${name} weight`);
    return w;
  };
  const weights = tf.tidy(() => {
    const [batch, , dim] = tokens.shape;
    const cls = tf.slice(tokens, [0, 0, 0], [batch, 1, dim]) as tf.Tensor3D;
    const p = dim / heads;
    const q = splitHeads(
      denseTokens(cls, weight('query_kernel') as tf.Tensor2D, weight('query_bias') as tf.Tensor1D),
      heads,
    );
    const k = splitHeads(
      denseTokens(tokens, weight('key_kernel') as tf.Tensor2D, weight('key_bias') as tf.Tensor1D),
      heads,
    );
    let scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(p)); // [B, H, 1, N]
    if (mask) scores = tf.add(scores, keyMaskBias(tf.cast(mask, 'float32') as tf.Tensor2D));
    return tf.reshape(tf.softmax(scores), [batch, heads, tokens.shape[1]]);
  });
  const map = { shape: weights.shape.slice(), data: weights.dataSync() as Float32Array };
  weights.dispose();
  return map;
}
