/**
 * Progress lines on stderr for long runs (dln gdln, dln simulate): nothing for a run that ends within a second
 * (a quick command stays quiet), then at most one line per half second, and a last line when the run ends.
 */

/** A progress line for the run's elapsed seconds (ending with '\n'). */
export type ProgressLine = (elapsedSeconds: number) => string;

export interface ProgressOptions {
  readonly write: (line: string) => void;
  /** Milliseconds since some fixed point (tests pass a fake clock). */
  readonly now?: () => number;
  /** Quiet for runs shorter than this. */
  readonly quietMs?: number;
  /** At least this long between two update lines. */
  readonly everyMs?: number;
}

export interface Progress {
  /** Some work is done: a line if the run has gone on past quietMs and the last line is everyMs old. */
  update(line: ProgressLine): void;
  /** The run has ended: a last line if it went on past quietMs (however recent the last update line). */
  finish(line: ProgressLine): void;
}

/** A progress reporter whose clock starts now. */
export function progressLines(options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const quietMs = options.quietMs ?? 1000;
  const everyMs = options.everyMs ?? 500;
  const started = now();
  let last = started;
  let finished = false;
  const elapsed = (t: number): number => (t - started) / 1000;
  return {
    update(line) {
      const t = now();
      if (finished || t - started < quietMs || t - last < everyMs) return;
      last = t;
      options.write(line(elapsed(t)));
    },
    finish(line) {
      const t = now();
      if (finished || t - started < quietMs) return;
      finished = true;
      options.write(line(elapsed(t)));
    },
  };
}
