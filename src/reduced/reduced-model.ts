/**
 * What a reduced model of one mode is, for the one driver that integrates any of them (driver.ts).
 *
 * A reduced model reduces a network's learning dynamics along one mode α to a small autonomous ODE
 * τ dy/dt = f(y) whose read-out is a handful of strengths: for the multi-pathway DLN (Shi et al.), K_aα of
 * each pathway; for a gated network's race, the strength of each path or edge. The driver asks nothing else of
 * it, so a new model (a race over the edges of a gated graph, a feedback-alignment mode ODE) plugs in by
 * providing these fields; docs/architecture.md says how.
 */
import type { JacobianFunction, OdeSolution, RightHandSide } from '../integrate/types.ts';

export interface ReducedModel {
  /** Number of state variables. */
  readonly dimension: number;
  /** dy/dt (τ included), written into `dydt`; autonomous: the driver passes t = 0. */
  readonly rhs: RightHandSide;
  /** ∂f/∂y row-major; the stiff methods need it. */
  readonly jacobian: JacobianFunction;
  /** Number of strengths the read-out gives (pathways of a DLN, paths or edges of a gated network). */
  readonly readoutDimension: number;
  /** The read-out: the strengths at state y into `out` (length readoutDimension). */
  strengths(y: ArrayLike<number>, out: Float64Array): Float64Array;
  /** The mode's residual at state y (S − λ Σ K for the DLN): zero once the mode is learned. */
  residual(y: ArrayLike<number>): number;
  /** The mode's contribution to the loss, from its read-out (½ r²/λ for the DLN). */
  loss(strengths: ArrayLike<number>): number;
  /**
   * Σ of the read-out once the mode is learned (S/λ for the DLN). The learning time for a fraction f is the
   * first t at which Σ strengths ≥ f · learnedTotal.
   */
  readonly learnedTotal: number;
  /** Quantities the flow conserves, named by `invariantNames`. */
  invariants(y: ArrayLike<number>): number[];
  readonly invariantNames: readonly string[];
}

/** The solver settings the driver hands to a mode. */
export interface ModeSolverSettings {
  readonly rtol: number;
  readonly atol: number;
  readonly maxSteps: number;
}

/** A closed-form continuation of a mode, valid from tStart on. */
export interface ClosedFormTail {
  readonly tStart: number;
  evaluate(t: number, out: Float64Array): Float64Array;
}

/**
 * A test the driver runs after each accepted step; once it returns true, `tail` continues the motion in
 * closed form to the end and the integration stops there.
 */
export interface TailHandOver {
  check(t: number, y: Float64Array): boolean;
  readonly tail: ClosedFormTail | null;
}

/** One mode for the driver: a model, where it starts, and what it offers beyond the time integration. */
export interface ModeTask<View> {
  /**
   * Names the mode in messages ("mode 0 (S = 3)"). A function: formatting a double costs more than a
   * clock-path solve of the mode, and the label is needed only when the mode fails.
   */
  label(): string;
  /** The model as integrated. */
  readonly model: ReducedModel;
  readonly y0: Float64Array;
  /**
   * A fast path: the mode's solution on [0, tEnd] without the time integration, or null where it does not
   * apply (the driver then integrates in time). Not used when a learning time is asked for.
   */
  fastPath?(tEnd: number, solver: ModeSolverSettings): OdeSolution | null;
  /**
   * A closed-form continuation: a hand-over test to run during the time integration. `threshold` is the
   * learning-time threshold (f · learnedTotal), or null without one: the hand-over must not come before it.
   */
  tailHandOver?(solver: ModeSolverSettings, threshold: number | null): TailHandOver;
  /** What users see of the mode (e.g. the solution lifted to another layout), built on first use. */
  view(ode: OdeSolution): View;
}
