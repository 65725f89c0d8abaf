import type { LraSettings } from './presets.js';

/**
 * Learning rate at a 1-based step. `rsqrt` is the LRA text tasks' schedule (spec lra.md):
 * base · min(1, step/warmup) / sqrt(max(step, warmup)). `cosine`: linear warm-up, then cosine decay to 0.
 */
export function learningRateAt(
  step: number,
  s: Pick<LraSettings, 'learningRate' | 'warmup' | 'steps' | 'schedule'>,
): number {
  const t = Math.max(step, 1);
  const warmup = Math.max(s.warmup, 1);
  if (s.schedule === 'rsqrt')
    return (s.learningRate * Math.min(1, t / warmup)) / Math.sqrt(Math.max(t, warmup));
  if (t <= warmup) return (s.learningRate * t) / warmup;
  const progress = Math.min(1, (t - warmup) / Math.max(1, s.steps - warmup));
  return s.learningRate * 0.5 * (1 + Math.cos(Math.PI * progress));
}
