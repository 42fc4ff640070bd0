/**
 * solveReduced: the problem → solver → solution driver of the reduced model.
 * Each mode is integrated on its own (modes never interact), with its own step sizes and its own hand-over
 * to the stiff method once that mode has been learned.
 */
import { integrate } from '../integrate/index.ts';
import type { EventFunction, OdeSolution, SolverStats } from '../integrate/types.ts';
import { modeModel, type ModeModel } from './model.ts';
import { parseReducedProblem, type NormalisedProblem } from './problem.ts';
import type { ReducedProblem, ReducedResult } from './types.ts';

export interface ModeSolution {
  readonly mode: number;
  readonly model: ModeModel;
  readonly ode: OdeSolution;
}

export interface ReducedSnapshot {
  /** strengths[a][α] */
  readonly strengths: number[][];
  readonly loss: number;
}

export interface ReducedSolution extends ReducedResult {
  readonly problem: NormalisedProblem;
  readonly modes: readonly ModeSolution[];
  /**
   * Learning time of each mode: the first t with Σ_a K_aα ≥ f·S_α/λ_α, located by event detection on the
   * dense output (null if not reached by the last output time). Present when `learningFraction` was given.
   */
  readonly learningTimes?: (number | null)[];
  /** Last time every mode reached (times[last] when status is ok). */
  readonly tReached: number;
  /** Dense evaluation at any t in [0, tReached]. */
  at(t: number): ReducedSnapshot;
  /** The plain result of the CLI contract, without the dense machinery. */
  toJSON(): ReducedResult;
}

/** Validates `problem` (throwing a ValidationError naming the bad field) and integrates every mode. */
export function solveReduced(problem: ReducedProblem | unknown, options: SolveOptions = {}): ReducedSolution {
  return solveNormalised(parseReducedProblem(problem), options);
}

export interface SolveOptions {
  /** Locate each mode's learning time for this fraction f of its learned value S/λ (e.g. 0.5). */
  readonly learningFraction?: number;
}

export function solveNormalised(problem: NormalisedProblem, options: SolveOptions = {}): ReducedSolution {
  const f = options.learningFraction;
  if (f !== undefined && !(f > 0 && f <= 1)) {
    throw new RangeError(`learningFraction: got ${f}; allowed: a number in (0, 1]`);
  }
  const { singularValues, inputVariances, depths, tau, times, solver, form } = problem;
  const tEnd = times[times.length - 1]!;
  const stats: SolverStats = { steps: 0, rejectedSteps: 0, rhsEvaluations: 0, jacobianEvaluations: 0 };
  const modes: ModeSolution[] = [];
  const failures: string[] = [];
  let tReached = tEnd;
  for (let m = 0; m < singularValues.length; m++) {
    const model = modeModel(form, {
      depths,
      singularValue: singularValues[m]!,
      inputVariance: inputVariances[m]!,
      tau,
    });
    const y0 = problem.initialStates[m]!;
    const events = f === undefined ? undefined : [learnedEvent(model, (f * singularValues[m]!) / inputVariances[m]!)];
    const ode =
      tEnd > 0
        ? integrate(
            { dimension: model.dimension, rhs: model.rhs, jacobian: model.jacobian, t0: 0, y0, tEnd },
            { rtol: solver.rtol, atol: solver.atol, maxSteps: solver.maxSteps, ...(events ? { events } : {}) },
            solver.method,
          )
        : constantSolution(y0, solver.method);
    stats.steps += ode.stats.steps;
    stats.rejectedSteps += ode.stats.rejectedSteps;
    stats.rhsEvaluations += ode.stats.rhsEvaluations;
    stats.jacobianEvaluations += ode.stats.jacobianEvaluations;
    if (ode.status === 'failed') {
      failures.push(`mode ${m} (S = ${singularValues[m]}): ${ode.message}`);
      tReached = Math.min(tReached, ode.tReached);
    }
    modes.push({ mode: m, model, ode });
  }

  const M = depths.length;
  // One state buffer per mode, allocated once: the read-out runs at every output time of every solve.
  const states = modes.map((s) => new Float64Array(s.model.dimension));
  const kBuffer = new Float64Array(M);
  const at = (t: number): ReducedSnapshot => {
    if (!(t >= 0 && t <= tReached)) {
      throw new RangeError(`t: got ${t}; allowed: a time in [0, ${tReached}]`);
    }
    const strengths: number[][] = [];
    for (let a = 0; a < M; a++) strengths.push(new Array<number>(modes.length));
    let loss = 0;
    for (let m = 0; m < modes.length; m++) {
      const { model, ode } = modes[m]!;
      const y = ode.evaluate(t, states[m]);
      model.strengths(y, kBuffer);
      for (let a = 0; a < M; a++) strengths[a]![m] = kBuffer[a]!;
      const r = model.residual(y);
      loss += (0.5 * r * r) / inputVariances[m]!;
    }
    return { strengths, loss };
  };

  const outTimes = times.filter((t) => t <= tReached);
  const snapshots = outTimes.map(at);
  const result: ReducedResult = {
    status: failures.length ? 'failed' : 'ok',
    ...(failures.length ? { message: failures.join('; ') } : {}),
    times: outTimes,
    strengths: snapshots.map((s) => s.strengths),
    loss: snapshots.map((s) => s.loss),
    stats,
  };
  const learning =
    f === undefined
      ? {}
      : {
          learningTimes: modes.map(({ mode, model, ode }): number | null => {
            const threshold = (f * singularValues[mode]!) / inputVariances[mode]!;
            const total0 = model.strengths(ode.evaluate(0), kBuffer).reduce((s, k) => s + k, 0);
            // Already at or past the threshold at t = 0 is learned at 0; otherwise the first upward crossing.
            if (total0 >= threshold) return 0;
            return ode.events.length ? ode.events[0]!.t : null;
          }),
        };
  return { ...result, ...learning, problem, modes, tReached, at, toJSON: () => result };
}

/** g = Σ_a K_a − threshold, crossing upward when the mode is learned (the learning-time event). */
function learnedEvent(model: ModeModel, threshold: number): EventFunction {
  const k = new Float64Array(model.offsets.length - 1);
  return { g: (_t, y) => model.strengths(y, k).reduce((s, v) => s + v, 0) - threshold, direction: 1 };
}

/** The solution of a solve with nothing to integrate (all output times are 0). */
function constantSolution(y0: Float64Array, method: string): OdeSolution {
  const yEnd = Float64Array.from(y0);
  return {
    method,
    status: 'ok',
    message: '',
    stats: { steps: 0, rejectedSteps: 0, rhsEvaluations: 0, jacobianEvaluations: 0 },
    events: [],
    yEnd,
    dimension: y0.length,
    tStart: 0,
    tReached: 0,
    evaluate(t, out) {
      if (t !== 0) throw new RangeError(`t: got ${t}; allowed: 0 (nothing was integrated)`);
      const target = out ?? new Float64Array(y0.length);
      target.set(yEnd);
      return target;
    },
  };
}
