import type { LraTaskName } from '@tost/lra';

export type { LraSettings, PresetName } from '../runs/lra-result.js';
import { LRA_TASK_ORDER, type LraSettings, type PresetName } from '../runs/lra-result.js';

/**
 * `paper`: the LRA repository's configurations (LRA, arXiv 2011.04006, "Standard model settings"): layers, width, heads, MLP,
 * batch, learning rate, steps, warm-up, pooling and positions as published.
 */
const PAPER: Record<LraTaskName, LraSettings> = {
  listops: {
    depth: 4,
    dim: 512,
    heads: 8,
    mlpRatio: 2,
    batchSize: 32,
    learningRate: 0.05,
    steps: 5000,
    warmup: 1000,
    schedule: 'rsqrt',
    weightDecay: 0.1,
    clipNorm: 0,
    dropout: 0.1,
    attentionDropout: 0.1,
    pooling: 'cls',
    positional: 'learned',
    maxLength: 2000,
    evalEvery: 500,
    evalBatches: 64,
    checkpointEvery: 250,
  },
  text: {
    depth: 4,
    dim: 256,
    heads: 4,
    mlpRatio: 4,
    batchSize: 32,
    learningRate: 0.05,
    steps: 20000,
    warmup: 8000,
    schedule: 'rsqrt',
    weightDecay: 0.1,
    clipNorm: 0,
    dropout: 0.1,
    attentionDropout: 0.1,
    pooling: 'cls',
    positional: 'learned',
    maxLength: 4096,
    evalEvery: 1000,
    evalBatches: 64,
    checkpointEvery: 500,
  },
  retrieval: {
    depth: 4,
    dim: 128,
    heads: 4,
    mlpRatio: 4,
    batchSize: 32,
    learningRate: 0.05,
    steps: 5000,
    warmup: 8000,
    schedule: 'rsqrt',
    weightDecay: 0.1,
    clipNorm: 0,
    dropout: 0.1,
    attentionDropout: 0.1,
    pooling: 'cls',
    positional: 'learned',
    maxLength: 4000,
    evalEvery: 500,
    evalBatches: 64,
    checkpointEvery: 250,
  },
  image: {
    depth: 1,
    dim: 128,
    heads: 8,
    mlpRatio: 1,
    batchSize: 256,
    learningRate: 5e-4,
    steps: 35000,
    warmup: 175,
    schedule: 'cosine',
    weightDecay: 0,
    clipNorm: 0,
    dropout: 0.3,
    attentionDropout: 0.2,
    pooling: 'cls',
    positional: 'learned',
    maxLength: 1024,
    evalEvery: 1000,
    evalBatches: 20,
    checkpointEvery: 500,
  },
  pathfinder: {
    depth: 4,
    dim: 32,
    heads: 4,
    mlpRatio: 1,
    batchSize: 512,
    learningRate: 1e-3,
    steps: 62400,
    warmup: 312,
    schedule: 'cosine',
    weightDecay: 0,
    clipNorm: 0,
    dropout: 0.2,
    attentionDropout: 0.2,
    pooling: 'mean',
    positional: 'sinusoidal',
    maxLength: 1024,
    evalEvery: 2000,
    evalBatches: 20,
    checkpointEvery: 1000,
  },
  pathx: {
    depth: 1,
    dim: 32,
    heads: 2,
    mlpRatio: 1,
    batchSize: 64,
    learningRate: 1e-3,
    steps: 500000,
    warmup: 2500,
    schedule: 'cosine',
    weightDecay: 0,
    clipNorm: 1,
    dropout: 0.2,
    attentionDropout: 0.2,
    pooling: 'mean',
    positional: 'sinusoidal',
    maxLength: 16384,
    evalEvery: 5000,
    evalBatches: 20,
    checkpointEvery: 1000,
  },
};

/**
 * `quick`: a scaled-down profile that finishes in minutes on two CPU cores (the wasm backend is single-threaded):
 * small models, short sequences, a few hundred steps. Its accuracies are NOT comparable with the published ones;
 * runs say so in their output and the report marks them.
 *
 * ListOps quick data: generated trees of 16 < length ≤ maxLength + 1 symbols (so nothing is truncated), 4,000 / 300 /
 * 300 examples (QUICK_LISTOPS_DATA). Pathfinder quick data: 2,000 generated 32×32 images (the full 1,024-pixel
 * sequence is kept; that is what makes Pathfinder slow, so its quick run is short and may stay near chance).
 * Tuned so that `tost-bench quick` (ListOps + Pathfinder, tssa + softmax) takes about 10 minutes and both
 * attentions beat the majority class on quick ListOps.
 */
