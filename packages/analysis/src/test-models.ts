import type * as tfl from '@tensorflow/tfjs-layers';
import { describeOnBackends } from '@tost/attention/testing';
import { buildSequenceClassifier, type SequenceClassifierOptions } from '@tost/models';

/** A suite whose tests run on `backend` (initialised first): `describeOnBackends` on that one backend. */
export function describeOn(backend: string, title: string, body: () => void): void {
  describeOnBackends(title, body, [backend]);
}

/** The tests' small sequence classifier: 10 token ids, 6 tokens, 2 classes, width 8, 2 blocks of 2 heads, MLP ratio 1. */
export const TINY_CLASSIFIER = {
  vocabSize: 10,
  maxLength: 6,
  numClasses: 2,
  dim: 8,
  depth: 2,
  heads: 2,
  mlpRatio: 1,
} as const satisfies SequenceClassifierOptions;

/** `buildSequenceClassifier` on `TINY_CLASSIFIER` with `options` replacing or adding options. */
export function tinyClassifier(options: Partial<SequenceClassifierOptions> = {}): tfl.LayersModel {
  return buildSequenceClassifier({ ...TINY_CLASSIFIER, ...options });
}
