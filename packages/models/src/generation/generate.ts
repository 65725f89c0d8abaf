import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { canPrefill, isStreamingAttention, type StreamingAttention } from '@tost/attention';
import { CAUSAL_LM_LAYERS } from '../builders/causal-lm.js';
import type { LearnedPositionalEmbedding } from '../layers/learned-positional-embedding.js';
import { seededRandom } from '../util/seeded-random.js';
import { requireOneOf, requirePositiveInteger } from '../util/validation.js';

export interface GenerateOptions {
  maxNewTokens: number;
  /** 0 = greedy (argmax); otherwise logits / temperature are sampled. Default 1. */
  temperature?: number;
  /** Sample only among the k most likely tokens (0 / undefined = all). */
  topK?: number;
  /** Seed of the sampler (a seeded JS PRNG, so both decoding paths draw the same numbers). Default 0. */
  seed?: number;
  /**
   * 'auto' (default) streams when every attention implements `StreamingAttention` (a variant whose descriptor says
   * `streaming`), else re-runs the prefix.
   */
  mode?: 'auto' | 'stream' | 'prefix';
  /**
   * Called after each new token with the new id of every prompt and its 0-based index among the new tokens; a
   * returned promise is awaited (e.g. to let a page repaint). Default: none.
   */
  onToken?: (ids: number[], index: number) => void | Promise<void>;
}

/** A streaming state of any variant (opaque here: only its layer reads it). */
type StreamingState = unknown;

/** Picks the next token from one row of logits (host-side, so both decoding paths share it exactly). */
export function sampleToken(
  logits: ArrayLike<number>,
  { temperature, topK, random }: { temperature: number; topK: number; random: () => number },
): number {
  const n = logits.length;
  let best = 0;
  for (let i = 1; i < n; i++) if (logits[i]! > logits[best]!) best = i;
  if (temperature === 0) return best;
  let candidates = Array.from({ length: n }, (_, i) => i);
  if (topK > 0 && topK < n)
    candidates = candidates.sort((a, b) => logits[b]! - logits[a]! || a - b).slice(0, topK);
  const top = logits[best]!;
  const weights = candidates.map((i) => Math.exp((logits[i]! - top) / temperature));
  const total = weights.reduce((s, w) => s + w, 0);
  let r = random() * total;
  for (let k = 0; k < candidates.length; k++) {
    r -= weights[k]!;
    if (r < 0) return candidates[k]!;
  }
  return candidates[candidates.length - 1]!;
}

function blockCount(model: tfl.LayersModel): number {
  let depth = 0;
  while (model.layers.some((l) => l.name === `block${depth}_attn`)) depth++;
  return depth;
}

const isStreaming = isStreamingAttention;

function maybeLayer(model: tfl.LayersModel, name: string): tfl.layers.Layer | undefined {
  return model.layers.find((l) => l.name === name);
}

/**
 * One-token-at-a-time decoder over a `buildCausalLM` model: every layer is the model's own (same weights), applied
 * to [B, 1, C]; the attentions advance their running-sum state. Cost per token does not depend on the position.
 */
class StreamingDecoder {
  private readonly blocks: {
    ln1: tfl.layers.Layer;
    attention: StreamingAttention;
    scale1?: tfl.layers.Layer;
    ln2: tfl.layers.Layer;
    fc1: tfl.layers.Layer;
    fc2: tfl.layers.Layer;
    scale2?: tfl.layers.Layer;
  }[] = [];
  private readonly embedding: tfl.layers.Layer;
  private readonly positions: LearnedPositionalEmbedding;
  private readonly finalNorm: tfl.layers.Layer;
  private states: StreamingState[];
  private position = 0;

  constructor(model: tfl.LayersModel, batch: number) {
    this.embedding = model.getLayer(CAUSAL_LM_LAYERS.embedding);
    this.positions = model.getLayer(CAUSAL_LM_LAYERS.positions) as LearnedPositionalEmbedding;
    this.finalNorm = model.getLayer(CAUSAL_LM_LAYERS.finalNorm);
    for (let i = 0; i < blockCount(model); i++) {
      const attention = model.getLayer(`block${i}_attn`);
      if (!isStreaming(attention)) throw new Error(`generate: block${i}_attn has no streaming state`);
      this.blocks.push({
        ln1: model.getLayer(`block${i}_ln1`),
        attention,
        scale1: maybeLayer(model, `block${i}_attn_scale`),
        ln2: model.getLayer(`block${i}_ln2`),
        fc1: model.getLayer(`block${i}_mlp_fc1`),
        fc2: model.getLayer(`block${i}_mlp_fc2`),
        scale2: maybeLayer(model, `block${i}_mlp_scale`),
      });
    }
    this.states = this.blocks.map((b) => b.attention.initState(batch));
  }

