/** A learning-rate schedule: linear warm-up, then reciprocal square root or cosine decay. */
export interface LearningRateSchedule {
  /** Peak (cosine) or base (rsqrt) learning rate. */
  learningRate: number;
  /** Warm-up steps (linear ramp from 0). */
  warmup: number;
  /** Total steps of the run (cosine reaches 0 at the last step). */
  steps: number;
  schedule: 'rsqrt' | 'cosine';
}

/**
 * Learning rate at a 1-based step.
 * - `rsqrt` (the Transformer schedule of Vaswani et al., arXiv:1706.03762 §5.3, as the LRA reference code uses it):
 *   base · min(1, step/warmup) / √max(step, warmup).
 * - `cosine`: linear warm-up to the peak, then cosine decay to 0 at `steps` (Loshchilov & Hutter, arXiv:1608.03983).
 */
export function learningRateAt(step: number, s: LearningRateSchedule): number {
  const t = Math.max(step, 1);
  const warmup = Math.max(s.warmup, 1);
  if (s.schedule === 'rsqrt')
    return (s.learningRate * Math.min(1, t / warmup)) / Math.sqrt(Math.max(t, warmup));
  if (s.schedule !== 'cosine')
    throw new Error(`learningRateAt: schedule must be 'rsqrt' or 'cosine', got '${String(s.schedule)}'`);
  if (t <= warmup) return (s.learningRate * t) / warmup;
  const progress = Math.min(1, (t - warmup) / Math.max(1, s.steps - warmup));
  return s.learningRate * 0.5 * (1 + Math.cos(Math.PI * progress));
}
