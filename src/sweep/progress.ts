/**
 * Progress of a sweep on stderr: on a terminal a bar redrawn in place with rate and ETA; otherwise (a log file,
 * a cluster job) a plain line every few seconds; or nothing.
 */

export type ProgressMode = 'bar' | 'lines' | 'off';

export interface ProgressSink {
  write(text: string): void;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class Progress {
  private done = 0;
  private failed = 0;
  private lastDraw = -Infinity;
  private readonly started: number;

  /**
   * @param total points this run must finish (those already on disk excluded)
   * @param already points found finished on disk (a resumed run)
   */
  constructor(
    private readonly total: number,
    private readonly already: number,
    private readonly mode: ProgressMode,
    private readonly sink: ProgressSink,
    private readonly intervalMs = mode === 'bar' ? 100 : 5000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
    // Plain lines start after one interval: a first line at point 1 would only report the start-up cost.
    if (mode === 'lines') this.lastDraw = this.started;
    if (mode !== 'off' && already > 0) sink.write(`resuming: ${already} point(s) already done, ${total} to go\n`);
  }

  tick(failed: boolean): void {
    this.done++;
    if (failed) this.failed++;
    const t = this.now();
    if (t - this.lastDraw >= this.intervalMs) {
      this.lastDraw = t;
      this.draw(false);
    }
  }

  finish(): void {
    // A resumed run with nothing left has said so in its first line; "0/0 points" would only confuse.
    if (this.total === 0) return;
    this.draw(true);
  }

  /** "37/120 points (31%), 12.4 pt/s, ETA 7s, 1 failed" */
  status(): string {
    const elapsed = (this.now() - this.started) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const eta = rate > 0 ? (this.total - this.done) / rate : Infinity;
    const pct = this.total === 0 ? 100 : Math.floor((100 * this.done) / this.total);
    const failed = this.failed ? `, ${this.failed} failed` : '';
    return `${this.done}/${this.total} points (${pct}%), ${rate.toFixed(1)} pt/s, ${this.done < this.total ? `ETA ${formatDuration(eta)}` : `took ${formatDuration(elapsed)}`}${failed}`;
  }

  private draw(final: boolean): void {
    if (this.mode === 'off') return;
    if (this.mode === 'lines') {
      this.sink.write(`sweep: ${this.status()}\n`);
      return;
    }
    const width = 30;
    const filled = this.total === 0 ? width : Math.round((width * this.done) / this.total);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    this.sink.write(`\r\x1b[2K${bar} ${this.status()}${final ? '\n' : ''}`);
  }
}
