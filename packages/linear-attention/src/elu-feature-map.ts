import * as tf from '@tensorflow/tfjs-core';

/**
 * The feature map φ(u) = elu(u) + 1 of linear attention (Katharopoulos et al., "Transformers are RNNs", ICML 2020,
 * arXiv 2006.16236, §3.2.1): positive, so every similarity φ(q)·φ(k) is positive. Elementwise, any shape.
 */
export function eluFeatureMap<T extends tf.Tensor>(u: T): T {
  return tf.tidy(() => tf.add(tf.elu(u), 1) as T);
}
