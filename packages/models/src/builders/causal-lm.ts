import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import {
  blockStack,
  maybeDropout,
  validateBlockStack,
  type AttentionStackSpec,
  type BlockStackOptions,
} from '../blocks/encoder.js';
import { LayerCache } from '../generation/layer-cache.js';
import { LearnedPositionalEmbedding } from '../layers/learned-positional-embedding.js';
import { TokenEmbedding } from '../layers/token-embedding.js';
import { layerNorm } from '../blocks/tost-block.js';
import { withSeededRandom } from '../util/seeded-random.js';
import {
  applyPreset,
  checkBuilderOptions,
  CORE_STACK_OPTION_NAMES,
  validateBuildOptions,
} from './build-options.js';
import { ToSTModel } from './tost-model.js';
import { LANGUAGE_PRESETS, type LanguagePresetName } from './presets.js';
import { requirePositiveInteger } from '../util/validation.js';

export interface CausalLMOptions {
  /**
   * A published size ('tost-lm-base' | 'tost-lm-medium' | 'tost-lm-large', see LANGUAGE_PRESETS): its vocabSize,
   * maxLength, dim, depth and heads are the defaults of those options (options given explicitly win).
   */
  preset?: LanguagePresetName;
  /** Required unless `preset` gives it. */
  vocabSize?: number;
  /** Context length: learned positions and causal TSSA's per-position bias have this many rows. Required unless `preset` gives it. */
  maxLength?: number;
  /** Required unless `preset` gives it (also depth, heads). */
  dim?: number;
  depth?: number;
  heads?: number;
  mlpRatio?: number;
  /** A causal attention: 'causal-tssa' (default), 'softmax-causal' or a factory; or one per block (`AttentionStackSpec`). */
  attention?: AttentionStackSpec;
  /**
   * Width k ≥ 2 of a causal short convolution on each block's normalised input before the attention (default off).
   * The streaming decoder of `generate` does not carry its state: with it, 'auto' decodes by re-running the window.
   */
  shortConv?: number;
  dropout?: number;
  attentionDropout?: number;
  /** γ init (spec: 1e-5 in the language model). */
  layerScaleInit?: number | false;
  /** LayerNorm epsilon (spec: 1e-5 in the language model). */
  layerNormEpsilon?: number;
  /** Seeds every weight initialiser: the same seed builds the same weights, bit for bit (default unseeded). */
  seed?: number;
  name?: string;
}

/** Layer names the streaming decoder relies on. */
export const CAUSAL_LM_LAYERS = {
  embedding: 'token_embedding',
  positions: 'positions',
  finalNorm: 'final_ln',
} as const;

/** Every option of `buildCausalLM` (the type keeps it complete: a new option must be listed here). */
const OPTION_NAMES: Record<keyof CausalLMOptions, true> = {
  ...CORE_STACK_OPTION_NAMES,
  name: true,
  seed: true,
  vocabSize: true,
  maxLength: true,
  layerNormEpsilon: true,
  preset: true,
  shortConv: true,
};

/**
 * GPT-2-style ToST language model (ToST, arXiv 2412.17810, "Language ToST"): learned positions, pre-norm ToST blocks with a causal
 * attention, LayerNorm eps 1e-5, layer scale 1e-5, final LayerNorm, tied head logits = h·Eᵀ (the embedding layer is
 * applied a second time to the hidden states). Input token ids [B, L] with any L ≤ maxLength (no padding: a language
 * model sees contiguous text); output logits [B, L, vocabSize]. Returns a `ToSTModel` (its `dispose` frees the tied
 * embedding too; `compile` with 'sparseCategoricalCrossentropy' trains on the logits correctly).
 */
export function buildCausalLM(options: CausalLMOptions): ToSTModel {
  const owner = 'buildCausalLM';
  checkBuilderOptions(owner, options, OPTION_NAMES);
  options = applyPreset(owner, options, LANGUAGE_PRESETS, [
    'vocabSize',
    'maxLength',
    'dim',
    'depth',
    'heads',
  ]);
  const stack = validateBlockStack(
    owner,
    // dim, depth and heads may still be missing here: validateBlockStack names them.
    { ...options, block: 'tost', attention: options.attention ?? 'causal-tssa' } as BlockStackOptions,
    { layerScaleInit: 1e-5, layerNormEpsilon: 1e-5 },
  );
  const vocabSize = requirePositiveInteger(owner, 'vocabSize', options.vocabSize);
  const maxLength = requirePositiveInteger(owner, 'maxLength', options.maxLength);
  const { seed } = validateBuildOptions(owner, { seed: options.seed });
  return withSeededRandom(seed, () => buildLayers(options, stack, vocabSize, maxLength));
}

function buildLayers(
  options: CausalLMOptions,
  stack: ReturnType<typeof validateBlockStack>,
  vocabSize: number,
  maxLength: number,
): ToSTModel {
  const owner = 'buildCausalLM';
  const layers = new LayerCache();
  const ids = tfl.input({ shape: [null], dtype: 'int32', name: 'token_ids' });
  const embedding = new TokenEmbedding({ vocabSize, dim: stack.dim, name: CAUSAL_LM_LAYERS.embedding });
  let x = embedding.apply(ids) as SymbolicTensor;
  x = new LearnedPositionalEmbedding({ maxLength, dim: stack.dim, name: CAUSAL_LM_LAYERS.positions }).apply(
    x,
  ) as SymbolicTensor;
  x = maybeDropout(x, stack.dropout, 'embedding_dropout', layers);
  x = blockStack(x, undefined, stack, { owner, causal: true, maxLength, layers });
  x = layerNorm(layers, CAUSAL_LM_LAYERS.finalNorm, stack.layerNormEpsilon).apply(x) as SymbolicTensor;
  const logits = embedding.apply(x) as SymbolicTensor;
  return new ToSTModel({ inputs: ids, outputs: logits, name: options.name ?? 'causal_lm' });
}
