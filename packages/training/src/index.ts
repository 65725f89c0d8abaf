export { AdamW, type AdamWOptions, type NoWeightDecay } from './adamw.js';
export { clipByGlobalNorm } from './clip.js';
export { learningRateAt, type LearningRateSchedule } from './schedule.js';
export { formatDuration, formatProgress, type ProgressState, type ProgressSink } from './progress.js';
export type { CheckpointMeta, CheckpointStore, LoadedCheckpoint } from './checkpoint-store.js';
export {
  batchElements,
  batchTensors,
  checkBatch,
  shardRanges,
  sliceBatch,
  type Batch,
  type BatchInput,
} from './batch.js';
export { classificationGradients, classificationLoss, trainableVariables } from './classification.js';
export { restoreTrainingState, trainingStateTensors } from './training-state.js';
export { evaluate, type Evaluation } from './evaluate.js';
export { localGradients, type BatchGradients, type GradientEngine } from './gradient-engine.js';
export {
  fit,
  TrainingInterrupted,
  type EvalPoint,
  type FitData,
  type FitOptions,
  type FitResult,
  type TrainPoint,
} from './fit.js';
