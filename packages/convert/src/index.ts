export {
  type SourceDType,
  type TensorData,
  DTYPE_BYTES,
  halfToFloat,
  decodeElements,
  floatValues,
  elementCount,
} from './tensor-data.js';
export { readSafetensors, writeSafetensors, type SafetensorsContent } from './safetensors.js';
export { readTorchCheckpoint, type TorchCheckpoint } from './torch-checkpoint.js';
export { PicklePlaceholder, TorchStorage, TorchTensorRef } from './pickle-globals.js';
export { readCheckpoint, stateDictFromTorch, type StateDict } from './state-dict.js';
export {
  recordHyperparameters,
  recordedInTorchRoot,
  mergeRecorded,
  type RecordedHyperparameters,
  type RecordedValue,
} from './recorded-config.js';
export { ZipArchive, type ZipEntry } from './zip-archive.js';
export type { Binding, WeightTarget } from './bindings.js';
export { StateDictMismatchError } from './fill-model.js';
export {
  importStateDict,
  exportStateDict,
  detectArchitecture,
  ARCHITECTURES,
  METADATA_KEY,
  type Architecture,
  type ArchitectureConfig,
  type ImportOptions,
  type ImportResult,
} from './convert.js';
export {
  inferToSTVision,
  buildToSTVision,
  type ToSTVisionConfig,
  type ToSTVisionOptions,
} from './architectures/tost-vision.js';
export { inferGpt, buildGpt, type GptConfig, type InferProvenance } from './architectures/gpt.js';
export { inferCrate, buildCrate, type CrateConfig } from './architectures/crate.js';
