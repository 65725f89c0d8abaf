import type * as tfl from '@tensorflow/tfjs-layers';
import '@tost/models';
import { buildCrate, crateBindings, inferCrate, type CrateConfig } from './architectures/crate.js';
import {
  buildGpt,
  gptBindings,
  inferGpt,
  type GptConfig,
  type InferProvenance,
} from './architectures/gpt.js';
import {
  buildToSTVision,
  inferToSTVision,
  tostVisionBindings,
  type ToSTVisionConfig,
} from './architectures/tost-vision.js';
import type { Binding } from './bindings.js';
import { fillModel, readModel } from './fill-model.js';
import { architectureFromLayers } from './model-config.js';
import { recordedInMetadata } from './recorded-config.js';
import type { StateDict } from './state-dict.js';
import type { TensorData } from './tensor-data.js';

export type Architecture = 'tost-vision' | 'tost-lm' | 'gpt2' | 'crate';
export const ARCHITECTURES: readonly Architecture[] = ['tost-vision', 'tost-lm', 'gpt2', 'crate'];

export type ArchitectureConfig =
  | { arch: 'tost-vision'; config: ToSTVisionConfig }
  | { arch: 'tost-lm' | 'gpt2'; config: GptConfig }
  | { arch: 'crate'; config: CrateConfig };

export interface ImportOptions {
  /** 'auto' (default) recognises the architecture from the key names. */
  arch?: Architecture | 'auto';
  /** ToST vision input side in pixels (default 224); CRATE's is fixed by its positions (checked if given). */
  imageSize?: number;
  /** Heads of a softmax GPT or of CRATE (not stored in their weights); default from the published presets. */
  heads?: number;
  /** ToST vision class-attention `tokens_norm` (default true, as every tost_cab_* model). */
  tokensNorm?: boolean;
}

export interface ImportResult {
  model: tfl.LayersModel;
  arch: Architecture;
  config: ArchitectureConfig['config'];
  /** Trainable parameters (PyTorch's `sum(p.numel() for p in model.parameters())`, tied weights once). */
  parameterCount: number;
  /** One line describing the inferred architecture. */
  summary: string;
  /**
   * Where the values the weights cannot fix came from, one line each (e.g. "heads=4 from model_args.n_head"), then
   * notes on recorded values that were not used.
   */
  sources: string[];
}

/** Key recognised in `userDefinedMetadata` of a converted model (arch and config, for the way back). */
export const METADATA_KEY = 'tostConvert';

/** Recognises the architecture from the key names alone. */
export function detectArchitecture(keys: Iterable<string>): Architecture {
  const list = [...keys];
  const has = (k: string) => list.includes(k);
  if (has('patch_embed.proj.0.0.weight') && list.some((k) => k.startsWith('blocks.0.attn.temp')))
    return 'tost-vision';
  if (has('pos_embedding') && list.some((k) => k.startsWith('transformer.layers.'))) return 'crate';
  if (has('transformer.wte.weight')) return has('transformer.h.0.attn.temp') ? 'tost-lm' : 'gpt2';
  throw new Error(
    `cannot recognise the architecture from the keys (first: ${list.slice(0, 8).join(', ')}); expected the ` +
      `ToST vision (patch_embed.*, blocks.N.attn.temp), CRATE (to_patch_embedding.*, transformer.layers.N.*) or ` +
      `nanoGPT naming (transformer.wte/wpe/h.N.*)`,
  );
}

function architectureOf(
  sd: Map<string, TensorData>,
  options: ImportOptions,
  provenance: InferProvenance,
): ArchitectureConfig {
  const detected = detectArchitecture(sd.keys());
  const arch = options.arch === undefined || options.arch === 'auto' ? detected : options.arch;
  if (!ARCHITECTURES.includes(arch)) {
    throw new RangeError(
      `option 'arch' must be auto or one of ${ARCHITECTURES.join(', ')}, got ${String(arch)}`,
    );
  }
  if (arch !== detected) {
    const hint =
      detected === 'gpt2'
        ? ' (no attn.temp: a softmax GPT)'
        : detected === 'tost-lm'
          ? ' (attn.temp: causal TSSA)'
          : '';
    throw new Error(`option 'arch' is ${arch}, but the keys are those of ${detected}${hint}`);
  }
  switch (arch) {
    case 'tost-vision':
      return { arch, config: inferToSTVision(sd, options) };
    case 'crate': {
      const recorded = provenance.recorded?.heads;
      const config = inferCrate(sd, { ...options, heads: options.heads ?? recorded?.value });
      provenance.sources?.push(
        `heads=${config.heads} from ${options.heads !== undefined ? "option 'heads'" : (recorded?.source ?? 'the CRATE preset of the width (not stored in the file)')}`,
      );
      return { arch, config };
    }
    default: {
      const config = inferGpt(sd, options, provenance);
      return { arch: config.attention === 'causal-tssa' ? 'tost-lm' : 'gpt2', config };
    }
  }
}

function buildAndBind(a: ArchitectureConfig): { model: tfl.LayersModel; bindings: Binding[] } {
  switch (a.arch) {
    case 'tost-vision':
      return { model: buildToSTVision(a.config), bindings: tostVisionBindings(a.config) };
    case 'crate':
      return { model: buildCrate(a.config), bindings: crateBindings(a.config) };
    default:
      return { model: buildGpt(a.config), bindings: gptBindings(a.config) };
  }
}

