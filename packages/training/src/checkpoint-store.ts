import type * as tf from '@tensorflow/tfjs-core';

/** What a checkpoint holds besides tensors: enough to continue the run exactly where it stopped. */
export interface CheckpointMeta {
  /** Training steps completed when it was written. */
  step: number;
  /** Fingerprint of the run's configuration: resuming with another configuration is refused. */
  configKey: string;
  /** Anything else the trainer needs (curves so far, wall time so far, ...); must survive JSON. */
  extra: Record<string, unknown>;
}

export interface LoadedCheckpoint extends CheckpointMeta {
  /** Tensors by the names they were saved under (the caller disposes them). */
  tensors: Map<string, tf.Tensor>;
  /** Where it was read from, for messages. */
  file: string;
}

/**
 * Where `fit` keeps its checkpoints. `@tost/training/node` has `FileCheckpoints` (a directory, sha-256 checksums,
 * atomic renames); anything else (IndexedDB, memory) can implement this.
 */
export interface CheckpointStore {
  /** A human-readable location (a directory) for log lines and errors. */
  readonly location: string;
  /** Writes one checkpoint; returns where. */
  save(meta: CheckpointMeta, tensors: { name: string; tensor: tf.Tensor }[]): Promise<string>;
  /**
   * The newest checkpoint, or undefined when there is none. A damaged newest checkpoint, or one of another
   * configuration, is an error: a run is never silently restarted from scratch or from an older state.
   */
  loadLatest(configKey: string): Promise<LoadedCheckpoint | undefined>;
  /** Steps of the checkpoints present, ascending. */
  steps(): number[];
  /** Removes every checkpoint (a fresh run must not mix with an older run's). */
  clear(): void;
}
