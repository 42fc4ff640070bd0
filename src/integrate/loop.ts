/**
 * The adaptive stepping loop, once for every method (as scipy's integrate/_ivp, diffrax and OrdinaryDiffEq.jl
 * build it): the step budget, step-size underflow, the trial step, the retry of a non-finite step, the
 * controller's accept/reject, the method's write-back (dense output, FSAL), events, output times, stopWhen,
 * the maxStep cap, no growth right after a rejection, and the stiffness hand-over.
 *
 * A method (`Method`) is its stages, its error estimate and its interpolant; the step-size controller and the
 * stiffness detector are values passed in (controllers.ts).
 */
import { budgetMessage, fail, stopRequested, stoppedByEvent, type RunContext } from './context.ts';
import type { StepController, StiffnessDetector } from './controllers.ts';
import { openRun } from './initial-step.ts';
import { MAX_NONFINITE_RETRIES, nonFiniteMessage, underflowMessage } from './messages.ts';
import type { StepInterpolant } from './outputs.ts';
import type { RightHandSide, SolverStats } from './types.ts';

/** The unit roundoff 2^−52. */
export const EPS = Number.EPSILON;

/** Consecutive step sizes a method may refuse (Method.prepare) before the run fails; each halves h. */
export const MAX_REFUSED = 5;

/**
 * One integration method as the loop drives it. A work object (pooled per dimension) that holds the run's
 * current state `y` and its derivative `f`, the stages of the trial step and whatever the method keeps
 * between steps. Per trial step the loop calls prepare → attempt → (complete, when err ≤ 1) and, when the step
 * is accepted, store or keep → advance.
 */
export interface Method extends StepInterpolant {
  /** Order used by the starting-step heuristic. */
  readonly order: number;
  /** The current state and f(t, y) (valid after begin and after every advance). */
  readonly y: Float64Array;
  readonly f: Float64Array;
  /** Two scratch vectors for the starting-step heuristic. */
  readonly scratchY: Float64Array;
  readonly scratchF: Float64Array;
  /**
   * Whether `interpolate` can evaluate the accepted step from its stages (after `keep`), so that a run without
   * dense output or events stores no coefficients.
   */
  readonly interpolatesFromStages: boolean;
  /** Binds the run (problem, tolerances, statistics) and copies ctx.y into y. */
  begin(ctx: RunContext): void;
  /**
   * Before a trial step of size h from (t, y): false when the method cannot take it (a singular iteration
   * matrix); the loop then halves h, up to MAX_REFUSED times in a row.
   */
  prepare(t: number, h: number): boolean;
  /** The trial step from (t, y) to tph = t + h: its scaled error, NaN or ∞ when a stage was not finite. */
  attempt(t: number, h: number, tph: number): number;
  /** After a trial with err ≤ 1: whatever the next step needs at the new point; false when it is not finite. */
  complete(tph: number): boolean;
  /** The message when the method refused MAX_REFUSED step sizes in a row at t. */
  refusal(t: number): string;
  /** The stiffness estimate h·|λ| of the accepted trial step (for a StiffnessDetector). */
  stiffness?(): number;
  /** Writes the accepted step's interpolant into a dense-store record of `nvec` vectors at c[off …]. */
  store(c: Float64Array, off: number, nvec: number): void;
  /** Keeps the accepted step from t to tph for `interpolate` instead (interpolatesFromStages only). */
  keep(t: number, tph: number, h: number): void;
  /** Moves to the accepted step's end: y and f become the new point's (FSAL). */
  advance(): void;
}

const noRhs: RightHandSide = () => {};

/**
 * The defaults of a Method and the run it binds: `begin` takes the right-hand side, autonomy, tolerances and
 * statistics of the run and copies ctx.y into y; a method that needs more (a Jacobian) extends it. Without
 * overrides a method never refuses a step size, needs nothing after an accepted trial, and does not
 * interpolate from its stages.
 */
export abstract class MethodBase {
  abstract readonly y: Float64Array;
  abstract readonly f: Float64Array;
  readonly interpolatesFromStages: boolean = false;
  protected rhs: RightHandSide = noRhs;
  protected autonomous = false;
  // Doubles from the start (a field that starts as a small integer changes representation on the first run).
  protected rtol = 0.5;
  protected atol = 0.5;
  protected stats: SolverStats = { steps: 0, rejectedSteps: 0, rhsEvaluations: 0, jacobianEvaluations: 0 };

