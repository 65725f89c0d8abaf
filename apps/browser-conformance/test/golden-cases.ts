// The ONE place that maps the vendored float64 golden files onto registered variants (construction options and weight
// order). Everything else reads goldenCasesFor(descriptor). Variants without golden cases get [] and are still checked
// on random inputs (gradients vs cpu, masks, leaks, save/load).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GOLDEN_FILE, VARIANTS_GOLDEN_FILE, type NestedNumbers } from '@tost/vitest-config';
import type { RegisteredAttention } from '@tost/variants';
import type { GoldenInput, Nested } from '../src/cases.js';

type Json = Record<string, unknown> & { kind: string; heads?: number; causal?: boolean };

function read(file: string): Json[] {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Json[]) : [];
}

/** attention-seed0 (TSSA family, softmax, MSSA), variants-seed0, and variants-2-seed0 once it is vendored. */
const FILES = {
  attention: GOLDEN_FILE,
  variants: VARIANTS_GOLDEN_FILE,
  variants2: join(dirname(VARIANTS_GOLDEN_FILE), 'variants-2-seed0.json'),
};
let cache: Record<keyof typeof FILES, Json[]> | undefined;
const load = () =>
  (cache ??= {
    attention: read(FILES.attention),
    variants: read(FILES.variants),
    variants2: read(FILES.variants2),
  });

const n3 = (v: unknown) => v as number[][][];

/** Input of the case's first rows: [batch, seq, dim] of `x`. */
function seqOf(c: Json): number {
  return n3(c.x)[0]!.length;
}

/**
 * The golden forward cases of one registered variant, mapped to its options and `getWeights()` order.
 * attention-seed0 kinds have their own field layout (tssa, causal_tssa, softmax, mssa); the variants files list
 * `weights` in the layer's order and name the kind after the variant (`norm-linear-causal` → kind `norm_linear`,
 * causal), with extra options as fields (`window`, `dilation`, `agents`; Performer's feature count is the width of
 * its projection weight).
 */
export function goldenCasesFor(descriptor: RegisteredAttention): GoldenInput[] {
  const { attention, variants, variants2 } = load();
  const name = descriptor.name;
  const out: GoldenInput[] = [];
  const push = (file: string, index: number, c: Json, options: Record<string, unknown>, weights: unknown[]) =>
    out.push({
      label: `${file} #${index} (x ${n3(c.x).length}×${seqOf(c)}×${n3(c.x)[0]![0]!.length}, heads ${c.heads})`,
      options: { heads: c.heads, ...options },
      x: n3(c.x),
      ...(c.mask ? { mask: c.mask as number[][] } : {}),
      weights: weights as Nested[],
      y: n3(c.y),
    });

  attention.forEach((c, i) => {
    const file = 'attention-seed0';
    if (c.kind === 'tssa' && name === 'tssa') {
      push(file, i, c, {}, [c.qkvKernel, c.qkvBias, c.temp, c.outKernel, c.outBias]);
    } else if (c.kind === 'causal_tssa' && name === 'causal-tssa') {
      const maxLength = (c.denomBias as NestedNumbers[][])[0]!.length;
      push(file, i, c, { maxLength, useBias: true }, [
        c.qkvKernel,
        c.qkvBias,
        c.temp,
        c.denomBias,
        c.outKernel,
        c.outBias,
      ]);
    } else if (c.kind === 'softmax' && name === (c.causal ? 'softmax-causal' : 'softmax')) {
      push(file, i, c, {}, c.weights as unknown[]);
    } else if (c.kind === 'mssa' && name === 'mssa') {
      push(file, i, c, {}, [c.qkvKernel, c.outKernel, c.outBias]);
    }
  });

  const kind = name.replace(/-causal$/, '').replace(/-/g, '_');
  for (const [file, cases] of [
    ['variants-seed0', variants],
    ['variants-2-seed0', variants2],
  ] as const) {
    cases.forEach((c, i) => {
      if (c.kind !== kind || Boolean(c.causal) !== descriptor.causal) return;
      const options: Record<string, unknown> = {};
      for (const key of ['window', 'dilation', 'agents'] as const)
        if (c[key] !== undefined) options[key] = c[key];
      const weights = c.weights as NestedNumbers[][];
      if (descriptor.options?.features && weights[8])
        options.features = (weights[8][0] as NestedNumbers[]).length;
      push(file, i, c, options, weights);
    });
  }
  return out;
}
