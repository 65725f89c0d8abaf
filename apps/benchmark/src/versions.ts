import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Versions recorded in every result file. */
export function versions(): Record<string, string> {
  const read = (name: string) => {
    try {
      return (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  };
  return {
    node: process.version,
    tfjsCore: tf.version_core,
    tfjsLayers: read('@tensorflow/tfjs-layers'),
    '@tost/benchmark': read('../package.json'),
  };
}