  begin(ctx: RunContext): void {
    this.rhs = ctx.problem.rhs;
    this.autonomous = ctx.problem.autonomous === true;
    this.rtol = ctx.options.rtol;
    this.atol = ctx.options.atol;
    this.stats = ctx.stats;
    this.y.set(ctx.y);
  }

  prepare(_t: number, _h: number): boolean {
    return true;
  }

  complete(_tph: number): boolean {
    return true;
  }

  refusal(t: number): string {
    return `internal: the method refused a step at t = ${t}`;
  }

  keep(_t: number, _tph: number, _h: number): void {
    throw new Error('internal: this method does not interpolate from its stages');
  }

  interpolate(_t: number, _out: Float64Array, _outOff: number): void {
    throw new Error('internal: this method does not interpolate from its stages');
  }
}

/**
 * The retry of a trial step that was not finite, one per run: h cut by 10, until MAX_NONFINITE_RETRIES
 * trial steps in a row were not finite. Shared by runAdaptive and recordDopri5.
 */
export class NonFiniteRetry {
  private count = 0;

  /** After a finite trial step: the count starts again. */
  reset(): void {
    this.count = 0;
  }

  /** After a non-finite trial step of size h: the size to retry with, or NaN when the run gives up. */
  next(h: number): number {
    return ++this.count >= MAX_NONFINITE_RETRIES ? NaN : h * 0.1;
  }
}

/** Accepted steps per half-window of the horizon forecast. */
const FORECAST_HALF = 256;
/** The forecast fails a run only when it needs this many times the steps left. */
const FORECAST_MARGIN = 16;

/**
 * Says early that a run will not reach tEnd within its step budget, instead of after the whole budget (30
 * long-horizon solves of issue 13 ran 10–52 s to "step budget exhausted at t = 3e40"). Every FORECAST_HALF
 * accepted steps it compares the mean step of the last two half-windows, extrapolates their geometric trend
 * (ρ per step; none when the steps shrink or stay level, as at an explicit method's stability limit on a stiff
 * fixed point) and fails once the steps to tEnd exceed FORECAST_MARGIN times those left — and only after a
 * quarter of the budget, so that a transition whose steps are briefly small is not mistaken for the future.
 */
class HorizonForecast {
  private tMid: number;
  private tStart: number;
  private nextCheck: number;
  private estimate = 0;
  private meanStep = 0;
  private growth = 1;
  private left = 0;

  constructor(
    t: number,
    private readonly maxSteps: number,
  ) {
    this.tStart = t;
    this.tMid = t;
    this.nextCheck = FORECAST_HALF;
  }

  due(steps: number): boolean {
    return steps >= this.nextCheck;
  }

  hopeless(t: number, tEnd: number, used: number): boolean {
    this.nextCheck += FORECAST_HALF;
    const h1 = (this.tMid - this.tStart) / FORECAST_HALF;
    const h2 = (t - this.tMid) / FORECAST_HALF;
    this.tStart = this.tMid;
    this.tMid = t;
    if (!(h1 > 0 && h2 > 0) || used < this.maxSteps / 4) return false;
    const rho = Math.max(1, (h2 / h1) ** (1 / FORECAST_HALF));
    const rest = tEnd - t;
    // Σ_{k<n} h₂ρᵏ = rest  ⇒  n = ln(1 + rest(ρ − 1)/h₂)/ln ρ  (rest/h₂ without growth).
    const estimate = rho > 1 + 1e-12 ? Math.log1p((rest * (rho - 1)) / h2) / Math.log(rho) : rest / h2;
    this.estimate = estimate;
    this.meanStep = h2;
    this.growth = rho;
    this.left = this.maxSteps - used;
    return estimate > FORECAST_MARGIN * this.left;
  }

  message(t: number, tEnd: number): string {
    const e = (x: number): string => x.toPrecision(3);
    const trend = this.growth > 1 + 1e-12 ? `growing ×${this.growth.toPrecision(6)} per step` : 'not growing';
    return (
      `will not reach tEnd = ${e(tEnd)} within the step budget: at t = ${e(t)} the steps are ≈ ${e(this.meanStep)} ` +
      `(${trend}), so ~${e(this.estimate)} more would be needed and ${this.left} of maxSteps = ${this.maxSteps} ` +
      `are left; stopped early. Raise options.maxSteps, shorten the horizon, or use a stiff method ` +
      `(rosenbrock; auto switches to it) if the state has settled on a stiff fixed point`
    );
  }
}

