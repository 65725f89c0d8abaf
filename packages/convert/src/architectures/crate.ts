import type * as tfl from '@tensorflow/tfjs-layers';
import { buildVisionClassifier } from '@tost/models';
import {
  copyBinding,
  denseBindings,
  linearBinding,
  normBindings,
  target as t,
  type Binding,
} from '../bindings.js';
import type { TensorData } from '../tensor-data.js';
import { countIndexed, headsFor, requireShape, type VisionShape } from './infer.js';

/**
 * CRATE vision (Ma-Lab-Berkeley/CRATE `model/crate.py`, class `CRATE`, CLS pooling): patches → LN → Linear → LN, CLS
 * token, learned positions, depth × [x + MSSA(LN(x)), then ISTA(LN(·)) replacing the stream], CLS → LN → Linear.
 * Built with `buildVisionClassifier({block: 'crate'})` of @tost/models, which computes exactly this.
 */
export type CrateConfig = VisionShape;

/** The CRATE presets' widths → heads (CRATE_tiny/small/base/large); heads are not stored in the weights. */
const CRATE_HEADS: Record<number, number> = { 384: 6, 576: 12, 768: 12, 1024: 16 };

export function inferCrate(
  tensors: Map<string, TensorData>,
  options: { heads?: number; channels?: number; imageSize?: number } = {},
): CrateConfig {
  const arch = 'crate';
  const [, tokens, dim] = requireShape(tensors, 'pos_embedding', arch) as [number, number, number];
  const [, patchDim] = requireShape(tensors, 'to_patch_embedding.2.weight', arch) as [number, number];
  const [inner] = requireShape(tensors, 'transformer.layers.0.0.fn.qkv.weight', arch) as [number];
  if (inner !== dim) {
    throw new RangeError(
      `${arch}: heads·dim_head = ${inner} differs from the width ${dim}; only dim_head = dim / heads is supported`,
    );
  }
  const channels = options.channels ?? 3;
  const patchSize = Math.round(Math.sqrt(patchDim / channels));
  const grid = Math.round(Math.sqrt(tokens - 1));
  if (patchSize * patchSize * channels !== patchDim || grid * grid !== tokens - 1) {
    throw new RangeError(
      `${arch}: cannot infer a square patch and grid from patch_dim ${patchDim} (${channels} channels) and ${tokens} positions`,
    );
  }
  const imageSize = grid * patchSize;
  if (options.imageSize !== undefined && options.imageSize !== imageSize) {
    throw new RangeError(
      `${arch}: option 'imageSize' is ${options.imageSize}, but the learned positions fix it at ${imageSize}`,
    );
  }
  const projectsOut = tensors.has('transformer.layers.0.0.fn.to_out.0.weight');
  return {
    imageSize,
    channels,
    patchSize,
    dim,
    depth: countIndexed(tensors, 'transformer.layers.'),
    heads: projectsOut ? headsFor(dim, options.heads, CRATE_HEADS, arch) : 1,
    numClasses: requireShape(tensors, 'mlp_head.1.weight', arch)[0]!,
  };
}

export function buildCrate(c: CrateConfig): tfl.LayersModel {
  return buildVisionClassifier({
    block: 'crate',
    attention: 'mssa',
    imageSize: c.imageSize,
    channels: c.channels,
    patchSize: c.patchSize,
    numClasses: c.numClasses,
    dim: c.dim,
    depth: c.depth,
    heads: c.heads,
    name: 'crate',
  });
}

export function crateBindings(c: CrateConfig): Binding[] {
  const C = c.dim;
  const patchDim = c.channels * c.patchSize * c.patchSize;
  const grid = c.imageSize / c.patchSize;
  const b: Binding[] = [
    ...normBindings('to_patch_embedding.1', 'patch_ln', patchDim),
    ...denseBindings('to_patch_embedding.2', C, patchDim, 'patch_projection'),
    ...normBindings('to_patch_embedding.3', 'embedding_ln', C),
    copyBinding('pos_embedding', [1, grid * grid + 1, C], t('positions', 'positions')),
    copyBinding('cls_token', [1, 1, C], t('cls_token', 'cls_token')),
  ];
  for (let i = 0; i < c.depth; i++) {
    const p = `transformer.layers.${i}.`;
    b.push(...normBindings(`${p}0.norm`, `block${i}_ln1`, C));
    b.push(linearBinding(`${p}0.fn.qkv.weight`, C, C, t(`block${i}_attn`, 'qkv_kernel')));
    if (c.heads > 1) {
      b.push(linearBinding(`${p}0.fn.to_out.0.weight`, C, C, t(`block${i}_attn`, 'output_kernel')));
      b.push(copyBinding(`${p}0.fn.to_out.0.bias`, [C], t(`block${i}_attn`, 'output_bias')));
    }
    b.push(...normBindings(`${p}1.norm`, `block${i}_ln2`, C));
    // FeedForward.weight D is used as is: ISTA computes relu(z + η(z·D − (z·Dᵀ)·D) − ηλ) with the same D.
    b.push(copyBinding(`${p}1.fn.weight`, [C, C], t(`block${i}_ista`, 'dictionary')));
  }
  b.push(...normBindings('mlp_head.0', 'head_ln', C));
  b.push(...denseBindings('mlp_head.1', c.numClasses, C, 'head'));
  return b;
}
