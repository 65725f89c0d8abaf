// Messages between `startDataParallel` (this thread, replica 0) and its worker threads (replicas 1..N−1). Tensors
// never travel as JSON: weights and gradients live in SharedArrayBuffers, batches are typed arrays (structured clone).
import type { Batch } from '../batch.js';

/** Sent once, as workerData. */
export interface ReplicaInit {
  /** 1-based replica index (0 is the main thread). */
  index: number;
  /** Module URLs to import before building the model (they register custom layer classes). */
  imports: string[];
  /** @tost/backend name for this worker's tfjs backend. */
  backend: string;
  /** `model.toJSON()` of the main thread's model. */
  topology: string;
  /** Float32 values of every model weight, in `model.weights` order, written by the main thread. */
  weights: SharedArrayBuffer;
  /** This worker's gradient slot: float32 gradients of the trainable weights, in `model.trainableWeights` order. */
  grads: SharedArrayBuffer;
  gradOffset: number;
}

export interface StepRequest {
  type: 'step';
  step: number;
  batch: Batch;
  /** Copy the shared weights into the replica first (they changed since its last step). */
  loadWeights: boolean;
  /** Reply with the sha-256 of the replica's weights (after loading them). */
  checksum: boolean;
  /** Test hooks: throw an uncaught error / perturb a weight before the checksum. */
  crash?: boolean;
  corrupt?: boolean;
}

export type ToWorker = StepRequest | { type: 'stop' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; step: number; loss: number; correct: number; seconds: number; checksum?: string }
  | { type: 'failed'; step: number; message: string };
