/**
 * The one interface every integrator in src/integrate/ implements.
 *
 * Right-hand sides and Jacobians write into caller-owned buffers so that the hot loop of a solve allocates
 * nothing; the reduced models are tiny (2–40 states per mode) and allocation would dominate their cost.
 */
import type { Status } from '../util/status.ts';

/** y' = f(t, y), written into `dydt`. Must not keep references to `y` or `dydt`. */
export type RightHandSide = (t: number, y: Float64Array, dydt: Float64Array) => void;

/** ∂f_i/∂y_j written row-major: `jac[i * n + j]`. */
export type JacobianFunction = (t: number, y: Float64Array, jac: Float64Array) => void;

export interface OdeProblem {
  readonly dimension: number;
  /**
   * f does not depend on t. Lets the Rosenbrock method skip the difference quotient for ∂f/∂t (one
   * right-hand side per Jacobian), and lets the integrators pass t = 0 to `rhs` and `jacobian` (a small
   * integer costs V8 no allocation; a fresh double per call does). Optional; false when omitted.
   */
  readonly autonomous?: boolean;
  readonly rhs: RightHandSide;
  /** Required by `rosenbrock`; `auto` needs it to hand over to the stiff method. */
  readonly jacobian?: JacobianFunction;
  readonly t0: number;
  readonly y0: ArrayLike<number>;
  /** Must be > t0 (integration is forward in time only). */
  readonly tEnd: number;
}

/** A scalar function whose sign changes are located on the dense output. */
export interface EventFunction {
  readonly g: (t: number, y: Float64Array) => number;
  /** +1: only upward crossings, −1: only downward, 0 (default): both. */
  readonly direction?: -1 | 0 | 1;
  /** Stop the integration at the first crossing of this event. */
  readonly terminal?: boolean;
}

export interface EventHit {
  /** Index into `SolverOptions.events`. */
  readonly index: number;
  readonly t: number;
  readonly y: Float64Array;
}

export interface SolverOptions {
  readonly rtol: number;
  readonly atol: number;
  /** Accepted + rejected steps allowed before the solve fails with a message (default 100 000). */
  readonly maxSteps?: number;
  readonly initialStep?: number;
  readonly maxStep?: number;
  readonly events?: readonly EventFunction[];
  /**
   * Checked after every accepted step (not located within steps, unlike events): when it returns true the
   * solve ends there with status `stopped`, tReached = that step's end. For stopping once a caller can take
   * over (e.g. a closed form of the remaining motion). Must not keep references to `y`.
   */
  readonly stopWhen?: (t: number, y: Float64Array) => boolean;
  /**
   * Keep the interpolant of every step (default true): `evaluate` then works anywhere on [t0, tReached], at a
   * cost of 5 (dopri5, rosenbrock, auto), 8 (dop853) or 20 (odex) state vectors per step. With false only the
   * current step's interpolant is kept, so a solve needs a fixed number of state vectors whatever its length
   * (for the full network, whose state is every weight); the states wanted are requested with `outputTimes`,
   * each interpolated on the step it falls in as the solve passes it. Events and `stopWhen` work the same
   * (events are located on the current step). `evaluate` then answers at t0, at tReached and, where the current
   * step was stored, on the last step; dopri5 without events stores none (it interpolates the output times from
   * its stages).
   */
  readonly denseOutput?: boolean;
  /**
   * Non-decreasing times within [t0, tEnd] at which the state is recorded as the solve passes them: into
   * `solution.outputs`, or handed to `onOutput` when given. Times after a terminal event or a failure are not
   * reached (`solution.outputsReached` counts the ones that were).
   */
  readonly outputTimes?: ArrayLike<number>;
  /**
   * Receives the state at outputTimes[index] instead of `solution.outputs` (which then stays empty), so that
   * outputs of a large state need not be held together. `y` is scratch: copy what you keep. Called between
   * steps, never inside a right-hand side.
   */
  readonly onOutput?: (index: number, t: number, y: Float64Array) => void;
}

export interface SolverStats {
  steps: number;
  rejectedSteps: number;
  rhsEvaluations: number;
  jacobianEvaluations: number;
}

/**
 * The package's status vocabulary (src/util/status.ts). `ok`: reached tEnd. `stopped`: stopped on purpose, at
 * a terminal event or by `stopWhen`. `failed`: stopped early; `message` says why (step size underflow,
 * non-finite state, step budget exhausted) and the dense output covers [t0, tReached].
 */
export type { Status } from '../util/status.ts';
/** @deprecated The same type as `Status` (its values are `ok`, `stopped`, `failed`). */
export type SolveStatus = Status;

/**
 * Evaluation anywhere on [tStart, tReached] (with SolverOptions.denseOutput = false only where that option
 * says); `out` is filled and returned (allocated when omitted).
 */
export interface DenseOutput {
  readonly dimension: number;
  readonly tStart: number;
  readonly tReached: number;
  evaluate(t: number, out?: Float64Array): Float64Array;
  /**
   * Evaluates at increasing times (each in [tStart, tReached]) into out[k·dimension …]: one sweep over the
   * steps, for read-out at many output times.
   */
  evaluateSweep(times: ArrayLike<number>, out: Float64Array): Float64Array;
}

export interface OdeSolution extends DenseOutput {
  readonly method: string;
  readonly status: Status;
  /** Empty when status is `ok`. */
  readonly message: string;
  readonly stats: SolverStats;
  readonly events: readonly EventHit[];
  /** State at tReached. */
  readonly yEnd: Float64Array;
  /**
   * With options.outputTimes and no onOutput: the state at outputTimes[k] in outputs[k·dimension …] for
   * k < outputsReached (the rest is zero).
   */
  readonly outputs?: Float64Array;
  /** With options.outputTimes: how many of them the solve reached. */
  readonly outputsReached?: number;
  /** `auto` only: the time it handed over to the stiff method, if it did. */
  readonly stiffFrom?: number;
}

export type Integrator = (problem: OdeProblem, options: SolverOptions) => OdeSolution;

export type MethodName = 'auto' | 'dopri5' | 'dop853' | 'rosenbrock' | 'odex';
