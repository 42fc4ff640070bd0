/**
 * DOPRI5 for many small solves whose caller wants the state at given output times and nothing else: the same
 * method, step-size control, stiffness test and stopping rule as `dopri5`/`auto` (dopri5.ts, whose stage and
 * error code it calls), without what a general solve carries: no option validation, no run context, no dense
 * store, no events, no solution object. The states at the output times go straight into the caller's buffer.
 *
 * It does not recover from what it does not handle. When the stiffness test fires, or a step fails (budget,
 * step-size underflow, non-finite state), it stops and says so, and the caller re-solves with the general
 * integrator (`auto`), which hands over to RODAS4 or reports the failure with its full message.
 *
 * With `record`, every accepted step's continuous extension is kept (`RecordedSteps`): evaluation anywhere on
 * the solved span, with values identical to the outputs of the same run, since both come from the same
 * coefficients by the same formula. Callers that need dense evaluation only sometimes solve once without it
 * and re-run with it on demand (the run is deterministic).
 */
import { EPS, hairerInitialStep, MAX_NONFINITE_RETRIES, WorkPool } from './common.ts';
import { DopriWork, type StiffnessTest } from './dopri5.ts';
import type { OdeSolution, RightHandSide, SolverStats } from './types.ts';

/** Asked after every accepted step whether the caller takes over from there (see SolverOptions.stopWhen). */
export interface HandOver {
  check(t: number, y: Float64Array): boolean;
}

export interface OutputRunOptions {
  readonly rtol: number;
  readonly atol: number;
  /** Accepted + rejected steps before the run gives up (status `failed`). */
  readonly maxSteps: number;
  /** Stop with status `stiff` when this test fires; null: never. */
  readonly stiffness: StiffnessTest | null;
  readonly handOver: HandOver | null;
  /** Keep every step's continuous extension (OutputRun.steps). */
  readonly record: boolean;
  /**
   * Safety factor of the step-size controller (default 0.9, dopri5.f's). Smaller: more, but fewer rejected,
   * steps, for solutions whose derivatives keep growing (which a controller extrapolating the last error
   * underestimates).
   */
  readonly safety?: number;
}

/**
 * `ok`: reached tEnd. `handedOver`: handOver.check returned true at tReached. `stiff`: the stiffness test fired
 * at tReached. `failed`: a step failed at tReached (the general integrator says how, when re-run).
 */
export type OutputRunStatus = 'ok' | 'handedOver' | 'stiff' | 'failed';

export interface OutputRun {
  readonly status: OutputRunStatus;
  readonly tReached: number;
  /** Output times written (those ≤ tReached). */
  readonly outputsReached: number;
  readonly stats: SolverStats;
  /** State at tReached. */
  readonly yEnd: Float64Array;
  /** With options.record: the accepted steps. */
  readonly steps: RecordedSteps | null;
}

/**
 * The accepted steps of a recorded run: per step its start and end time and the five coefficient vectors of
 * DopriWork.coefficients. While the run goes they are written into a shared scratch array; `finish` copies
 * them into an array of their exact size. (Plain arrays of doubles: on the heap, unlike a Float64Array of this
 * size, whose off-heap allocation, and the garbage of growing one, cost more than a small solve.)
 */
export class RecordedSteps {
  readonly n: number;
  readonly tStart: number;
  readonly y0: Float64Array;
  count = 0;
  /** The state at the last step's end, once the run is over. */
  yEnd: Float64Array | null = null;
  private buf: number[];
  private finished = false;

  constructor(n: number, t0: number, y0: Float64Array) {
    this.n = n;
    this.tStart = t0;
    this.y0 = Float64Array.from(y0);
    this.buf = takeScratch();
  }

