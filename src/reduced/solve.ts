/**
 * solveReduced: the problem → solver → solution entry of the multi-pathway DLN's reduced model. It builds one
 * `ModeTask` per mode — the DLN mode model, and for the default `auto` (either form) the halved model
 * with its clock fast path (clock.ts) and closed-form tail (halved.ts) — and hands them to the one driver
 * (driver.ts).
 */
import { mappedSolution } from '../integrate/solutions.ts';
import type { OdeSolution } from '../integrate/types.ts';
import { solveModes, type DrivenSnapshot, type DrivenSolution } from './driver.ts';
import { solveModeOnClock } from './clock.ts';
import { halvedModeModel, perLayerHalvedModel, type HalvedModeModel, type LearnedTail } from './halved.ts';
import { modeModel, type ModeModel, type ModeParameters } from './model.ts';
import { parseReducedProblem, parseSolveOptions, type NormalisedProblem } from './problem.ts';
import type { ModeSolverSettings, ModeTask, TailHandOver } from './reduced-model.ts';
import type { ReducedProblem, ReducedResult } from './types.ts';

export interface ModeSolution {
  readonly mode: number;
  readonly model: ModeModel;
  readonly ode: OdeSolution;
}

export type ReducedSnapshot = DrivenSnapshot;

export interface ReducedSolution extends DrivenSolution<ModeSolution, NormalisedProblem> {
  /**
   * Learning time of each mode: the first t with Σ_a K_aα ≥ f·S_α/λ_α, located by event detection on the
   * dense output (null if not reached by the last output time). Present when `learningFraction` was given.
   */
  readonly learningTimes?: (number | null)[];
  /** The plain result of the CLI contract, without the dense machinery. */
  toJSON(): ReducedResult;
}

/** Validates `problem` (throwing a ValidationError naming the bad field) and integrates every mode. */
export function solveReduced(problem: ReducedProblem | unknown, options?: SolveOptions): ReducedSolution {
  // Options are input too: null, a string learningFraction or a misspelt key is refused by name, not coerced.
  return solveNormalised(parseReducedProblem(problem), parseSolveOptions(options));
}

export interface SolveOptions {
  /** Locate each mode's learning time for this fraction f of its learned value S/λ (e.g. 0.5). */
  readonly learningFraction?: number;
}

export function solveNormalised(problem: NormalisedProblem, options: SolveOptions = {}): ReducedSolution {
  const { singularValues, inputVariances, depths, tau, times, solver, form } = problem;
  // The fast default: `auto` integrates one state per pathway (src/reduced/halved.ts: the conserved differences
  // give every other variable, in the balanced and the per-layer form alike), along each mode's clock
  // (src/reduced/clock.ts) unless a learning-time event asks for the time integration or the clock method does
  // not apply to the mode. Any other method integrates the full form in time.
  const halve = solver.method === 'auto';
  const tasks: ModeTask<ModeSolution>[] = [];
  for (let m = 0; m < singularValues.length; m++) {
    const params: ModeParameters = { depths, singularValue: singularValues[m]!, inputVariance: inputVariances[m]!, tau };
    const y0 = problem.initialStates[m]!;
    tasks.push(
      halve && (form === 'balanced' || squaresInRange(y0))
        ? new HalvedModeTask(m, params, form, y0)
        : new DlnModeTask(m, params, modeModel(form, params, y0), y0),
    );
  }
  return solveModes(problem, tasks, {
    times,
    solver,
    ...(options.learningFraction === undefined ? {} : { learningFraction: options.learningFraction }),
  }) as ReducedSolution;
}

/**
 * Whether every nonzero layer is within [1e-150, 1e150]: the halved per-layer form keeps the differences of
 * squares w_e² − x², which beyond that lose precision (below ~1e-154 the squares are subnormal: layers of 1e-160
 * came back 1e-3 off) or overflow. The full per-layer form, integrated in time, has no such limit.
 */
function squaresInRange(layers: Float64Array): boolean {
  for (let i = 0; i < layers.length; i++) {
    const w = Math.abs(layers[i]!);
    if (w !== 0 && !(w >= 1e-150 && w <= 1e150)) return false;
  }
  return true;
}

function modeLabel(mode: number, params: ModeParameters): string {
  return `mode ${mode} (S = ${params.singularValue})`;
}

// The tasks are classes, not object literals of closures: a solve on the clock takes a few microseconds per
// mode, and creating (and, under tsx, naming) four closures per mode cost a measurable part of it.

/** A DLN mode in one of its full layouts (balanced or per-layer), integrated in time. */
class DlnModeTask implements ModeTask<ModeSolution> {
  constructor(
    private readonly mode: number,
    private readonly params: ModeParameters,
    readonly model: ModeModel,
    readonly y0: Float64Array,
  ) {}

