import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Versions recorded in every result file. */
export function versions(): Record<string, string> {
  const read = (manifest: string) => {
    try {
      return (require(manifest) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  };
  return {
    node: process.version,
    tfjsCore: tf.version_core,
    tfjsLayers: read('@tensorflow/tfjs-layers/package.json'),
    // This app's own manifest, one folder above src/ and dist/.
    '@tost/benchmark': read('../package.json'),
  };
}