  get tLast(): number {
    return this.count === 0 ? this.tStart : this.buf[(this.count - 1) * (2 + 5 * this.n) + 1]!;
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
    const len = this.count * (2 + 5 * this.n);
    const own = new Array<number>(len);
    const buf = this.buf;
    for (let i = 0; i < len; i++) own[i] = buf[i]!;
    giveScratch(buf);
    this.buf = own;
  }

  /**
   * Replaces the last step by one DOPRI5 step of size h from the same start (for a caller that wants a step
   * to end exactly at a point it located on the continuous extension, where the extension is an order less
   * accurate than a step's end). Returns the new end state (also in yEnd).
   */
  redoLast(rhs: RightHandSide, h: number): Float64Array {
    const end = this.takeStep(this.count - 1, rhs, h, new Float64Array(this.n), true);
    this.yEnd = end;
    return end;
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
    const work = pool.take(n);
    const w = work.dopri;
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
    pool.give(n, work);
    return out;
  }

  get data(): number[] {
    return this.buf;
  }

  /** The state at t (in [tStart, tLast]) into out. */
  evaluate(t: number, out: Float64Array): Float64Array {
    const n = this.n;
    if (this.count === 0) {
      out.set(this.y0);
      return out;
    }
    const rec = 2 + 5 * n;
    const buf = this.buf;
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (buf[mid * rec]! <= t) lo = mid;
      else hi = mid - 1;
    }
    const off = lo * rec;
    // The last step's end exactly: the end state itself, as the run's outputs record it (elsewhere a step end
    // is the next step's start, where θ = 0 gives that state exactly).
    if (t === buf[off + 1] && this.yEnd !== null) {
      out.set(this.yEnd);
      return out;
    }
    return evaluateStep(buf, off, n, t, out, 0);
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

/** Work arrays of a run beyond DopriWork's: the current step's coefficients, for outputs that fall in it. */
class OutputWork {
  readonly dopri: DopriWork;
  readonly coef: number[];
  constructor(n: number) {
    this.dopri = new DopriWork(n);
    this.coef = Array.from({ length: 2 + 5 * n }, () => 0.5);
  }
}

const pool = new WorkPool((n) => new OutputWork(n));

// Module-level copies of imported bindings: under tsx (CommonJS) each use of an imported binding is a getter
// call, which showed as 5% of a solve in the step loop.
const C_EPS = EPS;
const C_MAX_NONFINITE_RETRIES = MAX_NONFINITE_RETRIES;
const initialStep = hairerInitialStep;

/**
 * Integrates y' = rhs(y) (autonomous: rhs is called with t = 0) from (0, y0) to tEnd, writing the state at
 * each of `times` (non-decreasing, in [0, tEnd]) into out[k·n …] as the run passes it.
 */
export function runDopri5Outputs(
  rhs: RightHandSide,
  n: number,
  y0: Float64Array,
  tEnd: number,
  times: ArrayLike<number>,
  out: Float64Array,
  options: OutputRunOptions,
): OutputRun {
  const { rtol, atol, maxSteps, handOver } = options;
  const stiffness = options.stiffness;
  const steps = options.record ? new RecordedSteps(n, 0, y0) : null;
  const stats: SolverStats = { steps: 0, rejectedSteps: 0, rhsEvaluations: 0, jacobianEvaluations: 0 };
  const work = pool.take(n);
  const w = work.dopri;
  w.startRun(options.safety);
  const coef = work.coef;
  let k1 = w.k1;
  let y: Float64Array = w.y;
  y.set(y0);
  let t = 0;
  const m = times.length;
  let next = 0;
  while (next < m && times[next]! <= 0) {
    for (let i = 0; i < n; i++) out[next * n + i] = y[i]!;
    next++;
  }
  let status: OutputRunStatus = 'ok';

  rhs(0, y, k1);
  stats.rhsEvaluations++;
  let h: number;
  let finite = true;
  for (let i = 0; i < n; i++) if (!(k1[i]! - k1[i]! === 0)) finite = false;
  if (!finite || !(tEnd > 0)) {
    status = finite ? 'ok' : 'failed';
    h = 0;
  } else {
    h = Math.min(initialStep(rhs, n, 0, y, k1, rtol, atol, 5, tEnd, w.ytmp, w.k2), tEnd);
    stats.rhsEvaluations++;
  }

  let reject = false;
  let nonFinite = 0;
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
      stats.rejectedSteps++;
      // The general integrator retries a few times with h/10 before it gives up; so does this one.
      if (++nonFinite >= C_MAX_NONFINITE_RETRIES) {
        status = 'failed';
        break;
      }
      h *= 0.1;
      reject = true;
      continue;
    }
    nonFinite = 0;
    let hnew = w.nextStep(err);
    if (!(err <= 1)) {
      reject = true;
      stats.rejectedSteps++;
      h = hnew;
      continue;
    }
    stats.steps++;
    const stiff = stiffness !== null && w.stiffAfter(n, stiffness);
    const y1 = w.y1;
    if (steps !== null) {
      const off = steps.push(t, tph);
      w.coefficients(y, n, steps.data, off + 2);
    }
    if (next < m && times[next]! <= tph) {
      coef[0] = t;
      coef[1] = tph;
      w.coefficients(y, n, coef, 2);
      while (next < m && times[next]! <= tph) {
        const tk = times[next]!;
        if (tk === tph) for (let i = 0; i < n; i++) out[next * n + i] = y1[i]!;
        else evaluateStep(coef, 0, n, tk, out, next * n);
        next++;
      }
    }
    // FSAL: k7 becomes the next k1; y1 becomes y.
    const k7 = w.k7;
    w.k1 = k7;
    w.k7 = k1;
    k1 = k7;
    w.y1 = y;
    y = y1;
    t = tph;
    if (last) break;
    if (handOver !== null && handOver.check(t, y)) {
      status = 'handedOver';
      break;
    }
    if (hnew > tEnd) hnew = tEnd;
    if (reject && hnew > h) hnew = h;
    reject = false;
    if (stiff) {
      status = 'stiff';
      break;
    }
    h = hnew;
  }
  const yEnd = Float64Array.from(y);
  if (steps !== null) {
    steps.finish();
    steps.yEnd = yEnd;
  }
  w.y = y;
  pool.give(n, work);
  return { status, tReached: t, outputsReached: next, stats, yEnd, steps };
}

