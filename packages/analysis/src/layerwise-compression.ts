import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { isRateReductionAttention } from '@tost/attention';
import { describeAttentionLayers, findAttentionSites, layerWeight, siteInputs } from './attention-sites.js';
import { mcr2Compression } from './coding-rate.js';
import { variationalCompression } from './variational-compression.js';
import { requirePositiveNumber } from './validation.js';

/** One compression measurement of a set of tokens under one layer's subspaces, averaged over the examples. */
export interface CompressionMeasure {
  /** R_var(Z, Π | U) (ToST, arXiv 2412.17810) with the layer's Π; null for MSSA layers, which have no Π. */
  variational: number | null;
  /** MCR² compression term R^c(Z | U) = Σ_k R(Z·U_k) at distortion `eps`. */
  codingRate: number;
  perExample: { variational: number[] | null; codingRate: number[] };
}

/** The compression term of the tokens entering and leaving one attention layer. */
export interface LayerCompression {
  /** 0-based position among the analysed (TSSA/MSSA) layers, in graph order = depth. */
  index: number;
  layer: string;
  kind: 'tssa' | 'mssa';
  heads: number;
  headDim: number;
  /** Real (unpadded) tokens of each example. */
  tokens: number[];
  /** Z: the tokens the attention receives (in a pre-norm block, LN1 of the residual stream). */
  entering: CompressionMeasure;
  /**
   * Z + attention(Z): the same tokens after the layer's update, i.e. the gradient step the layer takes on the
   * objective (the paper's Z + TSSA(Z)), measured with the SAME U and Π. In the network the update is added to the
   * un-normalised residual stream instead; this keeps both measurements in the coordinates the layer sees.
   */
  leaving: CompressionMeasure;
}

export interface LayerwiseCompressionOptions {
  /** Distortion ε of the MCR² coding rate (default 0.5). R_var has no ε. */
  eps?: number;
}

/**
 * Runs `model` on `inputs` and returns, for every TSSA or MSSA layer in graph order, the compression term of the
 * tokens entering it and leaving it, each computed with that layer's OWN projection: U = its `qkv_kernel` (plus
 * TSSA's `qkv_bias`, since TSSA's W = Z·U + u) split into heads, and for TSSA its own membership Π (from
 * `callAndReturnIntermediates` on the entering tokens). Padded tokens are excluded. Inference mode (no dropout).
 * Throws when the model has no TSSA or MSSA layer. No tensors are left behind.
 */
export function layerwiseCompression(
  model: tfl.LayersModel,
  inputs: tf.Tensor | tf.Tensor[],
  options: LayerwiseCompressionOptions = {},
): LayerCompression[] {
  const caller = 'layerwiseCompression';
  const eps = requirePositiveNumber(caller, "option 'eps'", options.eps ?? 0.5);
  const sites = findAttentionSites(caller, model).filter((s) => s.kind === 'tssa' || s.kind === 'mssa');
  if (sites.length === 0) {
    throw new Error(
      `${caller}: model '${model.name}' has no TSSA or MSSA attention layer to analyse ` +
        `(attention layers found: ${describeAttentionLayers(model)})`,
    );
  }
  const concrete = siteInputs(model, sites, inputs);
  try {
    return sites.map((site, index) => {
      const { tokens, mask } = concrete[index]!;
      const layer = site.layer;
      if (!isRateReductionAttention(layer)) throw new Error(`${caller}: layer '${layer.name}' is not a TSSA or MSSA`);
      const kernel = layerWeight(layer, 'qkv_kernel') as tf.Tensor2D | undefined;
      if (!kernel) throw new Error(`${caller}: layer '${layer.name}' has no qkv_kernel weight`);
      const bias = layerWeight(layer, 'qkv_bias') as tf.Tensor1D | undefined;
      const attentionInput = mask ? [tokens, mask] : tokens;
      const intermediates = layer.callAndReturnIntermediates(attentionInput);
      const update = intermediates.output;
      const membership = 'membership' in intermediates ? intermediates.membership : undefined;
      const leavingTokens = tf.add(tokens, update) as tf.Tensor3D;
      try {
        const measure = (z: tf.Tensor3D): CompressionMeasure => {
          const variational = membership
            ? variationalCompression(z, membership, kernel, { bias, mask })
            : null;
          const coding = mcr2Compression(z, kernel, { heads: layer.heads, eps, bias, mask });
          return {
            variational: variational ? mean(variational) : null,
            codingRate: mean(coding),
            perExample: { variational, codingRate: coding },
          };
        };
        return {
          index,
          layer: site.layer.name,
          kind: layer.rateReductionKind,
          heads: layer.heads,
          headDim: layer.headDim,
          tokens: realTokenCounts(mask, tokens),
          entering: measure(tokens),
          leaving: measure(leavingTokens),
        };
      } finally {
        tf.dispose([update, leavingTokens, ...(membership ? [membership] : [])]);
      }
    });
  } finally {
    for (const c of concrete) tf.dispose([c.tokens, ...(c.mask ? [c.mask] : [])]);
  }
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function realTokenCounts(mask: tf.Tensor2D | undefined, tokens: tf.Tensor3D): number[] {
  const [batch, seq] = tokens.shape;
  if (!mask) return new Array<number>(batch).fill(seq);
  const summed = tf.sum(mask, 1);
  const counts = Array.from(summed.dataSync(), Math.round);
  summed.dispose();
  return counts;
}
