/**
 * The one entry of every integrator: validation, the constant solution when there is nothing to integrate
 * (tEnd = t0), the run context with its dense store, events and output times, and the solution on the store.
 */
import { makeContext, type RunContext } from './context.ts';
import { Nested5, type DenseKind } from './dense.ts';
import { constantSolution, StoreSolution } from './solutions.ts';
import type { OdeProblem, OdeSolution, SolverOptions } from './types.ts';
import { validateInputs } from './validate.ts';

/**
 * The opening of every solve: validates the input (see validateInputs) and, when there is nothing to
 * integrate (tEnd = t0), returns the constant solution — its output times (all at t0) recorded or handed to
 * options.onOutput. Returns null when there is something to integrate.
 */
export function beginSolve(
  problem: OdeProblem,
  options: SolverOptions,
  method: string,
  needsJacobian = false,
): OdeSolution | null {
  validateInputs(problem, options, method, needsJacobian);
  if (problem.tEnd !== problem.t0) return null;
  const n = problem.dimension;
  const y0 = Float64Array.from(problem.y0);
  const times = options.outputTimes;
  if (times === undefined) return constantSolution(method, problem.t0, y0);
  const m = times.length;
  if (options.onOutput !== undefined) {
    const y = new Float64Array(n);
    for (let k = 0; k < m; k++) {
      y.set(y0);
      options.onOutput(k, times[k]!, y);
    }
    return constantSolution(method, problem.t0, y0, { outputsReached: m });
  }
  const outputs = new Float64Array(m * n);
  for (let k = 0; k < m; k++) outputs.set(y0, k * n);
  return constantSolution(method, problem.t0, y0, { outputs, outputsReached: m });
}

/**
 * Solves `problem` with `run`, which integrates on the context it is given (from ctx.t to tEnd, or until it
 * stops or fails) and returns the time it handed over to a stiff method, if it did (`stiffFrom`). The store
 * keeps `nvec` vectors of kind `kind` per step.
 */
export function solveWith(
  problem: OdeProblem,
  options: SolverOptions,
  method: string,
  nvec: number,
  run: (ctx: RunContext) => number | undefined,
  needsJacobian = false,
  kind: DenseKind = Nested5,
): OdeSolution {
  const constant = beginSolve(problem, options, method, needsJacobian);
  if (constant !== null) return constant;
  const ctx = makeContext(problem, options, kind, nvec);
  if (ctx.events) ctx.events.init(ctx.t, ctx.y);
  const stiffFrom = run(ctx);
  return new StoreSolution(method, ctx, stiffFrom);
}