  /** Consumes tokens [B] at the next position; returns the logits [B, vocab] (caller disposes). */
  step(tokens: number[]): tf.Tensor2D {
    const batch = tokens.length;
    const newStates: StreamingState[] = [];
    // step() keeps its results out of any enclosing tidy (its contract): dispose the outputs here.
    const attentionOutputs: tf.Tensor[] = [];
    const logits = tf.tidy(() => {
      const ids = tf.tensor2d(tokens, [batch, 1], 'int32');
      let x = tf.add(
        this.embedding.apply(ids) as tf.Tensor,
        this.positions.positions(this.position, 1),
      ) as tf.Tensor;
      this.blocks.forEach((b, i) => {
        const h = tf.reshape(b.ln1.apply(x) as tf.Tensor, [batch, -1]);
        const { output, state } = b.attention.step(this.states[i]!, h);
        newStates.push(state);
        attentionOutputs.push(output);
        let a: tf.Tensor = tf.expandDims(output, 1);
        if (b.scale1) a = b.scale1.apply(a) as tf.Tensor;
        x = tf.add(x, a);
        let m = b.fc2.apply(b.fc1.apply(b.ln2.apply(x) as tf.Tensor) as tf.Tensor) as tf.Tensor;
        if (b.scale2) m = b.scale2.apply(m) as tf.Tensor;
        x = tf.add(x, m);
      });
      const out = this.embedding.apply(this.finalNorm.apply(x) as tf.Tensor) as tf.Tensor;
      return tf.reshape(out, [batch, -1]) as tf.Tensor2D;
    });
    tf.dispose(attentionOutputs);
    this.disposeStates();
    this.states = newStates;
    this.position++;
    return logits;
  }

  /** Whether every block's attention can consume a whole prompt at once (`StreamingAttention.prefill`). */
  get canPrefill(): boolean {
    return this.blocks.every((b) => canPrefill(b.attention));
  }

  /**
   * Consumes the prompts' tokens [B][L] at the next L positions at once, each attention chunk-wise through its
   * `prefill` (same outputs and states as L calls of `step`); returns the logits of the last position [B, vocab]
   * (caller disposes). Requires `canPrefill`.
   */
  prefill(tokens: number[][]): tf.Tensor2D {
    const [batch, length] = [tokens.length, tokens[0]!.length];
    const newStates: StreamingState[] = [];
    const attentionOutputs: tf.Tensor[] = [];
    const logits = tf.tidy(() => {
      const ids = tf.tensor2d(tokens.flat(), [batch, length], 'int32');
      let x = tf.add(
        this.embedding.apply(ids) as tf.Tensor,
        this.positions.positions(this.position, length),
      ) as tf.Tensor;
      this.blocks.forEach((b, i) => {
        const { output, state } = b.attention.prefill!(this.states[i]!, b.ln1.apply(x) as tf.Tensor);
        newStates.push(state);
        attentionOutputs.push(output);
        let a: tf.Tensor = output;
        if (b.scale1) a = b.scale1.apply(a) as tf.Tensor;
        x = tf.add(x, a);
        let m = b.fc2.apply(b.fc1.apply(b.ln2.apply(x) as tf.Tensor) as tf.Tensor) as tf.Tensor;
        if (b.scale2) m = b.scale2.apply(m) as tf.Tensor;
        x = tf.add(x, m);
      });
      const last = tf.slice(x, [0, length - 1, 0], [batch, 1, -1]);
      const out = this.embedding.apply(this.finalNorm.apply(last) as tf.Tensor) as tf.Tensor;
      return tf.reshape(out, [batch, -1]) as tf.Tensor2D;
    });
    tf.dispose(attentionOutputs);
    this.disposeStates();
    this.states = newStates;
    this.position += length;
    return logits;
  }

  private disposeStates(): void {
    this.states.forEach((s, i) => this.blocks[i]!.attention.disposeState(s));
  }

  dispose(): void {
    this.disposeStates();
    this.states = [];
  }
}

/**
 * Autoregressive generation from a `buildCausalLM` model. `promptIds` is one prompt (number[]) or a batch of prompts
 * of equal length (number[][]); returns the prompt(s) followed by `maxNewTokens` generated ids, in the same form.
 *
 * With streaming attentions (causal TSSA, causal linear attentions, …: `StreamingAttention`) the decoder streams:
 * each new token costs the same whatever its position (the attention keeps a fixed-size state). Otherwise (e.g.
 * 'softmax-causal') every new token re-runs the model on the whole prefix.
 */