function bindingsOf(a: ArchitectureConfig): Binding[] {
  if (a.arch === 'tost-vision') return tostVisionBindings(a.config);
  if (a.arch === 'crate') return crateBindings(a.config);
  return gptBindings(a.config);
}

function describe(a: ArchitectureConfig): string {
  const c = a.config as unknown as Record<string, unknown>;
  const fields = Object.entries(c)
    .filter(([k]) => k !== 'conv1d' || c.conv1d)
    .map(([k, v]) => `${k}=${String(v)}`);
  return `${a.arch}: ${fields.join(' ')}`;
}

/**
 * What a safetensors file written by `exportStateDict` records beyond the weights that is not a hyperparameter of
 * `RecordedHyperparameters` (image size, tokens_norm): defaults for the options. Anything unreadable is ignored.
 */
function recordedOptions(metadata: Record<string, string>): ImportOptions {
  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(metadata.config ?? '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
  const int = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);
  return stripUndefined({
    imageSize: int(config.imageSize),
    tokensNorm: typeof config.tokensNorm === 'boolean' ? config.tokensNorm : undefined,
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Builds the tfjs model of a PyTorch state dict and fills its weights. The architecture and its sizes (depth,
 * width, heads where stored, patch size, vocabulary, context, biases) come from the keys and shapes; what they cannot
 * fix comes from `options`. The model's `userDefinedMetadata.tostConvert` records the architecture for
 * `exportStateDict`.
 * Errors: unrecognised keys; a StateDictMismatchError listing missing keys, unexpected keys and shape mismatches;
 * non-float weights; a heads count that must be given.
 */
export function importStateDict(
  stateDict: StateDict | Map<string, TensorData>,
  options: ImportOptions = {},
): ImportResult {
  const tensors = stateDict instanceof Map ? stateDict : stateDict.tensors;
  const metadata = stateDict instanceof Map ? {} : stateDict.metadata;
  const recorded =
    stateDict instanceof Map ? recordedInMetadata({}) : (stateDict.recorded ?? recordedInMetadata(metadata));
  if (options.heads !== undefined && recorded.heads && options.heads !== recorded.heads.value) {
    throw new RangeError(
      `option 'heads' (--heads) is ${options.heads}, but the checkpoint's ${recorded.heads.source} is ` +
        `${recorded.heads.value}; leave the option out or correct the file`,
    );
  }
  const sources: string[] = [];
  const a = architectureOf(
    tensors,
    { ...recordedOptions(metadata), ...stripUndefined(options) },
    { recorded, sources },
  );
  const { model, bindings } = buildAndBind(a);
  try {
    fillModel(model, bindings, tensors, a.arch);
  } catch (err) {
    model.dispose();
    throw err;
  }
  model.setUserDefinedMetadata({ [METADATA_KEY]: { arch: a.arch, config: a.config } as never });
  // PyTorch's count: trainable weights, less the zero biases PyTorch does not have (key-less bindings).
  const size = (shape: readonly (number | null)[]) => shape.reduce((p: number, d) => p * (d ?? 1), 1);
  const zeros = bindings.filter((b) => b.key === undefined).reduce((n, b) => n + size(b.shape), 0);
  const parameterCount = model.trainableWeights.reduce((n, w) => n + size(w.shape), 0) - zeros;
  return {
    model,
    arch: a.arch,
    config: a.config,
    parameterCount,
    summary: describe(a),
    sources: [...sources, ...recorded.notes],
  };
}

/** LayerNorm epsilons the authors' code fixes (1e-5 in nanoGPT's LayerNorm and nn.LayerNorm's default). */
function checkConstants(model: tfl.LayersModel, a: ArchitectureConfig): void {
  for (const l of model.layers) {
    if (l.getClassName() !== 'LayerNormalization') continue;
    const epsilon = (l.getConfig() as { epsilon?: number }).epsilon;
    if (epsilon !== undefined && Math.abs(epsilon - 1e-5) > 1e-12) {
      throw new Error(
        `exportStateDict: LayerNorm '${l.name}' has epsilon ${epsilon}; ${a.arch} in the authors' code uses 1e-5`,
      );
    }
  }
}

/**
 * The PyTorch state dict of a model made by `importStateDict` (or loaded from its saved model.json), under the
 * official key names of the authors' code, so that `load_state_dict(strict=True)` accepts it: BatchNorm's
 * num_batches_tracked (0) and the tied lm_head.weight are included. Also returns metadata for the safetensors header.
 * A model trained here without importing works too when it is a `buildCausalLM` language model or a CRATE
 * `buildVisionClassifier` (see `architectureFromLayers`); anything else is an error saying why.
 */
export function exportStateDict(model: tfl.LayersModel): {
  tensors: Map<string, TensorData>;
  arch: Architecture;
  metadata: Record<string, string>;
} {
  const meta = model.getUserDefinedMetadata() as Record<string, unknown> | undefined;
  const recorded = meta?.[METADATA_KEY] as ArchitectureConfig | undefined;
  const a = recorded && ARCHITECTURES.includes(recorded.arch) ? recorded : architectureFromLayers(model);
  if (a.arch === 'crate' || a.arch === 'gpt2' || a.arch === 'tost-lm') {
    // ISTA step size: model/crate.py takes it as 'ista' (0.1 in every preset); LayerNorm eps is fixed there.
    checkConstants(model, a);
  }
  const heads = String((a.config as { heads?: number }).heads ?? '');
  return {
    tensors: readModel(model, bindingsOf(a)),
    arch: a.arch,
    metadata: { format: 'pt', arch: a.arch, heads, config: JSON.stringify(a.config) },
  };
}
