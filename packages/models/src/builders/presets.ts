import type { BlockKind } from '../blocks/encoder.js';

export type VisionPresetName = 'tost-t' | 'tost-s' | 'tost-m' | 'crate-t' | 'crate-s' | 'crate-b' | 'crate-l';
export type LanguagePresetName = 'tost-lm-base' | 'tost-lm-medium' | 'tost-lm-large';

export interface VisionPreset {
  dim: number;
  depth: number;
  heads: number;
  block: BlockKind;
  attention: string;
  /** Published parameter count at 224 px, patch 16, 1000 classes. */
  publishedParameters: number;
}

/** Spec tssa.md ("Vision ToST") and crate.md ("Sizes"). ToST-M is "not fully pinned down in the public code". */
export const VISION_PRESETS: Record<VisionPresetName, VisionPreset> = {
  'tost-t': { dim: 192, depth: 12, heads: 4, block: 'tost', attention: 'tssa', publishedParameters: 5.8e6 },
  'tost-s': { dim: 384, depth: 12, heads: 8, block: 'tost', attention: 'tssa', publishedParameters: 22.6e6 },
  'tost-m': { dim: 512, depth: 24, heads: 8, block: 'tost', attention: 'tssa', publishedParameters: 68.1e6 },
  'crate-t': {
    dim: 384,
    depth: 12,
    heads: 6,
    block: 'crate',
    attention: 'mssa',
    publishedParameters: 6.09e6,
  },
  'crate-s': {
    dim: 576,
    depth: 12,
    heads: 12,
    block: 'crate',
    attention: 'mssa',
    publishedParameters: 13.12e6,
  },
  'crate-b': {
    dim: 768,
    depth: 12,
    heads: 12,
    block: 'crate',
    attention: 'mssa',
    publishedParameters: 22.8e6,
  },
  'crate-l': {
    dim: 1024,
    depth: 24,
    heads: 16,
    block: 'crate',
    attention: 'mssa',
    publishedParameters: 77.64e6,
  },
};

export interface LanguagePreset {
  vocabSize: number;
  maxLength: number;
  dim: number;
  depth: number;
  heads: number;
  publishedParameters: number;
}

/** Spec tssa.md ("Language ToST"): GPT-2 vocabulary (50257) and context 1024. */
export const LANGUAGE_PRESETS: Record<LanguagePresetName, LanguagePreset> = {
  'tost-lm-base': {
    vocabSize: 50257,
    maxLength: 1024,
    dim: 768,
    depth: 12,
    heads: 12,
    publishedParameters: 110e6,
  },
  'tost-lm-medium': {
    vocabSize: 50257,
    maxLength: 1024,
    dim: 1024,
    depth: 24,
    heads: 16,
    publishedParameters: 304e6,
  },
  'tost-lm-large': {
    vocabSize: 50257,
    maxLength: 1024,
    dim: 1280,
    depth: 36,
    heads: 20,
    publishedParameters: 655e6,
  },
};
