import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { TSSA } from '@tost/tssa';
import {
  ClassAttention,
  ClsToken,
  convStem,
  LayerScale,
  ResidualAdd,
  SinusoidalPositions2D,
  stemChannels,
  TokenPooling,
  TokenRange,
  toSTBlock,
} from '@tost/models';
import {
  convBinding,
  copyBinding,
  denseBindings,
  exportOnlyBinding,
  linearBinding,
  normBindings,
  qkvTargets,
  splitBinding,
  target as t,
  zerosBinding,
  type Binding,
} from '../bindings.js';
import type { TensorData } from '../tensor-data.js';
import { countIndexed, requireShape, type VisionShape } from './infer.js';

/**
 * ToST vision (RobinWu218/ToST `tost_vision/tost.py`, `VisionTransformer` with `AttentionTSSA`, the tost_cab_*
 * models): conv stem (log2(patch) × [3×3 stride-2 conv, BatchNorm], GELU between), XCiT Fourier positions through a
 * 1×1 conv, TSSA blocks with layer scale, CLS token, class-attention blocks, final LayerNorm (eps 1e-6), head.
 */
export interface ToSTVisionConfig extends VisionShape {
  /** MLP hidden width (mlp_ratio · dim). */
  hidden: number;
  /** Bias of the TSSA and class-attention qkv projections (qkv_bias; true in every tost_cab_* model). */
  qkvBias: boolean;
  /** Class-attention blocks (cls_attn_layers, 2). */
  classBlocks: number;
  /** Fourier features per axis (PositionalEncodingFourier hidden_dim, 32). */
  fourierDim: number;
  /** ClassAttentionBlock tokens_norm: LayerNorm over all tokens (true in every tost_cab_* model) or the CLS only. */
  tokensNorm: boolean;
}

export interface ToSTVisionOptions {
  /** Input side in pixels (not stored in the weights; any multiple of the patch size). Default 224. */
  imageSize?: number;
  /** Default true, as in every tost_cab_* factory. */
  tokensNorm?: boolean;
}

export function inferToSTVision(
  tensors: Map<string, TensorData>,
  options: ToSTVisionOptions = {},
): ToSTVisionConfig {
  const arch = 'tost-vision';
  const [, , dim] = requireShape(tensors, 'cls_token', arch) as [number, number, number];
  let convs = 0;
  while (tensors.has(`patch_embed.proj.${2 * convs}.0.weight`)) convs++;
  if (convs === 0) throw new Error(`${arch}: no conv stem (patch_embed.proj.0.0.weight) in the state dict`);
  const channels = requireShape(tensors, 'patch_embed.proj.0.0.weight', arch)[1]!;
  const [heads] = requireShape(tensors, 'blocks.0.attn.temp', arch) as [number];
  const patchSize = 2 ** convs;
  const imageSize = options.imageSize ?? 224;
  if (!Number.isInteger(imageSize) || imageSize <= 0 || imageSize % patchSize !== 0) {
    throw new RangeError(
      `${arch}: option 'imageSize' must be a positive multiple of the patch size ${patchSize}, got ${imageSize}`,
    );
  }
  return {
    imageSize,
    channels,
    patchSize,
    dim,
    depth: countIndexed(tensors, 'blocks.'),
    heads,
    hidden: requireShape(tensors, 'blocks.0.mlp.fc1.weight', arch)[0]!,
    numClasses: requireShape(tensors, 'head.weight', arch)[0]!,
    qkvBias: tensors.has('blocks.0.attn.qkv.bias'),
    classBlocks: countIndexed(tensors, 'cls_attn_blocks.'),
    fourierDim: requireShape(tensors, 'pos_embeder.token_projection.weight', arch)[1]! / 2,
    tokensNorm: options.tokensNorm ?? true,
  };
}

/**
 * One class-attention block exactly as `ClassAttentionBlock.forward` computes it (XCiT, arXiv 2106.09681 §3; CaiT):
 * u = [CA(LN1(x))_cls, LN1(x)_tokens]; x ← x + γ1·u (the patch tokens take γ1·LN1(x) too);
 * x ← LN2(x) (all tokens with tokens_norm, else the CLS only); x ← x + [γ2·MLP(x_cls), x_tokens].
 * The patch tokens it rewrites feed the next class-attention block's keys and values.
 */
