/**
 * DOPRI5 for many small autonomous solves that keep their steps for the caller to evaluate: the same method,
 * step-size control and stopping rule as `dopri5`, built from the same parts — DopriWork's step and error
 * (dopri5.ts), the controller objects (controllers.ts: `HairerPI` with `DOPRI5_PI`, or `PredictiveControl`),
 * the non-finite retry (`NonFiniteRetry`, loop.ts) and Hairer's starting step (initial-step.ts) — in a lean
 * loop without what a general solve carries: no option validation, no run context, no dense store, no events,
 * no solution object, no stiffness switch. The clock method of src/reduced/clock.ts is its user, once per
 * mode (≈ 15 steps), which is why this loop is not runAdaptive's: that one needs a run context and a dense
 * store per run, the per-mode overhead this recorder was written to remove (docs/integrators.md, "Speed").
 *
 * It does not recover from what it does not handle: when a step fails (budget, step-size underflow,
 * non-finite state) it stops and says so, and the caller solves another way.
 */
import { DOPRI5_PI, HairerPI, PredictiveControl } from './controllers.ts';
import { hairerInitialStep } from './initial-step.ts';
import { EPS, NonFiniteRetry } from './loop.ts';
import { WorkPool } from './memory.ts';
import { DopriWork } from './dopri5.ts';
import type { RightHandSide, SolverStats } from './types.ts';
import type { Status } from '../util/status.ts';

/** Asked after every accepted step whether the caller takes over from there (see SolverOptions.stopWhen). */
export interface HandOver {
  check(t: number, y: Float64Array): boolean;
}

export interface RecordOptions {
  readonly rtol: number;
  readonly atol: number;
  /** Accepted + rejected steps before the run gives up (status `failed`). */
  readonly maxSteps: number;
  readonly handOver: HandOver | null;
  /**
   * Safety factor of the step-size controller (default 0.9, dopri5.f's). Smaller: more, but fewer rejected,
   * steps, for solutions whose derivatives keep growing (which a controller extrapolating the last error
   * underestimates).
   */
  readonly safety?: number;
  /**
   * 'hairer' (default): dopri5.f's PI controller, so the steps are `dopri5`'s. 'predictive': see
   * PredictiveControl (controllers.ts); `safety` is then its PI part's.
   */
  readonly controller?: 'hairer' | 'predictive';
  /** Multiplies Hairer's starting step (default 1). */
  readonly initialStepFactor?: number;
}

/**
 * `ok`: reached tEnd. `stopped`: handOver.check returned true at tReached. `failed`: a step failed there.
 * @deprecated The same type as `Status` of src/util/status.ts.
 */
export type RecordStatus = Status;

export interface RecordedRun {
  readonly status: Status;
  readonly tReached: number;
  readonly stats: SolverStats;
  readonly steps: RecordedSteps;
}

/**
 * The accepted steps of a recorded run: per step its start and end time and the five coefficient vectors of
 * DopriWork.coefficients. While the run goes they are written into a shared scratch array; `finish` copies
 * them into an array of their exact size. (Plain arrays of doubles: on the heap, unlike a Float64Array of this
 * size, whose off-heap allocation, and the garbage of growing one, cost more than a small solve.)
 */
export class RecordedSteps {
  readonly n: number;
  /** The state at t = 0. */
  readonly y0: Float64Array;
  count = 0;
  private buf: number[];
  private finished = false;

  constructor(n: number, y0: Float64Array) {
    this.n = n;
    // A loop, not Float64Array.from (which goes through the iterator) or set (costly for a few doubles).
    const copy = new Float64Array(n);
    for (let i = 0; i < n; i++) copy[i] = y0[i]!;
    this.y0 = copy;
    this.buf = takeScratch();
  }

  /** Room for one more step: its record's offset (the times first, then the coefficients at offset + 2). */
  push(t0: number, t1: number): number {
    const rec = 2 + 5 * this.n;
    const off = this.count++ * rec;
    const buf = this.buf;
    for (let i = buf.length; i < off + rec; i++) buf.push(0.5);
    buf[off] = t0;
    buf[off + 1] = t1;
    return off;
  }

  /** Ends the recording: the steps move from the shared scratch into an array of their own. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const buf = this.buf;
    // slice: a native copy that keeps the packed-doubles element kind (a loop into new Array(len) was 5% of
    // the clock integration).
    const own = buf.slice(0, this.count * (2 + 5 * this.n));
    giveScratch(buf);
    this.buf = own;
  }

  /**
   * Replaces the last step by one DOPRI5 step of size h from the same start (for a caller that wants a step
   * to end exactly at a point it located on the continuous extension, where the extension is an order less
   * accurate than a step's end). Returns the new end state.
   */
  redoLast(rhs: RightHandSide, h: number): Float64Array {
    return this.takeStep(this.count - 1, rhs, h, new Float64Array(this.n), true);
  }

  /**
   * One DOPRI5 step of size h from the start of step j, its end state into out: a state inside a step as
   * accurate as a step's end (the continuous extension is an order less accurate).
   */
  stepFrom(j: number, rhs: RightHandSide, h: number, out: Float64Array): Float64Array {
    return this.takeStep(j, rhs, h, out, false);
  }

