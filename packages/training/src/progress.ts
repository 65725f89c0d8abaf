/** Formats seconds as h:mm:ss or m:ss ('--:--' when unknown). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0
    ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}`
    : `${m}:${String(r).padStart(2, '0')}`;
}

/** Where a training run stands, for one progress line. */
export interface ProgressState {
  step: number;
  totalSteps: number;
  /** Recent mean training loss and accuracy (0–1). */
  loss: number;
  accuracy: number;
  /** Input elements (tokens for token models) per second over the last step, all replicas together. */
  tokensPerSecond: number;
  /** Per replica (data-parallel training): its input elements per second of its own compute time. */
  replicaTokensPerSecond?: number[];
  elapsedSeconds: number;
  /** Steps done in this process (a resumed run's ETA uses only its own pace). */
  stepsThisSession: number;
  sessionSeconds: number;
  /**
   * Seconds from the session's start to the end of its first step, which also compiles kernels (and, in `fit`,
   * profiles memory). Once later steps exist it is left out of the pace, so the first ETAs after a start or a resume
   * are not inflated by it.
   */
  firstStepSeconds?: number;
}

/**
 * Seconds per step of this session, wall time (validation and checkpoints count): the time after the first step over
 * the later steps when `firstStepSeconds` is given and later steps exist, else the mean over all steps; NaN before the
 * first step.
 */
export function sessionPace(p: ProgressState): number {
  if (p.stepsThisSession <= 0) return NaN;
  if (p.firstStepSeconds !== undefined && p.stepsThisSession > 1) {
    const after = p.sessionSeconds - p.firstStepSeconds;
    if (Number.isFinite(after) && after >= 0) return after / (p.stepsThisSession - 1);
  }
  return p.sessionSeconds / p.stepsThisSession;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * One progress line no wider than `width` columns: step, loss, accuracy and ETA always (they are what a person
 * watches for); then, while they fit, tokens/s, elapsed time, per-replica tokens/s and a bar of 10–24 cells.
 */
export function formatProgress(p: ProgressState, width = 120): string {
  const eta = `ETA ${formatDuration((p.totalSteps - p.step) * sessionPace(p))}`;
  const core = [
    `step ${p.step}/${p.totalSteps}`,
    `loss ${p.loss.toFixed(4)}`,
    `acc ${(100 * p.accuracy).toFixed(1)}%`,
  ];
  // Optional fields, most useful first; each is placed at its column when it fits.
  const optional: { text: string; slot: 'afterCore' | 'beforeEta' }[] = [
    { text: `${count(p.tokensPerSecond)} tok/s`, slot: 'afterCore' },
    { text: `elapsed ${formatDuration(p.elapsedSeconds)}`, slot: 'beforeEta' },
  ];
  if (p.replicaTokensPerSecond && p.replicaTokensPerSecond.length > 1) {
    optional.push({
      text: `workers ${p.replicaTokensPerSecond.map(count).join('|')} tok/s`,
      slot: 'afterCore',
    });
  }
  const chosen: typeof optional = [];
  const assemble = (parts: typeof optional) =>
    [
      ...core,
      ...parts.filter((o) => o.slot === 'afterCore').map((o) => o.text),
      ...parts.filter((o) => o.slot === 'beforeEta').map((o) => o.text),
      eta,
    ].join(' ');
  if (assemble([]).length > width) {
    // Very narrow: the step and the ETA.
    return `${p.step}/${p.totalSteps} ${eta}`.slice(-Math.max(width, 1));
  }
  for (const o of optional) {
    if (assemble([...chosen, o]).length <= width) chosen.push(o);
  }
  const line = assemble(chosen);
  const room = width - line.length - 1;
  if (room < 10) return line;
  const cells = Math.min(24, room);
  const filled = Math.round(Math.min(1, Math.max(0, p.step / p.totalSteps)) * cells);
  return `${'█'.repeat(filled)}${'░'.repeat(cells - filled)} ${line}`;
}

/** Receives a run's progress: a state after every step and free-text lines (validation results). */
export interface ProgressSink {
  progress(state: ProgressState, final: boolean): void;
  line(text: string): void;
}