/**
 * Runs `method` on ctx from ctx.t to tEnd (or a terminal event, stopWhen, a failure) with `controller`. Uses
 * ctx.f when ctx.haveF and ctx.h as the first step when > 0. With a `detector`, stops as soon as it fires
 * after an accepted step and returns true: ctx then holds the current t, y, f and the next step size for
 * another method. Returns false otherwise (ctx.status says how it ended).
 */
export function runAdaptive(
  ctx: RunContext,
  method: Method,
  controller: StepController,
  detector: StiffnessDetector | null,
): boolean {
  const { problem, options, stats, store, events, outputs, maxSteps } = ctx;
  const hasStop = options.stopWhen !== undefined;
  // Local bindings: an imported binding is a getter call per use when tsx compiles to CommonJS.
  const stopCheck = stopRequested;
  const eventCheck = stoppedByEvent;
  const eps = EPS;
  const maxRefused = MAX_REFUSED;
  const tEnd = problem.tEnd;
  const hmax = Math.min(options.maxStep ?? Infinity, tEnd - problem.t0);
  // Without dense output and events nothing needs the store: output times are interpolated from the stages.
  const stageOutputs = method.interpolatesFromStages && !store.keepAll && events === null;
  const nvec = store.nvec;
  method.begin(ctx);
  let t = ctx.t;
  const opened = openRun(ctx, method.y, method.f, method.order, hmax, method.scratchY, method.scratchF);
  if (opened === null) return false;
  let h = opened;

  let reject = false;
  const retry = new NonFiniteRetry();
  let refused = 0;
  let stiff = false;
  const forecast = new HorizonForecast(t, maxSteps);

  for (;;) {
    if (stats.steps + stats.rejectedSteps >= maxSteps) {
      ctx.t = t;
      fail(ctx, budgetMessage(ctx));
      break;
    }
    if (!(0.1 * h > Math.abs(t) * eps) || !(h > 0)) {
      fail(ctx, underflowMessage(h, t));
      break;
    }
    // Stretched or cut to end exactly at tEnd when it would end within 1% of it.
    const last = t + 1.01 * h >= tEnd;
    if (last) h = tEnd - t;
    const tph = last ? tEnd : t + h;
    if (!method.prepare(t, h)) {
      stats.rejectedSteps++;
      if (++refused >= maxRefused) {
        fail(ctx, method.refusal(t));
        break;
      }
      h *= 0.5;
      reject = true;
      continue;
    }
    refused = 0;
    const err = method.attempt(t, h, tph);
    if (!(err < Infinity) || (err <= 1 && !method.complete(tph))) {
      // A stage, the new state or its derivative overflowed or became NaN: retry with a much smaller step a
      // few times (a too-long step can overshoot into a region where f is undefined), then give up.
      stats.rejectedSteps++;
      const hRetry = retry.next(h);
      if (hRetry !== hRetry) {
        fail(ctx, nonFiniteMessage(t, h));
        break;
      }
      h = hRetry;
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
    if (detector !== null && detector.after(method.stiffness!())) stiff = true;
    if (stageOutputs) {
      store.skip(tph);
      method.keep(t, tph, h);
    } else {
      // push first: it may grow (replace) store.buf.
      const off = store.push(tph);
      method.store(store.buf, off, nvec);
    }
    method.advance();
    const y = method.y;
    const tOld = t;
    t = tph;
    if (events && eventCheck(ctx, events, tOld, t, y)) break;
    if (outputs) outputs.advance(stageOutputs ? method : store, t, y);
    if (last) break;
    if (hasStop && stopCheck(ctx, t, y)) break;
    if (forecast.due(stats.steps) && forecast.hopeless(t, tEnd, stats.steps + stats.rejectedSteps)) {
      fail(ctx, forecast.message(t, tEnd));
      break;
    }
    if (hnew > hmax) hnew = hmax;
    if (reject && hnew > h) hnew = h;
    reject = false;
    h = hnew;
    if (stiff) break;
  }
  // f = f(t, y) holds for the last accepted state whatever happened after it.
  ctx.y.set(method.y);
  ctx.f.set(method.f);
  ctx.haveF = true;
  ctx.t = t;
  ctx.h = h;
  return stiff && ctx.status === 'ok' && t < tEnd;
}