  private takeStep(j: number, rhs: RightHandSide, h: number, out: Float64Array, replace: boolean): Float64Array {
    const n = this.n;
    const off = j * (2 + 5 * n);
    const w = pool.take(n);
    const y = w.y;
    for (let i = 0; i < n; i++) y[i] = this.buf[off + 2 + i]!;
    const t0 = this.buf[off]!;
    rhs(0, y, w.k1);
    w.t = t0;
    w.h = h;
    w.tph = t0 + h;
    w.step(rhs, n, y, true);
    if (replace) {
      w.coefficients(y, n, this.buf, off + 2);
      this.buf[off + 1] = t0 + h;
    }
    const y1 = w.y1;
    for (let i = 0; i < n; i++) out[i] = y1[i]!;
    pool.give(n, w);
    return out;
  }

  get data(): number[] {
    return this.buf;
  }
}

/**
 * Step record at `off` evaluated at t into out[outOff …]: θ = (t − t0)/(t1 − t0) in the nested form of
 * DopriWork.coefficients.
 */
export function evaluateStep(
  c: number[],
  off: number,
  n: number,
  t: number,
  out: Float64Array,
  outOff: number,
): Float64Array {
  const t0 = c[off]!;
  const span = c[off + 1]! - t0;
  const theta = span > 0 ? (t - t0) / span : 1;
  const th1 = 1 - theta;
  const o = off + 2;
  for (let i = 0; i < n; i++) {
    out[outOff + i] =
      c[o + i]! +
      theta * (c[o + n + i]! + th1 * (c[o + 2 * n + i]! + theta * (c[o + 3 * n + i]! + th1 * c[o + 4 * n + i]!)));
  }
  return out;
}

/** One scratch array for recordings, reused run after run (a run that finds it taken makes its own). */
let recordScratch: number[] | null = [0.5];

function takeScratch(): number[] {
  const s = recordScratch ?? [0.5];
  recordScratch = null;
  return s;
}

function giveScratch(s: number[]): void {
  // Not kept when a very long run grew it: the scratch exists for the many small runs.
  recordScratch = s.length <= 1 << 16 ? s : [0.5];
}

const pool = new WorkPool((n) => new DopriWork(n));

// Module-level copies of imported bindings: under tsx (CommonJS) each use of an imported binding is a getter
// call, which showed as 5% of a solve in the step loop.
const C_EPS = EPS;
const initialStep = hairerInitialStep;

/**
 * Integrates y' = rhs(y) (autonomous: rhs is called with t = 0) from (0, y0) towards tEnd, recording every
 * accepted step.
 */
export function recordDopri5(
  rhs: RightHandSide,
  n: number,
  y0: Float64Array,
  tEnd: number,
  options: RecordOptions,
): RecordedRun {
  const { rtol, atol, maxSteps, handOver } = options;
  const steps = new RecordedSteps(n, y0);
  const stats: SolverStats = { steps: 0, rejectedSteps: 0, rhsEvaluations: 0, jacobianEvaluations: 0 };
  const w = pool.take(n);
  // One per run (not shared): a run started from inside a right-hand side must not disturb this one's state.
  const controller =
    options.controller === 'predictive' ? new PredictiveControl(options.safety ?? 0.9) : new HairerPI(DOPRI5_PI, options.safety);
  let k1 = w.k1;
  let y: Float64Array = w.y;
  for (let i = 0; i < n; i++) y[i] = y0[i]!;
  let t = 0;
  let status: Status = 'ok';

  rhs(0, y, k1);
  stats.rhsEvaluations++;
  let h: number;
  let finite = true;
  for (let i = 0; i < n; i++) if (!(k1[i]! - k1[i]! === 0)) finite = false;
  if (!finite || !(tEnd > 0)) {
    status = finite ? 'ok' : 'failed';
    h = 0;
  } else {
    h = Math.min((options.initialStepFactor ?? 1) * initialStep(rhs, n, 0, y, k1, rtol, atol, 5, tEnd, w.ytmp, w.k2), tEnd);
    stats.rhsEvaluations++;
  }

  let reject = false;
  const retry = new NonFiniteRetry();
  while (status === 'ok' && tEnd > 0) {
    if (stats.steps + stats.rejectedSteps >= maxSteps || !(0.1 * h > Math.abs(t) * C_EPS) || !(h > 0)) {
      status = 'failed';
      break;
    }
    const err = w.trial(rhs, n, y, t, h, tEnd, true, rtol, atol);
    stats.rhsEvaluations += 6;
    h = w.h;
    const last = w.last;
    const tph = w.tph;
    if (!(err < Infinity)) {
      // The retry of the general loop (loop.ts): h/10 a few times before it gives up.
      stats.rejectedSteps++;
      h = retry.next(h);
      if (h !== h) {
        status = 'failed';
        break;
      }
      reject = true;
      continue;
    }
    retry.reset();
    let hnew = controller.next(h, err);
    if (!(err <= 1)) {
      reject = true;
      stats.rejectedSteps++;
      h = hnew;
      continue;
    }
    stats.steps++;
    const off = steps.push(t, tph);
    w.coefficients(y, n, steps.data, off + 2);
    // FSAL: k7 becomes the next k1; y1 becomes y.
    const y1 = w.y1;
    const k7 = w.k7;
    w.k1 = k7;
    w.k7 = k1;
    k1 = k7;
    w.y1 = y;
    y = y1;
    t = tph;
    if (last) break;
    if (handOver !== null && handOver.check(t, y)) {
      status = 'stopped';
      break;
    }
    if (hnew > tEnd) hnew = tEnd;
    if (reject && hnew > h) hnew = h;
    reject = false;
    h = hnew;
  }
  steps.finish();
  w.y = y;
  pool.give(n, w);
  return { status, tReached: t, stats, steps };
}
