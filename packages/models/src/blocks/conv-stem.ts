import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { StridedConv3x3 } from '../layers/strided-conv.js';

/**
 * ToST's (and XCiT's, arXiv 2106.09681, its `ConvPatchEmbed`) convolutional stem: per width, a bias-free 3×3
 * stride-2 convolution and batch-norm (ε 1e-5, momentum 0.9: PyTorch's defaults), with a GELU between stages but not
 * after the last; then the feature map as tokens.
 *
 * image [batch, grid·2^k, grid·2^k, channels] → tokens [batch, grid², widths[k − 1]], k = widths.length (the widths
 * come from `stemChannels(dim, patchSize)`). Layers are named `stem_conv{i}`, `stem_bn{i}`, `stem_gelu{i}` and
 * `stem_tokens`: the PyTorch converters bind weights by these names.
 */
export function convStem(
  image: SymbolicTensor,
  channels: number,
  widths: number[],
  grid: number,
): SymbolicTensor {
  let x = image;
  let inChannels = channels;
  widths.forEach((width, i) => {
    x = new StridedConv3x3({ inChannels, filters: width, name: `stem_conv${i}` }).apply(x) as SymbolicTensor;
    x = tfl.layers
      .batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, name: `stem_bn${i}` })
      .apply(x) as SymbolicTensor;
    if (i < widths.length - 1)
      x = tfl.layers.activation({ activation: 'gelu', name: `stem_gelu${i}` }).apply(x) as SymbolicTensor;
    inChannels = width;
  });
  return tfl.layers
    .reshape({ targetShape: [grid * grid, widths[widths.length - 1]!], name: 'stem_tokens' })
    .apply(x) as SymbolicTensor;
}
