import {
  validateWeightsAgainstManifest,
  verifyWeightsChecksum,
  weightsChecksum,
} from '../weights-manifest.js';
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';
const FILE_SCHEME = 'file://';

interface ModelJson {
  modelTopology: object;
  weightsManifest: (tf.io.WeightsManifestConfig[number] & { sha256?: string })[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: tf.io.TrainingConfig;
  userDefinedMetadata?: Record<string, object>;
}

/** `dir` or `dir/name.json` (a leading `file://` is accepted) → the model JSON path and the directory it sits in. */
function locate(path: string): { dir: string; jsonPath: string } {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(
      `fileSystem: 'path' must be a non-empty directory or .json path, got ${String(path)}`,
    );
  }
  const p = path.startsWith(FILE_SCHEME) ? path.slice(FILE_SCHEME.length) : path;
  if (p.endsWith('.json')) return { dir: dirname(p), jsonPath: p };
  return { dir: p, jsonPath: join(p, MODEL_JSON) };
}

function readModelJson(jsonPath: string): ModelJson {
  if (!existsSync(jsonPath)) throw new Error(`fileSystem: no saved model at ${jsonPath} (file not found)`);
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJson;
  } catch (err) {
    throw new Error(`fileSystem: ${jsonPath} is not valid JSON: ${(err as Error).message}`);
  }
  if (json == null || typeof json !== 'object' || json.modelTopology == null) {
    throw new Error(`fileSystem: ${jsonPath} has no 'modelTopology': not a tfjs model.json`);
  }
  return json;
}

/**
 * A tfjs IOHandler that saves and loads a model as `model.json` + `weights.bin` on the local file system, in the
 * layout of tfjs-node's `file://` handler (so either can read what the other wrote). For Node.js without
 * @tensorflow/tfjs-node, whose `file://` scheme is otherwise missing.
 *
 * `path` is a directory (created on save; `model.json` and `weights.bin` inside it) or the path of a `.json` file
 * (weights go next to it as `weights.bin`); a leading `file://` is ignored. On load every shard listed in the
 * manifest is read, relative to the JSON file.
 *
 *     await model.save(fileSystem('./my-model'));
 *     const again = await tf.loadLayersModel(fileSystem('./my-model'));
 *
 * @throws TypeError for an empty path; Error on load when the JSON is missing or invalid or a weight file is missing.
 */
export function fileSystem(path: string): tf.io.IOHandler {
  const { dir, jsonPath } = locate(path);
  return {
    // async: every failure is a rejected promise, as tfjs' own handlers do.
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('fileSystem: saving a binary (ArrayBuffer) model topology is not supported');
      }
      mkdirSync(dir, { recursive: true });
      const weights = artifacts.weightData
        ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData))
        : new Uint8Array(0);
      writeFileSync(join(dir, WEIGHTS_BIN), weights);
      // Recorded so that load can tell a corrupted weights.bin (a flipped byte) from the saved one.
      const sha256 = await weightsChecksum(weights);
      const json: ModelJson = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        modelTopology: artifacts.modelTopology as object,
        trainingConfig: artifacts.trainingConfig,
        userDefinedMetadata: artifacts.userDefinedMetadata,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [], sha256 }],
      };
      writeFileSync(jsonPath, JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = readModelJson(jsonPath);
      const manifest = json.weightsManifest as unknown;
      const groups = Array.isArray(manifest) ? (manifest as ModelJson['weightsManifest']) : [];
      const shards = groups.flatMap((group) => (Array.isArray(group?.paths) ? group.paths : []));
      const buffers = shards.map((shard) => {
        const file = join(dir, shard);
        if (!existsSync(file)) {
          throw new Error(`fileSystem: weight file ${file} (listed in ${basename(jsonPath)}) is missing`);
        }
        const bytes = readFileSync(file);
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      });
      const weightData = tf.io.CompositeArrayBuffer.join(buffers);
      const context = {
        weightsFile: shards.map((s) => join(dir, s)).join(' + ') || join(dir, WEIGHTS_BIN),
        modelFile: jsonPath,
      };
      // Sizes against the manifest (a short, long or missing-manifest file is an error naming file and weight),
      // then the checksum recorded at save time, when there is one (one shard).
      const weightSpecs = validateWeightsAgainstManifest(manifest, weightData.byteLength, context);
      if (groups.length === 1) await verifyWeightsChecksum(weightData, groups[0]!.sha256, context);
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

let registered = false;

/**
 * Makes `model.save('file://dir')` and `tf.loadLayersModel('file://dir')` work without @tensorflow/tfjs-node by
 * registering `fileSystem` as the `file://` save and load router. Does nothing (returns false) when a `file://`
 * handler already exists, e.g. tfjs-node's, or when called a second time; returns true when it registered.
 */
export function registerFileSystemScheme(): boolean {
  if (registered) return false;
  const probe = `${FILE_SCHEME}probe`;
  if (tf.io.getSaveHandlers(probe).length > 0 || tf.io.getLoadHandlers(probe).length > 0) return false;
  // tfjs' IORouter type says IOHandler, but its registry skips routers that return null (not their scheme).
  const route = ((url: string | string[]) => {
    const u = Array.isArray(url) ? url[0] : url;
    return typeof u === 'string' && u.startsWith(FILE_SCHEME) ? fileSystem(u) : null;
  }) as Parameters<typeof tf.io.registerSaveRouter>[0];
  tf.io.registerSaveRouter(route);
  tf.io.registerLoadRouter(route);
  registered = true;
  return true;
}