export async function generate(
  model: tfl.LayersModel,
  promptIds: number[] | number[][],
  options: GenerateOptions,
): Promise<number[] | number[][]> {
  const owner = 'generate';
  if (!Array.isArray(promptIds)) {
    throw new TypeError(
      `${owner}: 'promptIds' must be an array of token ids (or of prompts), got ${String(promptIds)}`,
    );
  }
  if (options == null || typeof options !== 'object') {
    throw new TypeError(`${owner}: expected an options object with 'maxNewTokens', got ${String(options)}`);
  }
  const single = !Array.isArray(promptIds[0]);
  const prompts = (single ? [promptIds as number[]] : (promptIds as number[][])).map((p) => [...p]);
  if (
    prompts.length === 0 ||
    prompts[0]!.length === 0 ||
    prompts.some((p) => p.length !== prompts[0]!.length)
  ) {
    throw new RangeError(
      `${owner}: 'promptIds' must be a non-empty prompt or a batch of prompts of equal, non-zero length`,
    );
  }
  prompts.forEach((p, b) =>
    p.forEach((id, t) => {
      if (!Number.isInteger(id) || id < 0) {
        throw new RangeError(
          `${owner}: 'promptIds' must hold non-negative integer token ids, got ${String(id)} at ` +
            (single ? `[${t}]` : `[${b}][${t}]`),
        );
      }
    }),
  );
  const maxNewTokens = requirePositiveInteger(owner, 'maxNewTokens', options?.maxNewTokens);
  const temperature = options.temperature ?? 1;
  if (typeof temperature !== 'number' || !(temperature >= 0)) {
    throw new RangeError(
      `${owner}: option 'temperature' must be a number ≥ 0 (0 = greedy), got ${String(temperature)}`,
    );
  }
  const topK = options.topK ?? 0;
  if (!Number.isInteger(topK) || topK < 0) {
    throw new RangeError(
      `${owner}: option 'topK' must be an integer ≥ 0 (0 = no limit), got ${String(topK)}`,
    );
  }
  const positions = model.getLayer(CAUSAL_LM_LAYERS.positions) as LearnedPositionalEmbedding;
  const total = prompts[0]!.length + maxNewTokens;
  if (total > positions.maxLength) {
    throw new RangeError(
      `${owner}: prompt length ${prompts[0]!.length} + maxNewTokens ${maxNewTokens} = ${total} exceeds the model's ` +
        `maxLength ${positions.maxLength}`,
    );
  }
  const depth = blockCount(model);
  // A block's short convolution keeps the last k−1 inputs, a state the streaming decoder does not carry.
  const shortConv = model.layers.some((l) => l.getClassName() === 'ShortConvolution');
  const canStream =
    depth > 0 &&
    !shortConv &&
    Array.from({ length: depth }, (_, i) => model.getLayer(`block${i}_attn`)).every(isStreaming);
  const mode = requireOneOf(owner, 'mode', options.mode, ['auto', 'stream', 'prefix'] as const, 'auto');
  if (mode === 'stream' && !canStream) {
    throw new Error(
      shortConv
        ? `${owner}: mode 'stream' does not support blocks with a short convolution (shortConv); use 'prefix' or 'auto'`
        : `${owner}: mode 'stream' needs a streaming attention (initState/step, e.g. causal TSSA) in every block`,
    );
  }
  const stream = mode === 'stream' || (mode === 'auto' && canStream);
  const random = seededRandom(options.seed ?? 0);
  let produced = 0;
  const pick = async (rows: Float32Array | Int32Array | Uint8Array, vocab: number) => {
    prompts.forEach((p, b) =>
      p.push(sampleToken(rows.subarray(b * vocab, (b + 1) * vocab), { temperature, topK, random })),
    );
    await options.onToken?.(
      prompts.map((p) => p[p.length - 1]!),
      produced++,
    );
  };

  if (stream) {
    const decoder = new StreamingDecoder(model, prompts.length);
    try {
      const promptLength = prompts[0]!.length;
      let t = 0;
      if (decoder.canPrefill && maxNewTokens > 0) {
        // The whole prompt at once, chunk-wise (e.g. GLA, DeltaNet): the same states as token-by-token steps.
        const logits = decoder.prefill(prompts.map((p) => p.slice()));
        await pick(await logits.data(), logits.shape[1]);
        logits.dispose();
        t = promptLength;
      }
      for (; t < promptLength + maxNewTokens - 1; t++) {
        const logits = decoder.step(prompts.map((p) => p[t]!));
        if (t >= promptLength - 1) await pick(await logits.data(), logits.shape[1]);
        logits.dispose();
      }
    } finally {
      decoder.dispose();
    }
  } else {
    for (let n = 0; n < maxNewTokens; n++) {
      const length = prompts[0]!.length;
      const last = tf.tidy(() => {
        const logits = model.predict(
          tf.tensor2d(prompts.flat(), [prompts.length, length], 'int32'),
        ) as tf.Tensor3D;
        const vocab = logits.shape[2];
        return tf.reshape(tf.slice(logits, [0, length - 1, 0], [prompts.length, 1, vocab]), [
          prompts.length,
          vocab,
        ]);
      });
      await pick(await last.data(), last.shape[1]!);
      last.dispose();
    }
  }
  return single ? prompts[0]! : prompts;
}