/**
 * A recorded run as an OdeSolution (status `event` when it was handed over, with the hand-over as its end),
 * for callers that re-ran with `record` to offer dense evaluation. Only runs that ended `ok` or `handedOver`.
 */
export function recordedSolution(run: OutputRun, method: string): OdeSolution {
  const steps = run.steps;
  if (steps === null || (run.status !== 'ok' && run.status !== 'handedOver')) {
    throw new Error(`recordedSolution: needs a recorded run that ended ok or handedOver (got ${run.status})`);
  }
  const n = steps.n;
  const tReached = run.tReached;
  const check = (t: number): void => {
    if (!(t >= steps.tStart && t <= tReached)) {
      throw new RangeError(`evaluate(${t}): t is outside the solution's range [${steps.tStart}, ${tReached}]`);
    }
  };
  const handed = run.status === 'handedOver';
  return {
    method,
    status: handed ? 'event' : 'ok',
    message: handed ? `stopped by the caller's hand-over at t = ${tReached}` : '',
    stats: run.stats,
    events: [],
    yEnd: run.yEnd,
    dimension: n,
    tStart: steps.tStart,
    tReached,
    evaluate(t, out) {
      check(t);
      return steps.evaluate(t, out ?? new Float64Array(n));
    },
    evaluateSweep(ts, out) {
      const y = new Float64Array(n);
      for (let k = 0; k < ts.length; k++) {
        check(ts[k]!);
        out.set(steps.evaluate(ts[k]!, y), k * n);
      }
      return out;
    },
  };
}
