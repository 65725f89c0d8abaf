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
/** A vendored copy of `../shared/golden/attention-seed0.json`, so a clone of the repository alone can run the tests. */
export const GOLDEN_FILE = join(here, '..', 'golden', 'attention-seed0.json');

let cache: GoldenCase[] | undefined;

export function loadGoldenCases(kind?: GoldenCase['kind'], file = GOLDEN_FILE): GoldenCase[] {
  if (!existsSync(file)) throw new Error(`golden file not found: ${file}`);
  if (file !== GOLDEN_FILE) return filterKind(JSON.parse(readFileSync(file, 'utf8')) as GoldenCase[], kind);
  cache ??= JSON.parse(readFileSync(file, 'utf8')) as GoldenCase[];
  return filterKind(cache, kind);
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