function classAttentionBlock(x: SymbolicTensor, c: ToSTVisionConfig, name: string): SymbolicTensor {
  const ln = (n: string) => tfl.layers.layerNormalization({ epsilon: 1e-6, name: n });
  const cls = (n: string) => new TokenRange({ start: 0, size: 1, name: n });
  const rest = (n: string) => new TokenRange({ start: 1, name: n });
  const concat = (n: string) => tfl.layers.concatenate({ axis: 1, name: n });
  const h = ln(`${name}_ln1`).apply(x) as SymbolicTensor;
  const ca = new ClassAttention({ dim: c.dim, heads: c.heads, name: `${name}_attn` }).apply(
    h,
  ) as SymbolicTensor;
  const u = concat(`${name}_attn_concat`).apply([ca, rest(`${name}_ln1_tokens`).apply(h) as SymbolicTensor]);
  const scaled = new LayerScale({ dim: c.dim, init: 1, name: `${name}_attn_scale` }).apply(
    u,
  ) as SymbolicTensor;
  let y = new ResidualAdd({ name: `${name}_attn_add` }).apply([x, scaled]) as SymbolicTensor;
  if (c.tokensNorm) {
    y = ln(`${name}_ln2`).apply(y) as SymbolicTensor;
  } else {
    const normed = ln(`${name}_ln2`).apply(cls(`${name}_cls_in`).apply(y)) as SymbolicTensor;
    y = concat(`${name}_ln2_concat`).apply([
      normed,
      rest(`${name}_tokens_in`).apply(y) as SymbolicTensor,
    ]) as SymbolicTensor;
  }
  const fc1 = tfl.layers.dense({ units: c.hidden, activation: 'gelu', name: `${name}_mlp_fc1` });
  const fc2 = tfl.layers.dense({ units: c.dim, name: `${name}_mlp_fc2` });
  const m = fc2.apply(fc1.apply(cls(`${name}_cls`).apply(y))) as SymbolicTensor;
  const gm = new LayerScale({ dim: c.dim, init: 1, name: `${name}_mlp_scale` }).apply(m) as SymbolicTensor;
  const v = concat(`${name}_mlp_concat`).apply([
    gm,
    rest(`${name}_tokens`).apply(y) as SymbolicTensor,
  ]) as SymbolicTensor;
  return new ResidualAdd({ name: `${name}_mlp_add` }).apply([y, v]) as SymbolicTensor;
}

/** Image [B, imageSize, imageSize, channels] (NHWC) → logits [B, numClasses], eval mode = PyTorch's eval(). */
export function buildToSTVision(c: ToSTVisionConfig): tfl.LayersModel {
  const grid = c.imageSize / c.patchSize;
  const image = tfl.input({ shape: [c.imageSize, c.imageSize, c.channels], name: 'image' });
  let x = convStem(image, c.channels, stemChannels(c.dim, c.patchSize), grid);
  const fourier = new SinusoidalPositions2D({
    height: grid,
    width: grid,
    hiddenDim: c.fourierDim,
    name: 'positions_fourier',
  }).apply(x) as SymbolicTensor;
  const positions = tfl.layers
    .dense({ units: c.dim, name: 'positions_projection' })
    .apply(fourier) as SymbolicTensor;
  x = tfl.layers.add({ name: 'add_positions' }).apply([x, positions]) as SymbolicTensor;
  for (let i = 0; i < c.depth; i++) {
    x = toSTBlock(x, undefined, {
      attention: new TSSA({ dim: c.dim, heads: c.heads, useBias: c.qkvBias, name: `block${i}_attn` }),
      dim: c.dim,
      mlpRatio: c.hidden / c.dim,
      layerScaleInit: 1,
      layerNormEpsilon: 1e-6,
      name: `block${i}`,
    });
  }
  x = new ClsToken({ dim: c.dim, name: 'cls_token' }).apply(x) as SymbolicTensor;
  for (let i = 0; i < c.classBlocks; i++) x = classAttentionBlock(x, c, `class_block${i}`);
  x = tfl.layers.layerNormalization({ epsilon: 1e-6, name: 'final_ln' }).apply(x) as SymbolicTensor;
  const pooled = new TokenPooling({ mode: 'cls', name: 'pooling' }).apply(x) as SymbolicTensor;
  const logits = tfl.layers.dense({ units: c.numClasses, name: 'head' }).apply(pooled) as SymbolicTensor;
  return tfl.model({ inputs: image, outputs: logits, name: 'tost_vision' });
}

