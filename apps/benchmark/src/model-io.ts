import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateWeightsAgainstManifest, verifyWeightsChecksum, weightsChecksum } from '@tost/models';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/**
 * A tfjs IOHandler that saves/loads a LayersModel as `model.json` + `weights.bin` in a directory. tfjs-core's
 * `file://` scheme comes only with tfjs-node, which is optional here, so the benchmark brings its own.
 * Use with `model.save(modelDirectory(dir))` and `tfl.loadLayersModel(modelDirectory(dir))`.
 */
export function modelDirectory(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      mkdirSync(dir, { recursive: true });
      const weightData = artifacts.weightData
        ? Buffer.from(tf.io.CompositeArrayBuffer.join(artifacts.weightData))
        : Buffer.alloc(0);
      writeFileSync(join(dir, WEIGHTS_BIN), weightData);
      const sha256 = await weightsChecksum(weightData);
      const json = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        modelTopology: artifacts.modelTopology,
        trainingConfig: artifacts.trainingConfig,
        userDefinedMetadata: artifacts.userDefinedMetadata,
        // sha256: checked on load, so a corrupted weights.bin is an error rather than a silently different model.
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [], sha256 }],
      };
      writeFileSync(join(dir, MODEL_JSON), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = join(dir, MODEL_JSON);
      if (!existsSync(jsonPath)) throw new Error(`no saved model in ${dir}: ${MODEL_JSON} is missing`);
      let json: {
        modelTopology: object;
        weightsManifest?: (tf.io.WeightsManifestConfig[number] & { sha256?: string })[];
        format?: string;
        generatedBy?: string;
        convertedBy?: string | null;
        trainingConfig?: tf.io.TrainingConfig;
        userDefinedMetadata?: Record<string, object>;
      };
      try {
        json = JSON.parse(readFileSync(jsonPath, 'utf8')) as typeof json;
      } catch (err) {
        throw new Error(`${jsonPath} is not valid JSON: ${(err as Error).message}`);
      }
      if (json === null || typeof json !== 'object' || json.modelTopology == null) {
        throw new Error(`${jsonPath}: no 'modelTopology' (not a tfjs LayersModel file?)`);
      }
      const weightsPath = join(dir, WEIGHTS_BIN);
      if (!existsSync(weightsPath)) throw new Error(`no weights for ${jsonPath}: ${weightsPath} is missing`);
      const bytes = readFileSync(weightsPath);
      const context = { weightsFile: weightsPath, modelFile: jsonPath };
      const weightSpecs = validateWeightsAgainstManifest(json.weightsManifest, bytes.byteLength, context);
      await verifyWeightsChecksum(bytes, json.weightsManifest?.[0]?.sha256, context);
      const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      return {
        modelTopology: json.modelTopology,
        weightSpecs,
        weightData,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        trainingConfig: json.trainingConfig,
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}
