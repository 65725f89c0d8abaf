import * as tf from '@tensorflow/tfjs-core';
import { denseTokens, type AttentionLayer } from '@tost/attention';
import { scaledDotProductAttention } from '@tost/softmax';
import { createAttention } from '../variants.js';
import { blockAttentions, HYBRID_SPEED_BLOCKS, isHybrid, variantComplexity } from '../variant-names.js';
import type { Step } from './measure.js';

export type ScalingMode = 'forward' | 'train';

/** What one series measures: an attention variant, or one of the reference workloads. */
export type SeriesKind = 'attention' | 'projections' | 'softmax-core' | 'matmul-core';

export interface WorkloadShape {
  dim: number;
  heads: number;
  batch: number;
  mode: ScalingMode;
}

/** The tensors and step for one length; `dispose` frees the inputs (the step's outputs are freed per run). */
export interface PreparedWorkload {
  step: Step;
  flops?: number;
  dispose: () => void;
}

/** A series: prepares a workload per length; `dispose` frees what the series keeps across lengths (weights). */
export interface Workload {
  name: string;
  kind: SeriesKind;
  description: string;
  /**
   * Attention layers one step runs (a hybrid's speed row: `HYBRID_SPEED_BLOCKS`); the series reports every
   * measurement per layer (`perLayer`). Default 1.
   */
  layers?: number;
  prepare: (length: number) => PreparedWorkload;
  dispose: () => void;
}

/** The loss every train step differentiates: cheap (O(output)), so it adds nothing to the scaling. */
const loss = (y: tf.Tensor) => tf.mean(tf.square(y)) as tf.Scalar;

/** Forward: the output. Train: forward + backward to every given variable (no optimiser update). */
function stepFor(mode: ScalingMode, forward: () => tf.Tensor, variables: tf.Variable[]): Step {
  if (mode === 'forward') return () => tf.tidy(forward);
  return () => {
    const { value, grads } = tf.variableGrads(() => loss(forward()), variables);
    return [value, ...Object.values(grads)];
  };
}

