import * as tfl from '@tensorflow/tfjs-layers';
import { generate } from '@tost/models';
import { LM_CONFIG, decodeIds, encodeText } from './lm-config.js';

export interface LoadedLM {
  model: tfl.LayersModel;
  vocab: string[];
}

/** Loads the committed model (public/lm/model.json + weights.bin) and its character vocabulary. */
export async function loadLM(base: string): Promise<LoadedLM> {
  const response = await fetch(`${base}lm/vocab.json`);
  if (!response.ok) throw new Error(`could not fetch ${base}lm/vocab.json: HTTP ${response.status}`);
  const vocab = (await response.json()) as string[];
  const model = await tfl.loadLayersModel(`${base}lm/model.json`);
  return { model, vocab };
}

export interface StreamOptions {
  maxNewTokens: number;
  temperature: number;
  /** Called with each new character and the milliseconds it took to compute (repaint time excluded). */
  onToken: (text: string, milliseconds: number) => void;
}

/**
 * Streams `maxNewTokens` characters after `prompt` (causal TSSA's constant-cost streaming decoder). Returns the mean
 * milliseconds per token. Throws when prompt + tokens exceed the model's context.
 */
export async function streamText(lm: LoadedLM, prompt: string, options: StreamOptions): Promise<number> {
  const ids = encodeText(prompt, lm.vocab);
  if (ids.length === 0) throw new RangeError('Prompt: type at least one character');
  // The model was trained on windows of `trainLength` characters: later positions are untrained.
  if (ids.length + options.maxNewTokens > LM_CONFIG.trainLength) {
    throw new RangeError(
      `Prompt (${ids.length}) + tokens (${options.maxNewTokens}) must be at most ${LM_CONFIG.trainLength} characters ` +
        '(the context the model was trained on)',
    );
  }
  let last = performance.now();
  const started = last;
  let paused = 0;
  await generate(lm.model, ids, {
    maxNewTokens: options.maxNewTokens,
    temperature: options.temperature,
    seed: 1,
    onToken: async ([id]) => {
      const now = performance.now();
      options.onToken(decodeIds([id!], lm.vocab), now - last);
      // Let the page repaint between tokens; that wait is not the model's time.
      await new Promise((resolve) => requestAnimationFrame(resolve));
      last = performance.now();
      paused += last - now;
    },
  });
  return (performance.now() - started - paused) / options.maxNewTokens;
}
