import { readExplainSections } from '../render/explain-sections.js';
import { parseArgs } from 'node:util';
import { rerenderScalingOutputs, runScalingCommand } from '../scaling/command.js';
import type { ScalingMode } from '../scaling/workloads.js';
import {
  checkAttentions,
  commaList,
  nonNegativeInt,
  positiveInt,
  positiveNumber,
  selectBackend,
} from './options.js';

export const DEFAULT_SCALING_LENGTHS = [256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];
export const DEFAULT_DECODE_POSITIONS = [64, 256, 1024, 4096];

/** `tost-bench scaling`: time and peak memory vs sequence length per attention variant (see src/scaling/). */
export async function scalingCli(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      attention: { type: 'string' },
      lengths: { type: 'string' },
      dim: { type: 'string' },
      heads: { type: 'string' },
      batch: { type: 'string' },
      mode: { type: 'string' },
      backend: { type: 'string' },
      repeats: { type: 'string' },
      warmup: { type: 'string' },
      'time-limit': { type: 'string' },
      'memory-limit': { type: 'string' },
      budget: { type: 'string' },
      'decode-positions': { type: 'string' },
      lra: { type: 'string' },
      explain: { type: 'string' },
      out: { type: 'string' },
      rerender: { type: 'boolean' },
    },
    strict: true,
  });
  const outDir = values.out ?? 'bench-results/scaling';
  const lraDir = values.lra ?? 'runs';
  const explainDirs = commaList(values.explain);
  const extraSections = explainDirs ? readExplainSections(explainDirs) : undefined;
  if (values.rerender) {
    await rerenderScalingOutputs(outDir, lraDir, extraSections);
    return;
  }
  const mode = values.mode ?? 'train';
  if (mode !== 'train' && mode !== 'forward')
    throw new Error(`--mode must be forward or train, got '${mode}'`);
  const attentions = checkAttentions(
    commaList(values.attention) ?? ['tssa', 'causal-tssa', 'softmax', 'mssa'],
  );
  const lengths =
    commaList(values.lengths)?.map((v) => positiveInt(v, 'lengths')!) ?? DEFAULT_SCALING_LENGTHS;
  const decodePositions =
    values['decode-positions'] === 'none'
      ? []
      : (commaList(values['decode-positions'])?.map((v) => positiveInt(v, 'decode-positions')!) ??
        DEFAULT_DECODE_POSITIONS);
  const dim = positiveInt(values.dim, 'dim') ?? 256;
  const heads = positiveInt(values.heads, 'heads') ?? 4;
  if (dim % heads !== 0) throw new Error(`--dim (${dim}) must be divisible by --heads (${heads})`);
  const budget = positiveNumber(values.budget, 'budget');
  await selectBackend(values.backend);
  await runScalingCommand({
    mode: mode as ScalingMode,
    attentions,
    lengths,
    dim,
    heads,
    batch: positiveInt(values.batch, 'batch') ?? 1,
    warmup: nonNegativeInt(values.warmup, 'warmup') ?? 1,
    repeats: positiveInt(values.repeats, 'repeats') ?? 5,
    timeLimitSeconds: positiveNumber(values['time-limit'], 'time-limit') ?? 60,
    memoryLimitBytes: (positiveNumber(values['memory-limit'], 'memory-limit') ?? 3072) * 2 ** 20,
    decodePositions,
    ...(budget !== undefined ? { budgetSeconds: budget } : {}),
    outDir,
    lraDir,
    ...(extraSections ? { extraSections } : {}),
  });
}
