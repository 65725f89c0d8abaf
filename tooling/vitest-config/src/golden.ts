import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { NestedNumbers } from './expect-close.js';

/** One float64 reference case from `golden/attention-seed0.json` (see golden/README.md for the fields). */
export interface GoldenCase {
  kind: 'tssa' | 'causal_tssa' | 'softmax' | 'mssa' | 'ista';
  heads?: number;
  causal?: boolean;
  eta?: number;
  lam?: number;
  [field: string]: NestedNumbers | string | boolean | undefined | NestedNumbers[];
}

const here = dirname(fileURLToPath(import.meta.url));
/** The folder of the vendored copies of `../shared/golden/*.json`, so a clone of the repository alone can run the tests. */
export const GOLDEN_DIR = join(here, '..', 'golden');
/** A vendored copy of `../shared/golden/attention-seed0.json`. */
export const GOLDEN_FILE = join(GOLDEN_DIR, 'attention-seed0.json');

const fileCache = new Map<string, unknown[]>();

/**
 * Every case of one vendored golden file, by name without `.json` ('attention-seed0', 'variants-seed0',
 * 'variants-2-seed0'), parsed once per process. Throws naming the path when the file is missing.
 */
export function loadGoldenFile(name: string): unknown[] {
  const path = join(GOLDEN_DIR, `${name}.json`);
  let cases = fileCache.get(path);
  if (!cases) {
    if (!existsSync(path)) throw new Error(`golden file not found: ${path}`);
    cases = JSON.parse(readFileSync(path, 'utf8')) as unknown[];
    fileCache.set(path, cases);
  }
  return cases;
}

export function loadGoldenCases(kind?: GoldenCase['kind'], file = GOLDEN_FILE): GoldenCase[] {
  if (!existsSync(file)) throw new Error(`golden file not found: ${file}`);
  if (file !== GOLDEN_FILE) return filterKind(JSON.parse(readFileSync(file, 'utf8')) as GoldenCase[], kind);
  return filterKind(loadGoldenFile('attention-seed0') as GoldenCase[], kind);
}

function filterKind(cases: GoldenCase[], kind?: GoldenCase['kind']): GoldenCase[] {
  const selected = kind ? cases.filter((c) => c.kind === kind) : cases;
  if (selected.length === 0) throw new Error(`no golden cases of kind '${kind}'`);
  return selected;
}

/** Shape of a nested list, e.g. [2, 7, 16]. */
export function nestedShape(value: NestedNumbers): number[] {
  const shape: number[] = [];
  let v: NestedNumbers = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0]!;
  }
  return shape;
}

/**
 * One float64 reference case from `golden/variants-seed0.json` (the related-work variants): `kind`, `causal`,
 * `heads`, `x` [B, N, C], `mask` [B, N], `weights` in the variant's `getWeights()` order, `y` [B, N, C] (compare rows
 * where mask = 1); `local` adds `window`, `dilation`; `agent` adds `agents`.
 */
export interface VariantGoldenCase {
  kind: string;
  causal: boolean;
  heads: number;
  x: NestedNumbers;
  mask: NestedNumbers;
  weights: NestedNumbers[];
  y: NestedNumbers;
  window?: number;
  dilation?: number;
  agents?: number;
}

/** A vendored copy of `../shared/golden/variants-seed0.json`. */
export const VARIANTS_GOLDEN_FILE = join(GOLDEN_DIR, 'variants-seed0.json');

/**
 * The variant golden cases of one kind ('linear', 'performer', 'norm_linear', 'lightning', 'flowformer', 'agent',
 * 'sigmoid', 'local', 'aaren'), optionally only the causal or non-causal ones. Throws when none match.
 */
export function loadVariantGoldenCases(kind: string, filter: { causal?: boolean } = {}): VariantGoldenCase[] {
  const selected = (loadGoldenFile('variants-seed0') as VariantGoldenCase[]).filter(
    (c) => c.kind === kind && (filter.causal === undefined || c.causal === filter.causal),
  );
  if (selected.length === 0) {
    throw new Error(
      `no variant golden cases of kind '${kind}'${filter.causal === undefined ? '' : ` (causal ${filter.causal})`}`,
    );
  }
  return selected;
}