export function tostVisionBindings(c: ToSTVisionConfig): Binding[] {
  const C = c.dim;
  const b: Binding[] = [];
  const norm = (key: string, layer: string) => b.push(...normBindings(key, layer, C));
  const dense = (key: string, out: number, inp: number, layer: string) =>
    b.push(...denseBindings(key, out, inp, layer));
  let inChannels = c.channels;
  stemChannels(c.dim, c.patchSize).forEach((width, i) => {
    const p = `patch_embed.proj.${2 * i}.`;
    b.push(convBinding(`${p}0.weight`, [width, inChannels, 3, 3], t(`stem_conv${i}`, 'kernel')));
    const bn = `stem_bn${i}`;
    b.push(...normBindings(`${p}1`, bn, width));
    b.push(copyBinding(`${p}1.running_mean`, [width], t(bn, 'moving_mean')));
    b.push(copyBinding(`${p}1.running_var`, [width], t(bn, 'moving_variance')));
    b.push(
      exportOnlyBinding(`${p}1.num_batches_tracked`, { dtype: 'I64', shape: [], data: new BigInt64Array(1) }),
    );
    inChannels = width;
  });
  b.push(copyBinding('cls_token', [1, 1, C], t('cls_token', 'cls_token')));
  for (let i = 0; i < c.depth; i++) {
    const p = `blocks.${i}.`;
    const attn = `block${i}_attn`;
    norm(`${p}norm1`, `block${i}_ln1`);
    b.push(linearBinding(`${p}attn.qkv.weight`, C, C, t(attn, 'qkv_kernel')));
    if (c.qkvBias) b.push(copyBinding(`${p}attn.qkv.bias`, [C], t(attn, 'qkv_bias')));
    b.push(copyBinding(`${p}attn.temp`, [c.heads, 1], t(attn, 'temperature')));
    b.push(linearBinding(`${p}attn.to_out.0.weight`, C, C, t(attn, 'output_kernel')));
    b.push(copyBinding(`${p}attn.to_out.0.bias`, [C], t(attn, 'output_bias')));
    b.push(copyBinding(`${p}gamma1`, [C], t(`block${i}_attn_scale`, 'gamma')));
    norm(`${p}norm2`, `block${i}_ln2`);
    dense(`${p}mlp.fc1`, c.hidden, C, `block${i}_mlp_fc1`);
    dense(`${p}mlp.fc2`, C, c.hidden, `block${i}_mlp_fc2`);
    b.push(copyBinding(`${p}gamma2`, [C], t(`block${i}_mlp_scale`, 'gamma')));
  }
  for (let i = 0; i < c.classBlocks; i++) {
    const p = `cls_attn_blocks.${i}.`;
    const n = `class_block${i}`;
    norm(`${p}norm1`, `${n}_ln1`);
    b.push(splitBinding(`${p}attn.qkv.weight`, C, C, qkvTargets(`${n}_attn`, 'kernel')));
    const biases = qkvTargets(`${n}_attn`, 'bias');
    if (c.qkvBias) b.push(splitBinding(`${p}attn.qkv.bias`, C, undefined, biases));
    else biases.forEach((target) => b.push(zerosBinding(C, target)));
    b.push(linearBinding(`${p}attn.proj.weight`, C, C, t(`${n}_attn`, 'output_kernel')));
    b.push(copyBinding(`${p}attn.proj.bias`, [C], t(`${n}_attn`, 'output_bias')));
    b.push(copyBinding(`${p}gamma1`, [C], t(`${n}_attn_scale`, 'gamma')));
    norm(`${p}norm2`, `${n}_ln2`);
    dense(`${p}mlp.fc1`, c.hidden, C, `${n}_mlp_fc1`);
    dense(`${p}mlp.fc2`, C, c.hidden, `${n}_mlp_fc2`);
    b.push(copyBinding(`${p}gamma2`, [C], t(`${n}_mlp_scale`, 'gamma')));
  }
  norm('norm', 'final_ln');
  dense('head', c.numClasses, C, 'head');
  b.push(
    convBinding(
      'pos_embeder.token_projection.weight',
      [C, 2 * c.fourierDim, 1, 1],
      t('positions_projection', 'kernel'),
    ),
  );
  b.push(copyBinding('pos_embeder.token_projection.bias', [C], t('positions_projection', 'bias')));
  return b;
}
