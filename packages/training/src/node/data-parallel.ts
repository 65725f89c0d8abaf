import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { shardRanges, sliceBatch, type Batch } from '../batch.js';
import { classificationGradients, trainableVariables } from '../classification.js';
import type { BatchGradients, GradientEngine } from '../gradient-engine.js';
import type { FromWorker, ReplicaInit, StepRequest } from './replica-protocol.js';
import { layout, weightsChecksum, writeTensors } from './weights-buffer.js';

export interface DataParallelOptions {
  /** Model replicas, this thread included: `replicas − 1` worker threads are started. ≥ 1. */
  replicas: number;
  /**
   * Module URLs (file: URLs or resolvable specifiers) each worker imports before rebuilding the model: whatever
   * registers the model's custom layer classes (e.g. the attention variants).
   */
  imports?: string[];
  /** The workers' @tost/backend name; default: this thread's backend (wasm → 'wasm', cpu → 'cpu', tensorflow → 'node'). */
  backend?: string;
  /** Compare every replica's weight checksum with this thread's every this many steps (and at step 1); default 50. */
  checkEvery?: number;
  /** Test hooks: a replica crashes, or perturbs its weights, at this step. */
  faults?: { crashAtStep?: number; corruptAtStep?: number; replica?: number };
}

/** The current backend as @tost/backend names it. */
function backendName(): string {
  const name = tf.getBackend();
  return name === 'tensorflow' ? 'node' : name;
}

/**
 * The compiled worker script. Tests run this module from its TypeScript source, whose sibling .js does not exist:
 * the worker then runs from the package's build (turbo builds before testing).
 */
function workerUrl(): URL {
  const here = new URL('./replica-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../dist/node/replica-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(
    `startDataParallel: worker script ${fileURLToPath(here)} is missing; build @tost/training first`,
  );
}

class Replica {
  private pending?: { resolve: (m: FromWorker) => void; reject: (e: Error) => void; step: number };
  private failure?: Error;
  private stopping = false;

  constructor(
    readonly index: number,
    readonly worker: Worker,
  ) {
    worker.on('message', (m: FromWorker) => {
      const p = this.pending;
      this.pending = undefined;
      if (m.type === 'failed') p?.reject(this.fail(`failed at step ${m.step}: ${m.message}`));
      else p?.resolve(m);
    });
    worker.on('error', (err) => this.crash(`crashed: ${err.message}`));
    worker.on('exit', (code) => {
      if (!this.stopping) this.crash(`exited unexpectedly (code ${code})`);
    });
  }

  private fail(what: string): Error {
    this.failure ??= new Error(
      `data-parallel replica ${this.index} (worker thread) ${what}; the run can resume from its last checkpoint`,
    );
    return this.failure;
  }

  private crash(what: string): void {
    const when = this.pending
      ? this.pending.step === 0
        ? ' while starting'
        : ` during step ${this.pending.step}`
      : '';
    const err = this.fail(`${what}${when}`);
    this.pending?.reject(err);
    this.pending = undefined;
  }

  /** The next message from the worker (or its failure). */
  next(step: number, request?: StepRequest): Promise<FromWorker> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, step };
      if (request) this.worker.postMessage(request);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.worker.terminate();
  }
}

/**
 * Data-parallel training on worker threads (Node): `fit(model, data, { engine: await startDataParallel(model, …) })`.
 * This thread is replica 0; `replicas − 1` workers each build their own tfjs backend and a replica of the model from
 * `model.toJSON()` and the current weights. Each step splits the global batch into `replicas` contiguous shards,
 * computes their gradients in parallel, and averages them weighted by shard size (so the maths is the whole batch's:
 * with dropout off the loss curve matches one replica's to float32 round-off). Workers write gradients into a
 * SharedArrayBuffer; after `fit`'s single optimizer update here the weights are written into another one, which the
 * workers load before their next step, so replicas stay bit-identical; a sha-256 of every replica's weights is
 * compared every `checkEvery` steps. A crashed, failed or diverged replica is an error naming it.
 * Throws when `replicas` is not a positive integer or a weight is not float32.
 */
