import type * as tf from '@tensorflow/tfjs-core';
import { expectClose, type CloseOptions } from '@tost/vitest-config';

/**
 * `expectClose` of each labelled pair `{label: [actual, expected]}` of tensors, all with one tolerance: for a form
 * checked against a reference on several outputs at once (output and final state, y and Π, …).
 */
export function expectTensorsClose(
  pairs: Readonly<Record<string, readonly [tf.Tensor, tf.Tensor]>>,
  tolerance: Omit<CloseOptions, 'label'>,
): void {
  for (const [label, [actual, expected]] of Object.entries(pairs)) {
    expectClose(actual.dataSync(), expected.dataSync(), { ...tolerance, label });
  }
}
