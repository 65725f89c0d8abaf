import { formatProgress, type ProgressSink, type ProgressState } from '../progress.js';

/**
 * Progress on a terminal: one line rewritten in place, as wide as the terminal (re-read every update, so resizing
 * works) and never wider; on a pipe or file (CI logs) a line every `everySeconds` instead. Node only.
 */
export class TerminalProgress implements ProgressSink {
  private lastPrint = 0;
  private inPlace = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly everySeconds = 10,
  ) {}

  /** Columns available for the line (one less than the terminal, so the cursor never wraps). */
  width(): number {
    return this.stream.isTTY ? Math.max(20, (this.stream.columns ?? 120) - 1) : 160;
  }

  progress(state: ProgressState, final: boolean): void {
    const line = formatProgress(state, this.width());
    const now = Date.now() / 1000;
    if (this.stream.isTTY) {
      this.stream.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
      this.inPlace = !final;
    } else if (final || now - this.lastPrint >= this.everySeconds) {
      this.stream.write(`${line}\n`);
      this.lastPrint = now;
    }
  }

  line(text: string): void {
    // Below the in-place progress line, which the next update redraws.
    this.stream.write(`${this.inPlace ? '\n' : ''}${text}\n`);
    this.inPlace = false;
  }
}
