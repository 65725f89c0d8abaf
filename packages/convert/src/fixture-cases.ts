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

/** An image-classifier fixture: its .safetensors file keeps the head. */
function visionCase(
  name: string,
  arch: Architecture,
  keys: FixtureCase['keys'],
  options: ImportOptions,
): FixtureCase {
  return { name, arch, keys, vision: true, options, headInSafetensors: true };
}

/** A language-model fixture (vocabulary 64, context 32, width 32, 2 blocks, 4 heads) with the authors' flags. */
function lmCase(
  name: string,
  arch: Architecture,
  flags: Pick<Parameters<typeof gptKeys>[0], 'tssa' | 'bias' | 'layerScale' | 'maskBuffer'>,
  options: ImportOptions,
  headInSafetensors: boolean,
): FixtureCase {
  const keys = gptKeys({ V: 64, T: 32, C: 32, depth: 2, H: 4, ...flags });
  return { name, arch, keys, vision: false, options, headInSafetensors };
}

export const FIXTURE_CASES: FixtureCase[] = [
  visionCase('tost-vision', 'tost-vision', tostVisionKeys(32, 2, 4, 10), { imageSize: 32 }),
  visionCase('tost-vision-p16', 'tost-vision', tostVisionKeys(32, 1, 4, 10, 16), { imageSize: 32 }),
  visionCase('crate', 'crate', crateKeys(32, 2, 8, 16, 10), { heads: 4 }),
  lmCase('tost-lm', 'tost-lm', { tssa: true, bias: false, layerScale: true, maskBuffer: false }, {}, false),
  lmCase(
    'tost-lm-softmax',
    'gpt2',
    { tssa: false, bias: false, layerScale: true, maskBuffer: true },
    { heads: 4 },
    false,
  ),
  lmCase(
    'nanogpt',
    'gpt2',
    { tssa: false, bias: true, layerScale: false, maskBuffer: true },
    { heads: 4 },
    true,
  ),
];
