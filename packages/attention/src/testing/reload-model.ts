import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * `model.save` into memory, then `tf.loadLayersModel` from those artifacts: the save/load round trip of a model,
 * with no file system or browser storage (browser-safe, no vitest). The caller disposes both models.
 */
export async function reloadThroughMemory(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  const memory = tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  });
  await model.save(memory);
  return tfl.loadLayersModel(tf.io.fromMemory(saved!));
}
