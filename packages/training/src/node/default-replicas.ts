import { availableParallelism } from 'node:os';

/**
 * The default number of data-parallel replicas: one per core (os.availableParallelism), capped by the batch size
 * (every replica needs at least one example). `cores` overrides the detected count (tests).
 */
export function defaultReplicas(batchSize: number, cores = availableParallelism()): number {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`defaultReplicas: batchSize must be a positive integer, got ${batchSize}`);
  return Math.max(1, Math.min(cores, batchSize));
}