const QUICK: Record<LraTaskName, Partial<LraSettings>> = {
  listops: {
    depth: 2,
    dim: 32,
    heads: 2,
    mlpRatio: 2,
    batchSize: 16,
    learningRate: 2e-3,
    steps: 400,
    warmup: 40,
    schedule: 'cosine',
    weightDecay: 0.01,
    clipNorm: 1,
    dropout: 0,
    attentionDropout: 0,
    maxLength: 128,
    evalEvery: 200,
    evalBatches: 4,
    checkpointEvery: 100,
  },
  text: {
    depth: 2,
    dim: 64,
    heads: 4,
    mlpRatio: 2,
    batchSize: 16,
    learningRate: 2e-3,
    steps: 300,
    warmup: 30,
    schedule: 'cosine',
    weightDecay: 0.01,
    clipNorm: 1,
    dropout: 0,
    attentionDropout: 0,
    maxLength: 512,
    evalEvery: 100,
    evalBatches: 8,
    checkpointEvery: 50,
  },
  retrieval: {
    depth: 2,
    dim: 64,
    heads: 4,
    mlpRatio: 2,
    batchSize: 16,
    learningRate: 2e-3,
    steps: 300,
    warmup: 30,
    schedule: 'cosine',
    weightDecay: 0.01,
    clipNorm: 1,
    dropout: 0,
    attentionDropout: 0,
    maxLength: 512,
    evalEvery: 100,
    evalBatches: 8,
    checkpointEvery: 50,
  },
  image: {
    depth: 1,
    dim: 64,
    heads: 4,
    mlpRatio: 1,
    batchSize: 32,
    learningRate: 1e-3,
    steps: 300,
    warmup: 30,
    dropout: 0.1,
    attentionDropout: 0.1,
    evalEvery: 100,
    evalBatches: 8,
    checkpointEvery: 50,
  },
  pathfinder: {
    depth: 1,
    dim: 32,
    heads: 2,
    mlpRatio: 2,
    batchSize: 16,
    learningRate: 2e-3,
    steps: 60,
    warmup: 6,
    dropout: 0,
    attentionDropout: 0,
    clipNorm: 1,
    evalEvery: 30,
    evalBatches: 2,
    checkpointEvery: 20,
  },
  pathx: {
    depth: 1,
    dim: 32,
    heads: 2,
    mlpRatio: 1,
    batchSize: 4,
    learningRate: 1e-3,
    steps: 100,
    warmup: 10,
    dropout: 0,
    attentionDropout: 0,
    evalEvery: 50,
    evalBatches: 4,
    checkpointEvery: 25,
  },
};

/** Generator settings of quick ListOps: short trees that fit `maxLength` tokens untruncated (NOT the published data). */
export function QUICK_LISTOPS_DATA(maxLength: number) {
  return { counts: { train: 4000, val: 300, test: 300 }, minLength: 16, maxLength: maxLength + 1 };
}

/** Quick Pathfinder / Path-X data: 2,000 generated images (the release has 200,000). */
export const QUICK_PATHFINDER_DATA = { batches: 4, imagesPerBatch: 500 };

/** One line saying which profile runs, for the log. */
/** What the banner needs besides the preset: where the data comes from and which settings were overridden. */
export interface PresetContext {
  data: 'generated' | 'released';
  /** Settings given on the command line that differ from the preset's. */
  overridden?: Partial<Pick<LraSettings, 'steps' | 'batchSize' | 'maxLength'>>;
  /** The preset's own settings (to say what was overridden). */
  presetSettings?: LraSettings;
}

const OVERRIDE_NAMES = { steps: 'steps', batchSize: 'batch', maxLength: 'length' } as const;

/** The one-line banner of an LRA run: preset, shape, data source, and whether it is the published setting. */
export function describePreset(
  task: LraTaskName,
  preset: PresetName,
  s: LraSettings,
  context: PresetContext = { data: preset === 'quick' ? 'generated' : 'released' },
): string {
  const shape = `depth ${s.depth}, dim ${s.dim}, heads ${s.heads}, mlp ${Math.round(s.mlpRatio * s.dim)}, length ${s.maxLength}, batch ${s.batchSize}, ${s.steps} steps, lr ${s.learningRate} (${s.schedule})`;
  const overridden = Object.entries(context.overridden ?? {}).filter(([, v]) => v !== undefined) as [
    keyof typeof OVERRIDE_NAMES,
    number,
  ][];
  const changes = overridden
    .map(
      ([k, v]) =>
        `${OVERRIDE_NAMES[k]} ${v}${context.presetSettings ? ` instead of ${context.presetSettings[k]}` : ''}`,
    )
    .join(', ');
  const data =
    context.data === 'generated'
      ? preset === 'quick'
        ? `generated data, ${task === 'listops' ? 'short trees' : 'few images'}`
        : 'generated data'
      : 'the released data files';
  if (preset === 'paper') {
    if (overridden.length === 0) return `PAPER preset: the published LRA settings (${shape}; ${data}).`;
    return (
      `PAPER preset with overrides (${changes}): NOT the published LRA settings (${shape}; ${data}). ` +
      'Accuracies are not directly comparable with the published LRA numbers.'
    );
  }
  return (
    `QUICK preset${overridden.length > 0 ? ` with overrides (${changes})` : ''}: a scaled-down profile for two CPU ` +
    `cores (${shape}; ${data}). Accuracies are NOT comparable with the published LRA numbers.`
  );
}

export function lraSettings(task: LraTaskName, preset: PresetName): LraSettings {
  const paper = PAPER[task];
  if (!paper) throw new Error(`unknown LRA task '${task}'; expected one of ${Object.keys(PAPER).join(', ')}`);
  return preset === 'paper' ? { ...paper } : { ...paper, ...QUICK[task] };
}

export const LRA_TASKS = LRA_TASK_ORDER;
