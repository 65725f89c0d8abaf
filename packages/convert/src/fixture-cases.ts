import { crateKeys, gptKeys, tostVisionKeys } from './authors-keys.js';
import type { Architecture, ImportOptions } from './convert.js';

/** The fixtures of tools/fixtures/make_convert_fixtures.py (test-only). */
export interface FixtureCase {
  name: string;
  arch: Architecture;
  /** The authors' state-dict keys and shapes for this configuration. */
  keys: Record<string, number[]>;
  vision: boolean;
  options: ImportOptions;
  /** The .safetensors file leaves out the tied lm_head.weight (as safetensors' save_model does). */
  headInSafetensors: boolean;
}

const lm = { V: 64, T: 32, C: 32, depth: 2, H: 4 };

export const FIXTURE_CASES: FixtureCase[] = [
  {
    name: 'tost-vision',
    arch: 'tost-vision',
    keys: tostVisionKeys(32, 2, 4, 10),
    vision: true,
    options: { imageSize: 32 },
    headInSafetensors: true,
  },
  {
    name: 'tost-vision-p16',
    arch: 'tost-vision',
    keys: tostVisionKeys(32, 1, 4, 10, 16),
    vision: true,
    options: { imageSize: 32 },
    headInSafetensors: true,
  },
  {
    name: 'crate',
    arch: 'crate',
    keys: crateKeys(32, 2, 8, 16, 10),
    vision: true,
    options: { heads: 4 },
    headInSafetensors: true,
  },
  {
    name: 'tost-lm',
    arch: 'tost-lm',
    keys: gptKeys({ ...lm, tssa: true, bias: false, layerScale: true, maskBuffer: false }),
    vision: false,
    options: {},
    headInSafetensors: false,
  },
  {
    name: 'tost-lm-softmax',
    arch: 'gpt2',
    keys: gptKeys({ ...lm, tssa: false, bias: false, layerScale: true, maskBuffer: true }),
    vision: false,
    options: { heads: 4 },
    headInSafetensors: false,
  },
  {
    name: 'nanogpt',
    arch: 'gpt2',
    keys: gptKeys({ ...lm, tssa: false, bias: true, layerScale: false, maskBuffer: true }),
    vision: false,
    options: { heads: 4 },
    headInSafetensors: true,
  },
];
