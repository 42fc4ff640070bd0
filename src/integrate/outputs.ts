/**
 * Output times: the state at each of SolverOptions.outputTimes, recorded as the run passes it.
 */

/** The interpolant of the step just accepted, evaluated at t in it into out[outOff … outOff + n). */
export interface StepInterpolant {
  interpolate(t: number, out: Float64Array, outOff: number): void;
}

/**
 * Records the state at each output time once the run has passed it: interpolated on the step just taken (the
 * store's last step, which is all a store without dense output keeps, or the integrator's own stages), or the
 * step's end state itself when an output time is exactly the step's end.
 */

export class OutputTracker {
  readonly times: ArrayLike<number>;
  readonly n: number;
  /** Index of the first output time not yet recorded. */
  next = 0;
  /** m·n states when there is no callback; empty otherwise. */
  readonly values: Float64Array;
  private readonly onOutput: ((index: number, t: number, y: Float64Array) => void) | undefined;
  private readonly scratch: Float64Array | null;

  constructor(
    times: ArrayLike<number>,
    n: number,
    onOutput: ((index: number, t: number, y: Float64Array) => void) | undefined,
  ) {
    this.times = times;
    this.n = n;
    this.onOutput = onOutput;
    this.values = onOutput === undefined ? new Float64Array(times.length * n) : new Float64Array(0);
    this.scratch = onOutput === undefined ? null : new Float64Array(n);
  }

  /**
   * After an accepted step ending at (tEnd, yEnd) — or with an empty store, at the start — records every output
   * time ≤ upTo (≤ tEnd) not yet recorded.
   */
  advance(step: StepInterpolant, tEnd: number, yEnd: Float64Array, upTo = tEnd): void {
    const times = this.times;
    const m = times.length;
    const n = this.n;
    while (this.next < m && times[this.next]! <= upTo) {
      const k = this.next++;
      const t = times[k]!;
      const out = this.scratch ?? this.values;
      const off = this.scratch ? 0 : k * n;
      if (t === tEnd) {
        for (let i = 0; i < n; i++) out[off + i] = yEnd[i]!;
      } else {
        step.interpolate(t, out, off);
      }
      if (this.onOutput) this.onOutput(k, t, out);
    }
  }
}