export async function startDataParallel(
  model: tfl.LayersModel,
  options: DataParallelOptions,
): Promise<GradientEngine> {
  const n = options.replicas;
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`startDataParallel: replicas must be a positive integer, got ${n}`);
  const checkEvery = options.checkEvery ?? 50;
  if (!Number.isInteger(checkEvery) || checkEvery < 1)
    throw new Error(`startDataParallel: checkEvery must be a positive integer, got ${checkEvery}`);
  const weights = model.weights;
  const weightLayout = layout(weights.map((w) => ({ shape: w.shape, dtype: w.dtype, name: w.name })));
  const variables = trainableVariables(model);
  const gradLayout = layout(variables.map((v) => ({ shape: v.shape, dtype: v.dtype, name: v.name })));
  const sharedWeights = new SharedArrayBuffer(4 * weightLayout.total);
  const weightView = new Float32Array(sharedWeights);
  const sharedGrads = new SharedArrayBuffer(4 * gradLayout.total * Math.max(1, n - 1));
  writeTensors(
    weights.map((w) => w.read()),
    weightView,
    weightLayout.offsets,
  );

  const topology = JSON.stringify(model.toJSON(null, false));
  const script = n > 1 ? workerUrl() : undefined;
  const replicas: Replica[] = [];
  const backend = options.backend ?? backendName();
  try {
    for (let i = 1; i < n; i++) {
      const init: ReplicaInit = {
        index: i,
        imports: options.imports ?? [],
        backend,
        topology,
        weights: sharedWeights,
        grads: sharedGrads,
        gradOffset: (i - 1) * gradLayout.total,
      };
      const replica = new Replica(
        i,
        new Worker(script!, {
          workerData: init,
          // One compute thread per replica: the replicas are the parallelism (no threaded wasm pools inside).
          env: { ...process.env, TOST_WASM_THREADS: '1' },
        }),
      );
      replicas.push(replica);
    }
    await Promise.all(replicas.map((r) => r.next(0)));
  } catch (err) {
    await Promise.all(replicas.map((r) => r.stop()));
    throw err;
  }

  let weightsDirty = false;
  let disposed = false;
  const faults = options.faults ?? {};
  const faultReplica = faults.replica ?? 1;

  return {
    replicas: n,

    async gradients(batch: Batch, step: number): Promise<BatchGradients> {
      if (disposed) throw new Error('startDataParallel: the engine was disposed');
      if (batch.size < n)
        throw new Error(`data-parallel: a batch of ${batch.size} examples cannot feed ${n} replicas`);
      const ranges = shardRanges(batch.size, n);
      const checksum = n > 1 && (step === 1 || step % checkEvery === 0);
      const requests = replicas.map((r, k) => {
        const [start, end] = ranges[k + 1]!;
        return r.next(step, {
          type: 'step',
          step,
          batch: sliceBatch(batch, start, end),
          loadWeights: weightsDirty,
          checksum,
          crash: faults.crashAtStep === step && r.index === faultReplica,
          corrupt: faults.corruptAtStep === step && r.index === faultReplica,
        });
      });
      weightsDirty = false;
      // Settle every request even when one fails, so no rejection is left unhandled.
      const settled = Promise.allSettled(requests);
      const ownChecksum = checksum ? weightsChecksum(weights.map((w) => w.read())) : undefined;
      const t0 = performance.now();
      const own = classificationGradients(model, variables, sliceBatch(batch, ...ranges[0]!));
      const ownLoss = own.loss.dataSync()[0]!;
      const ownCorrect = own.correct.dataSync()[0]!;
      const ownSeconds = (performance.now() - t0) / 1000;
      tf.dispose([own.loss, own.correct]);
      const results = await settled;
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        tf.dispose(Object.values(own.grads));
        throw failed.reason as Error;
      }
      const done = results.map((r) => (r as PromiseFulfilledResult<FromWorker>).value) as Extract<
        FromWorker,
        { type: 'done' }
      >[];
      done.forEach((d, k) => {
        if (checksum && d.checksum !== ownChecksum) {
          tf.dispose(Object.values(own.grads));
          throw new Error(
            `data-parallel replica ${k + 1} diverged from replica 0 at step ${step}: weight checksum ` +
              `${d.checksum?.slice(0, 12)}… ≠ ${ownChecksum?.slice(0, 12)}…; the run can resume from its last checkpoint`,
          );
        }
      });
      // Mean over the global batch = Σₖ (bₖ/B)·(mean over shard k).
      const share = ranges.map(([s, e]) => (e - s) / batch.size);
      const gradView = new Float32Array(sharedGrads);
      const grads = tf.tidy(() => {
        const out: tf.NamedTensorMap = {};
        variables.forEach((v, j) => {
          let g = tf.mul(own.grads[v.name]!, share[0]!);
          done.forEach((_, k) => {
            const off = k * gradLayout.total + gradLayout.offsets[j]!;
            const part = tf.tensor(gradView.slice(off, off + gradLayout.sizes[j]!), v.shape, 'float32');
            g = tf.add(g, tf.mul(part, share[k + 1]!));
          });
          out[v.name] = g;
        });
        return out;
      });
      tf.dispose(Object.values(own.grads));
      return {
        grads,
        loss: ownLoss * share[0]! + done.reduce((a, d, k) => a + d.loss * share[k + 1]!, 0),
        correct: ownCorrect + done.reduce((a, d) => a + d.correct, 0),
        replicas: [
          { examples: ranges[0]![1] - ranges[0]![0], seconds: ownSeconds },
          ...done.map((d, k) => ({ examples: ranges[k + 1]![1] - ranges[k + 1]![0], seconds: d.seconds })),
        ],
      };
    },

    weightsChanged(): Promise<void> {
      if (n > 1) {
        writeTensors(
          weights.map((w) => w.read()),
          weightView,
          weightLayout.offsets,
        );
        weightsDirty = true;
      }
      return Promise.resolve();
    },

    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      await Promise.all(replicas.map((r) => r.stop()));
    },
  };
}