  label(): string {
    return modeLabel(this.mode, this.params);
  }

  view(ode: OdeSolution): ModeSolution {
    return { mode: this.mode, model: this.model, ode };
  }
}

/** A DLN mode as one state per pathway: the clock fast path, else in time with the closed-form tail. */
class HalvedModeTask implements ModeTask<ModeSolution> {
  readonly model: HalvedModeModel;
  readonly y0: Float64Array;

  constructor(
    private readonly mode: number,
    private readonly params: ModeParameters,
    private readonly form: NormalisedProblem['form'],
    /** The initial state in the form's full layout. */
    private readonly fullY0: Float64Array,
  ) {
    this.model = form === 'perLayer' ? perLayerHalvedModel(params, fullY0) : halvedModeModel(params, fullY0);
    this.y0 = this.model.y0;
  }

  label(): string {
    return modeLabel(this.mode, this.params);
  }

  fastPath(tEnd: number, s: ModeSolverSettings): OdeSolution | null {
    return solveModeOnClock(this.model, this.params.tau, s.rtol, s.atol, s.maxSteps, tEnd);
  }

  tailHandOver(s: ModeSolverSettings, threshold: number | null): TailHandOver {
    return new LearnedTailHandOver(this.model, s.rtol, s.atol, threshold);
  }

  view(ode: OdeSolution): ModeSolution {
    return new HalvedModeSolution(this.mode, ode, this.model, this.form, this.params, this.fullY0);
  }
}

/**
 * Takes the rest of a halved mode's motion over to its closed-form learned tail once learnedTail accepts
 * (checked after accepted steps). While far from learned (the remaining clock would change the rates by ≫ 1%)
 * it checks only every few steps: a later hand-over costs a step or two, the check every step cost ≈ 9% of
 * a solve.
 */
class LearnedTailHandOver implements TailHandOver {
  tail: LearnedTail | null = null;
  private skip = 0;
  private readonly halved: HalvedModeModel;
  private readonly rtol: number;
  private readonly atol: number;
  /** With a learning-time event: not before Σ_a K_a has reached this (null: no condition). */
  private readonly threshold: number | null;
  private readonly kTail: Float64Array;

  constructor(halved: HalvedModeModel, rtol: number, atol: number, threshold: number | null) {
    this.halved = halved;
    this.rtol = rtol;
    this.atol = atol;
    this.threshold = threshold;
    this.kTail = new Float64Array(halved.dimension);
  }

  check(t: number, y: Float64Array): boolean {
    if (this.skip > 0) {
      this.skip--;
      return false;
    }
    const halved = this.halved;
    if (this.threshold !== null) {
      halved.strengths(y, this.kTail);
      let total = 0;
      for (let a = 0; a < this.kTail.length; a++) total += this.kTail[a]!;
      if (!(total >= this.threshold)) return false;
    }
    const tail = halved.learnedTail(t, y, this.rtol, this.atol);
    this.tail = tail;
    if (tail === null) {
      const d = halved.tailDistance;
      // The refused criteria are at least third order in the remaining residual, which falls by a
      // factor of a few per step near the end: a factor 10³ too large needs more than one step.
      this.skip = d > 1e6 ? 3 : d > 1e3 ? 1 : 0;
    }
    return tail !== null;
  }
}

/**
 * A mode integrated in the halved form; its solution and model in the form it was posed in (balanced or per
 * layer) are built on first use.
 */
class HalvedModeSolution implements ModeSolution {
  readonly mode: number;
  private readonly raw: OdeSolution;
  private readonly halved: HalvedModeModel;
  private readonly form: NormalisedProblem['form'];
  private readonly params: ModeParameters;
  private odeCache: OdeSolution | undefined;
  private modelCache: ModeModel | undefined;

  private readonly fullY0: Float64Array;

  constructor(
    mode: number,
    raw: OdeSolution,
    halved: HalvedModeModel,
    form: NormalisedProblem['form'],
    params: ModeParameters,
    fullY0: Float64Array,
  ) {
    this.mode = mode;
    this.raw = raw;
    this.halved = halved;
    this.form = form;
    this.params = params;
    this.fullY0 = fullY0;
  }

  get ode(): OdeSolution {
    const halved = this.halved;
    return (this.odeCache ??= mappedSolution(this.raw, halved.liftedDimension, (y, out) => halved.lift(y, out)));
  }

  get model(): ModeModel {
    // The per-layer model with its sign guard from the start, as the per-layer form integrated in time has it.
    return (this.modelCache ??= this.form === 'perLayer' ? modeModel(this.form, this.params, this.fullY0) : modeModel(this.form, this.params));
  }
}
