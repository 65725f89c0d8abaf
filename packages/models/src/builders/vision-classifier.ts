import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { classAttentionBlock } from '../blocks/class-attention-block.js';
import { convStem } from '../blocks/conv-stem.js';
import { ClsToken } from '../layers/cls-token.js';
import {
  blockStack,
  maybeDropout,
  validateBlockStack,
  type AttentionStackSpec,
  type BlockKind,
} from '../blocks/encoder.js';
import { LayerCache } from '../generation/layer-cache.js';
import { defaultLayerScale } from '../layers/layer-scale.js';
import { LearnedPositionalEmbedding } from '../layers/learned-positional-embedding.js';
import { stemChannels } from './parameter-count.js';
import { PatchExtraction } from '../layers/patch-extraction.js';
import { VISION_PRESETS, type VisionPresetName } from './presets.js';
import { SinusoidalPositions2D } from '../layers/sinusoidal-positions.js';
import { TokenPooling } from '../layers/token-pooling.js';
import { layerNorm } from '../blocks/tost-block.js';
import { withSeededRandom } from '../util/seeded-random.js';
import { classifierOutput } from './sequence-classifier.js';
import {
  applyPreset,
  BUILD_OPTION_NAMES,
  checkBuilderOptions,
  CORE_STACK_OPTION_NAMES,
  validateBuildOptions,
  type BuildOptions,
  type ClassifierOutput,
} from './build-options.js';
import { ToSTModel } from './tost-model.js';
import { requirePositiveInteger } from '../util/validation.js';

export interface VisionClassifierOptions extends BuildOptions {
  imageSize: number;
  channels?: number;
  patchSize: number;
  numClasses: number;
  /** Fills dim, depth, heads, block and attention (explicit options override it). */
  preset?: VisionPresetName;
  dim?: number;
  depth?: number;
  heads?: number;
  /** One attention for every block, or one per block (see `AttentionStackSpec`). */
  attention?: AttentionStackSpec;
  block?: BlockKind;
  mlpRatio?: number;
  dropout?: number;
  attentionDropout?: number;
  dropPath?: number;
  layerScaleInit?: number | false;
  name?: string;
}

/** Every option of `buildVisionClassifier` (the type keeps it complete: a new option must be listed here). */
const OPTION_NAMES: Record<keyof VisionClassifierOptions, true> = {
  ...CORE_STACK_OPTION_NAMES,
  ...BUILD_OPTION_NAMES,
  name: true,
  imageSize: true,
  channels: true,
  patchSize: true,
  numClasses: true,
  preset: true,
  block: true,
  dropPath: true,
};

/**
 * Image classifier, input [B, imageSize, imageSize, channels] (NHWC) → logits [B, numClasses] (or probabilities with
 * `output: 'probabilities'`). Returns a `ToSTModel`.
 * - block 'tost' (ToST / XCiT skeleton): conv stem of log2(patchSize) 3×3 stride-2 convs (C/8 → C/4 → C/2 → C for
 *   patch 16) with batch-norm, GELU between; 2-D Fourier positions through a 1×1 conv; depth ToST blocks; CLS token;
 *   two class-attention blocks; LayerNorm; linear head on the CLS token.
 * - block 'crate': patches → LN → Linear → LN, CLS token, learned positions, CRATE layers, CLS → LN → linear head.
 */
export function buildVisionClassifier(options: VisionClassifierOptions): ToSTModel {
  const owner = 'buildVisionClassifier';
  checkBuilderOptions(owner, options, OPTION_NAMES);
  const merged = applyPreset(owner, options, VISION_PRESETS, ['dim', 'depth', 'heads', 'block', 'attention']);
  const depth = requirePositiveInteger(owner, 'depth', merged.depth);
  const stack = validateBlockStack(owner, merged as Parameters<typeof validateBlockStack>[1], {
    layerScaleInit: merged.block === 'crate' ? false : defaultLayerScale(depth),
    layerNormEpsilon: merged.block === 'crate' ? 1e-5 : 1e-6,
  });
  const imageSize = requirePositiveInteger(owner, 'imageSize', options.imageSize);
  const channels = requirePositiveInteger(owner, 'channels', options.channels ?? 3);
  const patchSize = requirePositiveInteger(owner, 'patchSize', options.patchSize);
  const numClasses = requirePositiveInteger(owner, 'numClasses', options.numClasses);
  if (imageSize % patchSize !== 0) {
    throw new RangeError(
      `${owner}: option 'imageSize' (${imageSize}) must be a multiple of 'patchSize' (${patchSize})`,
    );
  }
  const { output, seed } = validateBuildOptions(owner, options);
  return withSeededRandom(seed, () =>
    buildLayers(owner, options, stack, { imageSize, channels, patchSize, numClasses, output }),
  );
}

