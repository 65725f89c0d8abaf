import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { isRateReductionAttention, type RateReductionKind } from '@tost/attention';
import { describe } from './validation.js';

/**
 * The attention layers the analysis understands: white-box attentions that implement `RateReductionAttention`
 * (@tost/attention: 'tssa' = token statistics with a membership Π, 'mssa' = CRATE's subspace attention with one
 * shared projection), and @tost/models' class-attention pooling.
 */
export type AttentionKind = RateReductionKind | 'class-attention';

function kindOf(layer: tfl.layers.Layer): AttentionKind | undefined {
  if (isRateReductionAttention(layer)) return layer.rateReductionKind;
  return layer.getClassName() === 'ClassAttention' ? 'class-attention' : undefined;
}

/** One attention layer of a functional model and the symbolic tensors it was first applied to. */
export interface AttentionSite {
  layer: tfl.layers.Layer;
  kind: AttentionKind;
  /** Tokens [B, N, C] entering the layer. */
  tokens: SymbolicTensor;
  /** Its padding mask [B, N], when the model passes one. */
  mask?: SymbolicTensor;
}

interface NodeLike {
  inputTensors: SymbolicTensor[];
}

/**
 * The TSSA, MSSA and class-attention layers of `model` in graph order (tfjs sorts `model.layers` by depth), each
 * with the tokens (and mask) it receives. A layer applied several times (a shared encoder, e.g. LRA Retrieval's
 * two documents) is analysed on its first application.
 */
export function findAttentionSites(caller: string, model: tfl.LayersModel): AttentionSite[] {
  if (model == null || typeof model !== 'object' || !Array.isArray((model as tfl.LayersModel).layers)) {
    throw new TypeError(
      `${caller}: argument 'model' must be a functional tf.LayersModel, got ${describe(model)}`,
    );
  }
  const sites: AttentionSite[] = [];
  for (const layer of model.layers) {
    const kind = kindOf(layer);
    if (!kind) continue;
    const node = (layer as unknown as { inboundNodes: NodeLike[] }).inboundNodes[0];
    if (!node) continue;
    const [tokens, mask] = node.inputTensors;
    sites.push({ layer, kind, tokens: tokens!, ...(mask ? { mask: beforeCopies(mask) } : {}) });
  }
  return sites;
}

/**
 * The tensor a chain of identity `MaskCopy` layers (@tost/models gives every attention its own copy of the mask)
 * starts from. Same values; taken because on the wasm backend a `MaskCopy` output fetched from `predict` can point
 * at freed memory (its clone shares data with an intermediate that predict disposes).
 */
function beforeCopies(t: SymbolicTensor): SymbolicTensor {
  let current = t;
  while (current.sourceLayer?.getClassName() === 'MaskCopy') {
    const source = (current.sourceLayer as unknown as { inboundNodes: NodeLike[] }).inboundNodes[0]
      ?.inputTensors[0];
    if (!source) break;
    current = source;
  }
  return current;
}

/** Layers that look like attention (for error messages): class names of layers with `heads` and `dim`. */
export function describeAttentionLayers(model: tfl.LayersModel): string {
  const found = model.layers
    .filter((l) => 'heads' in l && 'dim' in l)
    .map((l) => `${l.getClassName()} '${l.name}'`);
  return found.length ? found.join(', ') : 'none';
}

/**
 * Runs `model` on `inputs` (what `model.predict` takes) and returns, per site, the concrete tokens and mask it
 * receives, through a sub-model whose outputs are those symbolic tensors (no layer is rebuilt or re-initialised).
 * The caller owns the returned tensors.
 */
export function siteInputs(
  model: tfl.LayersModel,
  sites: AttentionSite[],
  inputs: tf.Tensor | tf.Tensor[],
): { tokens: tf.Tensor3D; mask?: tf.Tensor2D }[] {
  const unique: SymbolicTensor[] = [];
  const position = new Map<number, number>();
  const slot = (t: SymbolicTensor): number => {
    if (!position.has(t.id)) {
      position.set(t.id, unique.length);
      unique.push(t);
    }
    return position.get(t.id)!;
  };
  const slots = sites.map((s) => ({ tokens: slot(s.tokens), mask: s.mask ? slot(s.mask) : undefined }));
  const probe = tfl.model({ inputs: model.inputs, outputs: unique, name: `${model.name}_analysis_probe` });
  const batch = (Array.isArray(inputs) ? inputs[0]! : inputs).shape[0] ?? 1;
  const raw = probe.predict(inputs, { batchSize: Math.max(1, batch) });
  const values = Array.isArray(raw) ? raw : [raw];
  const results = slots.map((s) => ({
    tokens: values[s.tokens]!.clone() as tf.Tensor3D,
    ...(s.mask !== undefined ? { mask: values[s.mask]!.clone() as tf.Tensor2D } : {}),
  }));
  tf.dispose(values);
  return results;
}

/** A weight of `layer` by its short name (e.g. 'qkv_kernel'), or undefined. */
export function layerWeight(layer: tfl.layers.Layer, shortName: string): tf.Tensor | undefined {
  const variable = layer.weights.find((w) => w.originalName.split('/').pop() === shortName);
  return variable?.read();
}
