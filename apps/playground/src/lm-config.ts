/** The playground language model's shape and its character codec (shared by the training script and the page). */
export const LM_CONFIG = {
  /** Rows of the position tables in the saved model (only the first `trainLength` are trained). */
  maxLength: 256,
  dim: 64,
  depth: 2,
  heads: 4,
  attention: 'causal-tssa',
  /** γ of the layer scales: 1 (not the paper's 1e-5) lets a model this small learn in a few minutes. */
  layerScaleInit: 1,
  /**
   * Training windows (characters) and batch size. Positions past `trainLength` never appear in training, so their
   * learned embeddings are untrained: prompt + generated characters must fit in `trainLength`.
   */
  trainLength: 64,
  batch: 16,
} as const;

/** Characters → ids in `vocab` (sorted distinct characters of the corpus); unknown characters map to the space. */
export function encodeText(text: string, vocab: readonly string[]): number[] {
  const index = new Map(vocab.map((c, i) => [c, i]));
  const fallback = index.get(' ') ?? 0;
  return Array.from(text, (c) => index.get(c) ?? index.get(c.toLowerCase()) ?? fallback);
}

/** ids → text. */
export function decodeIds(ids: readonly number[], vocab: readonly string[]): string {
  return ids.map((i) => vocab[i] ?? '?').join('');
}
