// One data-parallel replica in a worker thread (started by `startDataParallel`): its own tfjs backend and a copy of
// the model rebuilt from the main thread's topology. Each step it loads the shared weights, computes the gradients
// of its shard and writes them into its slot of the shared gradient buffer.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '@tost/backend';
import { classificationGradients, trainableVariables } from '../classification.js';
import type { FromWorker, ReplicaInit, StepRequest, ToWorker } from './replica-protocol.js';
import { layout, weightsChecksum, writeTensors } from './weights-buffer.js';

const init = workerData as ReplicaInit;
const port = parentPort!;
const send = (message: FromWorker) => port.postMessage(message);

for (const url of init.imports) await import(url);
await initBackend(init.backend);
const model = await tfl.models.modelFromJSON({
  modelTopology: JSON.parse(init.topology) as tf.io.ModelJSON['modelTopology'],
});
const weights = model.weights;
const weightLayout = layout(weights.map((w) => ({ shape: w.shape, dtype: w.dtype, name: w.name })));
const sharedWeights = new Float32Array(init.weights);
const variables = trainableVariables(model);
const gradLayout = layout(variables.map((v) => ({ shape: v.shape, dtype: v.dtype, name: v.name })));
const gradSlot = new Float32Array(init.grads, init.gradOffset * 4, gradLayout.total);

function loadWeights(): void {
  tf.tidy(() => {
    weights.forEach((w, i) => {
      const off = weightLayout.offsets[i]!;
      w.write(
        tf.tensor(sharedWeights.subarray(off, off + weightLayout.sizes[i]!), w.shape as number[], 'float32'),
      );
    });
  });
}

function step(request: StepRequest): void {
  if (request.loadWeights) loadWeights();
  if (request.crash) throw new Error(`injected crash in replica ${init.index} at step ${request.step}`);
  if (request.corrupt) tf.tidy(() => variables[0]!.assign(tf.add(variables[0]!, 1e-3)));
  const checksum = request.checksum ? weightsChecksum(weights.map((w) => w.read())) : undefined;
  const t0 = performance.now();
  const r = classificationGradients(model, variables, request.batch);
  writeTensors(
    variables.map((v) => r.grads[v.name]!),
    gradSlot,
    gradLayout.offsets,
  );
  const loss = r.loss.dataSync()[0]!;
  const correct = r.correct.dataSync()[0]!;
  tf.dispose([r.loss, r.correct, ...Object.values(r.grads)]);
  send({
    type: 'done',
    step: request.step,
    loss,
    correct,
    seconds: (performance.now() - t0) / 1000,
    checksum,
  });
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'stop') {
    port.close();
    return;
  }
  if (message.crash) {
    // An uncaught error, as a real crash would be: the main thread sees the worker's 'error' event.
    setImmediate(() => step(message));
    return;
  }
  try {
    step(message);
  } catch (err) {
    send({ type: 'failed', step: message.step, message: err instanceof Error ? err.message : String(err) });
  }
});
loadWeights();
send({ type: 'ready' });