/** Forward: the output. Train: forward + backward to the given input tensors. */
function stepForInputs(
  mode: ScalingMode,
  f: (...inputs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
): Step {
  if (mode === 'forward') return () => tf.tidy(() => f(...inputs));
  const gradients = tf.valueAndGrads((...xs: tf.Tensor[]) => loss(f(...xs)));
  return () => {
    const { value, grads } = gradients(inputs);
    return [value, ...grads];
  };
}

const randomTokens = (s: WorkloadShape, length: number, seed: number) =>
  tf.randomNormal([s.batch, length, s.dim], 0, 1, 'float32', seed) as tf.Tensor3D;

/**
 * A variant, built once and run on random tokens [batch, length, dim]: a registered attention's layer, or for a
 * hybrid a+b the attention of the two-block hybrid model — one `a` layer, then one `b` layer, applied in sequence —
 * reported per layer (`layers` 2, see `HYBRID_SPEED_ROW`).
 */
export function attentionWorkload(name: string, shape: WorkloadShape, maxLength: number): Workload {
  const blocks = isHybrid(name) ? blockAttentions(name, HYBRID_SPEED_BLOCKS) : [name];
  // The length the layers will see, for options a descriptor fills from the model context (e.g. causal TSSA's).
  const layers: AttentionLayer[] = blocks.map((block) => {
    const layer = createAttention(block, { dim: shape.dim, heads: shape.heads }, { maxLength });
    layer.build([null, null, shape.dim]);
    return layer;
  });
  const variables = layers.flatMap((layer) => layer.trainableWeights.map((w) => w.read() as tf.Variable));
  return {
    name,
    kind: 'attention',
    description:
      layers.length === 1
        ? `${name} attention layer (${layers[0]!.complexity})`
        : `${name}: the attention of the ${layers.length}-block hybrid (${blocks.join(', then ')}; ` +
          `${variantComplexity(name)}), per layer`,
    layers: layers.length,
    prepare: (length) => {
      const x = randomTokens(shape, length, 1);
      const training = shape.mode === 'train';
      const forward = () =>
        layers.reduce<tf.Tensor>((h, layer) => layer.apply(h, { training }) as tf.Tensor, x);
      return {
        step: stepFor(shape.mode, forward, variables),
        dispose: () => x.dispose(),
      };
    },
    dispose: () => layers.forEach(disposeLayerWeights),
  };
}

/**
 * Frees a layer's weights. `Layer.dispose()` refuses layers only ever applied to eager tensors ("has not been used
 * yet"), which is how the benchmark uses them, so the weights are released directly.
 */
export function disposeLayerWeights(layer: AttentionLayer): void {
  for (const w of layer.weights) w.dispose();
}

/**
 * TSSA's two dense projections alone — x·U + u, then ·V + v with dim×dim kernels — the floor TSSA cannot beat,
 * since everything else it does is O(N·C) elementwise work.
 */
export function projectionsWorkload(shape: WorkloadShape): Workload {
  const c = shape.dim;
  // The initial values are temporaries: tidy frees them, the variables (never tracked by tidy) stay.
  const [u, ub, v, vb] = tf.tidy(() => [
    tf.variable(tf.randomNormal([c, c], 0, 1 / Math.sqrt(c), 'float32', 2), true, 'scaling_U'),
    tf.variable(tf.zeros([c]), true, 'scaling_u'),
    tf.variable(tf.randomNormal([c, c], 0, 1 / Math.sqrt(c), 'float32', 3), true, 'scaling_V'),
    tf.variable(tf.zeros([c]), true, 'scaling_v'),
  ]) as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const flopsPerForward = (n: number) => 2 * 2 * shape.batch * n * c * c;
  return {
    name: 'projections',
    kind: 'projections',
    description: 'the two dim×dim projections of TSSA alone (x·U + u, then ·V + v)',
    prepare: (length) => {
      const x = randomTokens(shape, length, 1);
      const forward = () =>
        denseTokens(denseTokens(x, u as tf.Tensor2D, ub as tf.Tensor1D), v as tf.Tensor2D, vb as tf.Tensor1D);
      return {
        step: stepFor(shape.mode, forward, [u, ub, v, vb]),
        flops: flopsPerForward(length) * (shape.mode === 'train' ? 3 : 1),
        dispose: () => x.dispose(),
      };
    },
    dispose: () => tf.dispose([u, ub, v, vb]),
  };
}

/** FLOPs of the two attention matMuls QKᵀ and A·V: 2·(2·B·H·N²·p). A backward pass costs two more matMuls each. */
export function attentionMatMulFlops(shape: WorkloadShape, length: number): number {
  const p = shape.dim / shape.heads;
  return 4 * shape.batch * shape.heads * length * length * p * (shape.mode === 'train' ? 3 : 1);
}

function headInputs(shape: WorkloadShape, length: number): tf.Tensor4D[] {
  const p = shape.dim / shape.heads;
  return [4, 5, 6].map(
    (seed) => tf.randomNormal([shape.batch, shape.heads, length, p], 0, 1, 'float32', seed) as tf.Tensor4D,
  );
}

/**
 * A core workload: the same random inputs (made once per length by `inputsFor`) through `compute`, costed at the
 * attention matMuls' FLOPs.
 */
function coreWorkload(
  shape: WorkloadShape,
  name: 'softmax-core' | 'matmul-core',
  description: string,
  inputsFor: (length: number) => tf.Tensor[],
  compute: (...inputs: tf.Tensor[]) => tf.Tensor,
): Workload {
  return {
    name,
    kind: name,
    description,
    prepare: (length) => {
      const inputs = inputsFor(length);
      return {
        step: stepForInputs(shape.mode, compute, inputs),
        flops: attentionMatMulFlops(shape, length),
        dispose: () => tf.dispose(inputs),
      };
    },
    dispose: () => {},
  };
}

/** The softmax attention core alone on q, k, v [B, H, N, p]: softmax(q·kᵀ)·v, as SoftmaxAttention runs it. */
export function softmaxCoreWorkload(shape: WorkloadShape): Workload {
  return coreWorkload(
    shape,
    'softmax-core',
    'softmax(q·kᵀ)·v alone (no projections)',
    (length) => headInputs(shape, length),
    (q, k, v) => scaledDotProductAttention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, {}),
  );
}

/**
 * The backend's plain matMul throughput at the softmax core's shapes and FLOPs: for every (batch, head) slice,
 * (a·bᵀ)·c with bᵀ given pre-transposed and the slices pre-split, so only untransposed 2-D matMuls run (the fastest
 * path on wasm: no transpose flags, no batch > 1; see @tost/backend's wasm matMul kernels). Nothing in between: no
 * scaling, no softmax, no unstack/stack. The train step differentiates it like the core (explicit transposes).
 */
export function matMulCoreWorkload(shape: WorkloadShape): Workload {
  const p = shape.dim / shape.heads;
  const slices = shape.batch * shape.heads;
  const slicedInputs = (length: number) => {
    const inputs: tf.Tensor2D[] = [];
    for (let i = 0; i < slices; i++) {
      inputs.push(
        tf.randomNormal([length, p], 0, 1, 'float32', 10 + 3 * i) as tf.Tensor2D,
        tf.randomNormal([p, length], 0, 1, 'float32', 11 + 3 * i) as tf.Tensor2D,
        tf.randomNormal([length, p], 0, 1, 'float32', 12 + 3 * i) as tf.Tensor2D,
      );
    }
    return inputs;
  };
  const twoMatMuls = (...xs: tf.Tensor[]) => {
    const outs: tf.Tensor2D[] = [];
    for (let i = 0; i < slices; i++) {
      const [a, bT, c] = xs.slice(3 * i, 3 * i + 3) as tf.Tensor2D[];
      outs.push(tf.matMul(tf.matMul(a!, bT!), c!));
    }
    return outs.length === 1 ? outs[0]! : tf.stack(outs);
  };
  return coreWorkload(
    shape,
    'matmul-core',
    'the same matMul FLOPs as the softmax core as plain 2-D matMuls, without scaling or softmax',
    slicedInputs,
    twoMatMuls,
  );
}
