import { LISTOPS_PUBLISHED, type LraTaskName, type PathfinderDifficulty } from '@tost/lra';
import { PATHFINDER_PUBLISHED } from '@tost/lra/node';

export type { LraSettings, PresetName } from '../runs/lra-result.js';
import { LRA_TASK_ORDER, type LraSettings, type PresetName } from '../runs/lra-result.js';

/**
 * The LRA repository's configurations (Tay et al., arXiv:2011.04006, and the authors' `lra_benchmarks/<task>/configs`):
 * layers, width, heads, MLP, batch, learning rate, steps, warm-up, pooling and positions as published.
 */
const PUBLISHED: Record<LraTaskName, LraSettings> = {
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
 * `paper`: the published settings with one change for every task and every attention: pooling 'class-attention' (the
 * ToST/XCiT head: one learned query attending with softmax over all real tokens, linear in N). One aggregator for all
 * keeps the comparison fair, and TSSA — which mixes tokens only through per-head statistics — reads little through a
 * CLS token or a mean (measured on quick ListOps: docs/results). `describePreset` names the difference in every run.
 */
const PAPER: Record<LraTaskName, LraSettings> = Object.fromEntries(
  Object.entries(PUBLISHED).map(([task, s]) => [task, { ...s, pooling: 'class-attention' }]),
) as Record<LraTaskName, LraSettings>;

/** The quick profile of the two byte-level tasks (Text and Retrieval: 512 bytes per document). */
const QUICK_BYTE_TASKS: Partial<LraSettings> = {
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
};

/**
 * `quick`: a scaled-down profile that finishes in minutes on two CPU cores (the wasm backend is single-threaded):
 * small models, short sequences, a few hundred steps. Its accuracies are NOT comparable with the published ones;
 * every run's banner lists what differs from the published setting, and the report marks quick runs.
 *
 * Every task keeps at least 4 heads (TSSA's membership Π is a distribution over heads; 2 starve it) and pools with
 * class attention like the paper preset. ListOps quick data: generated trees of 16 < length ≤ maxLength + 1 symbols (so
 * nothing is truncated), 4,000 / 300 / 300 examples (QUICK_LISTOPS_DATA). Pathfinder quick data: 2,000 generated
 * 32×32 images of the easy contour setting (QUICK_PATHFINDER_DATA; the full 1,024-pixel sequence is kept, which is
 * what makes Pathfinder slow). Measured on the development machine (wasm, seed 1): quick ListOps TSSA 35.3 %, softmax
 * 36.0 % (majority 17 %); quick Pathfinder stays at chance for both. Probes that did not learn either (test accuracy
 * 48–52 %, training loss stuck at ln 2): 120 steps of 8 and 150 (TSSA) of 16 at 32×32; 500 steps of 16 at 32×32
 * (TSSA); the same images max-pooled to 16×16 (256 tokens), depth 2, 2,000 steps of 16 (both memorise the 1,600
 * training images: loss 0.52, test at chance); 16,000 generated 16×16 images, depth 2, 3,000 steps of 16 (TSSA) and
 * 500 (softmax): loss 0.693 throughout. Pathfinder needs far longer training than a quick profile can give, so it gets
 * only 60 small steps: the budget goes to the task that carries signal.
 * `tost-bench quick` (ListOps + Pathfinder, tssa + softmax) took 3 minutes on two cores (2026-11-29, wasm: ListOps
 * TSSA 18 s, softmax 107 s; Pathfinder 6 s and 28 s).
 */
const QUICK: Record<LraTaskName, Partial<LraSettings>> = {
  listops: {
    depth: 2,
    dim: 32,
    heads: 4,
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
  text: QUICK_BYTE_TASKS,
  retrieval: QUICK_BYTE_TASKS,
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
    heads: 4,
    mlpRatio: 2,
    batchSize: 8,
    learningRate: 2e-3,
    steps: 60,
    warmup: 6,
    dropout: 0,
    attentionDropout: 0,
    clipNorm: 1,
    evalEvery: 30,
    evalBatches: 4,
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

/** Quick Pathfinder / Path-X data: generated images of the easy contour setting (NOT the published data). */
export const QUICK_PATHFINDER_DATA: {
  batches: number;
  imagesPerBatch: number;
  difficulty: PathfinderDifficulty;
} = {
  batches: 4,
  imagesPerBatch: 500,
  difficulty: 'easy',
};

/** Settings that shape the model or its training (the rest only set how often to evaluate and save). */
const COMPARED_SETTINGS: (keyof LraSettings)[] = [
  'depth',
  'dim',
  'heads',
  'mlpRatio',
  'batchSize',
  'learningRate',
  'steps',
  'warmup',
  'schedule',
  'weightDecay',
  'clipNorm',
  'dropout',
  'attentionDropout',
  'pooling',
  'positional',
  'maxLength',
];

/** `key value (published value)` for every model/training setting of `s` that is not the published one. */
export function differencesFromPublished(task: LraTaskName, s: LraSettings): string[] {
  const published = PUBLISHED[task];
  return COMPARED_SETTINGS.filter((key) => s[key] !== published[key]).map(
    (key) => `${key} ${String(s[key])} (published ${String(published[key])})`,
  );
}

/** How the quick preset's generated data differ from the released data, in words. */
function quickDataDifference(task: LraTaskName, s: LraSettings): string {
  if (task === 'listops') {
    const d = QUICK_LISTOPS_DATA(s.maxLength);
    const p = LISTOPS_PUBLISHED;
    return (
      `data: ${d.counts.train.toLocaleString('en-US')} generated trees of ${d.minLength + 1}–${d.maxLength - 1} tokens ` +
      `(published ${p.counts.train.toLocaleString('en-US')} of ${p.minLength + 1}–${p.maxLength - 1})`
    );
  }
  if (task === 'pathfinder' || task === 'pathx') {
    const d = QUICK_PATHFINDER_DATA;
    const images = d.batches * d.imagesPerBatch;
    const published = PATHFINDER_PUBLISHED.batches * PATHFINDER_PUBLISHED.imagesPerBatch;
    return (
      `data: ${images.toLocaleString('en-US')} generated images, ${d.difficulty} contours ` +
      `(published ${published.toLocaleString('en-US')}, hard)`
    );
  }
  return 'data: the released files';
}

/** What the banner needs besides the preset: where the data comes from and which settings were overridden. */
export interface PresetContext {
  data: 'generated' | 'released';
  /** Settings given on the command line that differ from the preset's. */
  overridden?: Partial<Pick<LraSettings, 'steps' | 'batchSize' | 'maxLength'>>;
  /** The preset's own settings (to say what was overridden). */
  presetSettings?: LraSettings;
}

const OVERRIDE_NAMES = { steps: 'steps', batchSize: 'batch', maxLength: 'length' } as const;

/**
 * The one-line banner of an LRA run: preset, shape, data source, overrides, and every setting that differs from the
 * published one (for the quick preset, the generated data too).
 */
export function describePreset(
  task: LraTaskName,
  preset: PresetName,
  s: LraSettings,
  context: PresetContext = { data: preset === 'quick' ? 'generated' : 'released' },
): string {
  const shape = `depth ${s.depth}, dim ${s.dim}, heads ${s.heads}, mlp ${Math.round(s.mlpRatio * s.dim)}, length ${s.maxLength}, batch ${s.batchSize}, ${s.steps} steps, lr ${s.learningRate} (${s.schedule}), pooling ${s.pooling}`;
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
  const differences = differencesFromPublished(task, s);
  if (preset === 'paper') {
    const published = differences.length
      ? `the published LRA settings except ${differences.join(', ')}`
      : 'the published LRA settings';
    if (overridden.length === 0) return `PAPER preset: ${published} (${shape}; ${data}).`;
    return (
      `PAPER preset with overrides (${changes}): NOT the published LRA settings; differs in ${differences.join(', ')} ` +
      `(${shape}; ${data}). Accuracies are not directly comparable with the published LRA numbers.`
    );
  }
  if (context.data === 'generated') differences.push(quickDataDifference(task, s));
  return (
    `QUICK preset${overridden.length > 0 ? ` with overrides (${changes})` : ''}: a scaled-down profile for two CPU ` +
    `cores (${shape}; ${data}). Differs from the published setting in: ${differences.join(', ')}. ` +
    'Accuracies are NOT comparable with the published LRA numbers.'
  );
}

export function lraSettings(task: LraTaskName, preset: PresetName): LraSettings {
  const paper = PAPER[task];
  if (!paper) throw new Error(`unknown LRA task '${task}'; expected one of ${Object.keys(PAPER).join(', ')}`);
  return preset === 'paper' ? { ...paper } : { ...paper, ...QUICK[task] };
}

export const LRA_TASKS = LRA_TASK_ORDER;
