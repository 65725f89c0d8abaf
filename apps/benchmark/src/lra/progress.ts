/** Formats seconds as h:mm:ss or m:ss. */
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

export interface ProgressState {
  step: number;
  totalSteps: number;
  loss: number;
  accuracy: number;
  tokensPerSecond: number;
  elapsedSeconds: number;
  /** Steps done in this process (a resumed run's ETA uses only its own pace). */
  stepsThisSession: number;
  sessionSeconds: number;
}

/** One progress line: a bar, step, loss, accuracy, tokens/s and ETA. */
export function formatProgress(p: ProgressState, width = 24): string {
  const fraction = Math.min(1, p.step / p.totalSteps);
  const filled = Math.round(fraction * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  const pace = p.stepsThisSession > 0 ? p.sessionSeconds / p.stepsThisSession : NaN;
  const eta = (p.totalSteps - p.step) * pace;
  return (
    `${bar} step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)} acc ${(100 * p.accuracy).toFixed(1)}% ` +
    `${Math.round(p.tokensPerSecond).toLocaleString('en-US')} tok/s elapsed ${formatDuration(p.elapsedSeconds)} ETA ${formatDuration(eta)}`
  );
}

/** Writes progress in place on a terminal, or a line every `everySeconds` otherwise (CI logs, files). */
export class ProgressPrinter {
  private lastPrint = 0;
  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly everySeconds = 10,
  ) {}

  update(line: string, force = false): void {
    const now = Date.now() / 1000;
    if (this.stream.isTTY) {
      this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 160) - 1)}\x1b[K`);
      if (force) this.stream.write('\n');
    } else if (force || now - this.lastPrint >= this.everySeconds) {
      this.stream.write(`${line}\n`);
      this.lastPrint = now;
    }
  }
}
