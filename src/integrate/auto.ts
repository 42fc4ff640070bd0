/**
 * The default integrator: DOPRI5 while the problem is non-stiff; when DOPRI5's stiffness detector fires
 * (h·|λ| ≥ 3.25 on 15 accepted steps) and the problem has an analytic Jacobian, RODAS4 takes over from the
 * current time and state and runs to tEnd. Both pieces write into one dense store (they share its
 * interpolant form), one stats object and one event tracker, so the result is a single OdeSolution.
 * There is no switch back: for the reduced DLN systems stiffness sets in when a mode is learned and stays.
 */
import { Nested5, makeContext, Solution, validateInputs } from './common.ts';
import { runDopri5 } from './dopri5.ts';
import { runRosenbrock } from './rosenbrock.ts';
import type { OdeProblem, OdeSolution, SolverOptions } from './types.ts';

export function auto(problem: OdeProblem, options: SolverOptions): OdeSolution {
  validateInputs(problem, options, 'auto');
  const ctx = makeContext(problem, options, Nested5, 5);
  if (ctx.events) ctx.events.init(ctx.t, ctx.y);
  const canSwitch = typeof problem.jacobian === 'function';
  const stiff = runDopri5(ctx, canSwitch);
  if (!stiff) return new Solution('auto', ctx);
  const stiffFrom = ctx.t;
  runRosenbrock(ctx);
  return new Solution('auto', ctx, stiffFrom);
}
