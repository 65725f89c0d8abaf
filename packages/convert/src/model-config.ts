import type * as tfl from '@tensorflow/tfjs-layers';
import type { AttentionLayer } from '@tost/attention';
import {
  CAUSAL_LM_LAYERS,
  type ISTA,
  type LearnedPositionalEmbedding,
  type PatchExtraction,
} from '@tost/models';
import type { CrateConfig } from './architectures/crate.js';
import type { GptConfig } from './architectures/gpt.js';
import type { ArchitectureConfig } from './convert.js';

function layer(model: tfl.LayersModel, name: string): tfl.layers.Layer | undefined {
  return model.layers.find((l) => l.name === name);
}

function depthOf(model: tfl.LayersModel): number {
  let depth = 0;
  while (layer(model, `block${depth}_attn`)) depth++;
  return depth;
}

function shapeOf(model: tfl.LayersModel, name: string, weight: string): number[] {
  const w = layer(model, name)?.weights.find((v) => v.originalName === `${name}/${weight}`);
  if (!w) throw new Error(`exportStateDict: layer '${name}' has no weight '${weight}'`);
  return w.shape as number[];
}

/**
 * The PyTorch architecture of a model trained here and never imported: a `buildCausalLM` language model (causal TSSA
 * or softmax-causal; ToST-LM / GPT naming) or a `buildVisionClassifier({block: 'crate'})` CRATE with MSSA.
 * Throws, naming what the authors' code cannot express, for anything else.
 */
export function architectureFromLayers(model: tfl.LayersModel): ArchitectureConfig {
  const owner = 'exportStateDict';
  const depth = depthOf(model);
  // The authors' GPT and CRATE code build every block alike, with no short convolution.
  const kinds = [
    ...new Set(Array.from({ length: depth }, (_, i) => layer(model, `block${i}_attn`)!.getClassName())),
  ];
  if (kinds.length > 1) {
    throw new Error(
      `${owner}: the model mixes attentions across blocks (${kinds.join(', ')}); the authors' code uses one attention in every block`,
    );
  }
  if (model.layers.some((l) => l.getClassName() === 'ShortConvolution')) {
    throw new Error(
      `${owner}: the model's blocks have a short convolution (shortConv), which the authors' code lacks`,
    );
  }
  if (layer(model, CAUSAL_LM_LAYERS.embedding) && layer(model, CAUSAL_LM_LAYERS.positions) && depth > 0) {
    const attention = layer(model, 'block0_attn') as unknown as AttentionLayer;
    const kind = attention.getClassName();
    if (kind !== 'CausalTSSA' && kind !== 'SoftmaxAttention') {
      throw new Error(
        `${owner}: the language model's attention ${kind} has no counterpart in the authors' GPT code`,
      );
    }
    const [vocabSize, dim] = shapeOf(model, CAUSAL_LM_LAYERS.embedding, 'embeddings') as [number, number];
    const positions = layer(model, CAUSAL_LM_LAYERS.positions) as LearnedPositionalEmbedding;
    const bias = layer(model, 'block0_ln1')!.weights.length === 2;
    const config: GptConfig = {
      vocabSize,
      blockSize: positions.maxLength,
      dim,
      depth,
      heads: attention.heads,
      attention: kind === 'CausalTSSA' ? 'causal-tssa' : 'softmax-causal',
      bias,
      layerScale: layer(model, 'block0_attn_scale') !== undefined,
      hidden: shapeOf(model, 'block0_mlp_fc1', 'kernel')[1]!,
      conv1d: false,
      ...(attention.useBias !== bias ? { qkvBias: attention.useBias } : {}),
    };
    if (config.attention === 'softmax-causal' && attention.useBias !== bias) {
      throw new Error(
        `${owner}: a softmax attention ${attention.useBias ? 'with' : 'without'} biases in a model ${bias ? 'with' : 'without'} LayerNorm biases has no counterpart in nanoGPT (one 'bias' flag)`,
      );
    }
    return { arch: config.attention === 'causal-tssa' ? 'tost-lm' : 'gpt2', config };
  }
  if (layer(model, 'patch_ln') && layer(model, 'block0_ista')) {
    const attention = layer(model, 'block0_attn') as unknown as AttentionLayer;
    if (attention.getClassName() !== 'MSSA') {
      throw new Error(
        `${owner}: CRATE with ${attention.getClassName()} attention has no counterpart in model/crate.py (MSSA)`,
      );
    }
    const ista = layer(model, 'block0_ista') as unknown as ISTA;
    if (ista.lambda !== 0.1)
      throw new Error(`${owner}: ISTA lambda ${ista.lambda}: model/crate.py hard-codes 0.1`);
    if (ista.eta !== 0.1)
      throw new Error(
        `${owner}: ISTA step size ${ista.eta}: model/crate.py's CRATE uses 0.1 (its 'ista' argument)`,
      );
    const patches = layer(model, 'patches') as unknown as PatchExtraction;
    const [, imageSize, , channels] = model.inputs[0]!.shape as number[];
    const config: CrateConfig = {
      imageSize: imageSize!,
      channels: channels!,
      patchSize: patches.patchSize,
      dim: attention.dim,
      depth,
      heads: attention.heads,
      numClasses: shapeOf(model, 'head', 'kernel')[1]!,
    };
    return { arch: 'crate', config };
  }
  throw new Error(
    `${owner}: the model has no 'tostConvert' metadata and is not a buildCausalLM language model or a CRATE ` +
      `classifier; only models made by importStateDict (or saved after it) and those two can be exported`,
  );
}