function buildLayers(
  owner: string,
  options: VisionClassifierOptions,
  stack: ReturnType<typeof validateBlockStack>,
  o: { imageSize: number; channels: number; patchSize: number; numClasses: number; output: ClassifierOutput },
): ToSTModel {
  const { imageSize, channels, patchSize, numClasses } = o;
  const grid = imageSize / patchSize;
  const layers = new LayerCache();
  const image = tfl.input({ shape: [imageSize, imageSize, channels], name: 'image' });
  let logits: SymbolicTensor;
  if (stack.block === 'tost') {
    if (!Number.isInteger(Math.log2(patchSize)) || patchSize < 2) {
      throw new RangeError(
        `${owner}: ToST's conv stem needs a power-of-two 'patchSize' ≥ 2, got ${patchSize}`,
      );
    }
    const widths = stemChannels(stack.dim, patchSize);
    if (!widths.every(Number.isInteger)) {
      throw new RangeError(
        `${owner}: 'dim' (${stack.dim}) must be divisible by ${2 ** (widths.length - 1)} for the conv stem (patch ${patchSize})`,
      );
    }
    let x = convStem(image, channels, widths, grid);
    const fourier = new SinusoidalPositions2D({ height: grid, width: grid, name: 'positions_fourier' }).apply(
      x,
    );
    const positions = tfl.layers
      .dense({ units: stack.dim, name: 'positions_projection' })
      .apply(fourier) as SymbolicTensor;
    x = tfl.layers.add({ name: 'add_positions' }).apply([x, positions]) as SymbolicTensor;
    x = maybeDropout(x, stack.dropout, 'embedding_dropout', layers);
    // maxLength (the token count) reaches the attention so that a causal TSSA, which requires it, is built and then
    // rejected with the clear "needs a non-causal attention" message.
    x = blockStack(x, undefined, stack, { owner, causal: false, maxLength: grid * grid, layers });
    x = new ClsToken({ dim: stack.dim, initStddev: 0.02, name: 'cls_token' }).apply(x) as SymbolicTensor;
    for (let i = 0; i < 2; i++) {
      x = classAttentionBlock(x, undefined, {
        dim: stack.dim,
        heads: stack.heads,
        mlpRatio: stack.mlpRatio,
        layerScaleInit: stack.layerScaleInit,
        dropout: stack.dropout,
        attentionDropout: stack.attentionDropout,
        layerNormEpsilon: stack.layerNormEpsilon,
        name: `class_block${i}`,
      });
    }
    x = layerNorm(layers, 'final_ln', stack.layerNormEpsilon).apply(x) as SymbolicTensor;
    const cls = new TokenPooling({ mode: 'cls', name: 'pooling' }).apply(x) as SymbolicTensor;
    logits = tfl.layers.dense({ units: numClasses, name: 'head' }).apply(cls) as SymbolicTensor;
  } else {
    const eps = stack.layerNormEpsilon;
    let x = new PatchExtraction({ patchSize, name: 'patches' }).apply(image) as SymbolicTensor;
    x = layerNorm(layers, 'patch_ln', eps).apply(x) as SymbolicTensor;
    x = tfl.layers.dense({ units: stack.dim, name: 'patch_projection' }).apply(x) as SymbolicTensor;
    x = layerNorm(layers, 'embedding_ln', eps).apply(x) as SymbolicTensor;
    x = new ClsToken({ dim: stack.dim, initStddev: 1, name: 'cls_token' }).apply(x) as SymbolicTensor;
    x = new LearnedPositionalEmbedding({
      maxLength: grid * grid + 1,
      dim: stack.dim,
      name: 'positions',
    }).apply(x) as SymbolicTensor;
    x = maybeDropout(x, stack.dropout, 'embedding_dropout', layers);
    x = blockStack(x, undefined, stack, { owner, causal: false, maxLength: grid * grid + 1, layers });
    const cls = new TokenPooling({ mode: 'cls', name: 'pooling' }).apply(x) as SymbolicTensor;
    const normed = layerNorm(layers, 'head_ln', eps).apply(cls) as SymbolicTensor;
    logits = tfl.layers.dense({ units: numClasses, name: 'head' }).apply(normed) as SymbolicTensor;
  }
  return new ToSTModel({
    inputs: image,
    outputs: classifierOutput(logits, o.output),
    name: options.name ?? 'vision_classifier',
  });
}
