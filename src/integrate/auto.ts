/**
 * The default integrator: DOPRI5 while the problem is non-stiff; when its stiffness detector fires and the
 * problem has an analytic Jacobian, RODAS4 takes over from the current time and state and runs to tEnd. Both
 * pieces write into one dense store (RODAS's cubic is the nested DOPRI5 form with r5 = 0), one stats object
 * and one event tracker, so the result is a single OdeSolution. There is no switch back: for the reduced DLN
 * systems stiffness sets in when a mode is learned and stays.
 *
 * The detector is quicker than Hairer's default (h·|λ| > 3.25 on 15 accepted steps): h·|λ| > 2 on 2 accepted
 * steps. Measured on the bench/reduced problem set at rtol 1e-8 (docs/integrators.md): with the default, a
 * quarter of all explicit steps were spent after the mode was learned to 1e-6, with h held at DOPRI5's
 * stability limit, where RODAS4 needs a handful of growing steps. Switching once the step is two thirds of the
 * way to that limit cuts the steps per mode from 88 to 67 and is never early enough to matter for accuracy
 * (RODAS4 is as accurate, only dearer per step).
 *
 * DOP853 instead of DOPRI5 was measured too: a third of the explicit steps, but each costs four times as much
 * for these 1–3-state systems, so `auto` was slower (docs/integrators.md); it is available as `dop853`.
 */
import type { RunContext } from './context.ts';
import type { StiffnessTest } from './controllers.ts';
import { runDopri5 } from './dopri5.ts';
import { runRosenbrock } from './rosenbrock.ts';
import { solveWith } from './entry.ts';
import type { OdeProblem, OdeSolution, SolverOptions } from './types.ts';

/** The stiffness test with which `auto` hands over to RODAS4. */
export const AUTO_STIFFNESS: StiffnessTest = { hLambda: 2, steps: 2 };

export function auto(problem: OdeProblem, options: SolverOptions): OdeSolution {
  return solveWith(problem, options, 'auto', 5, runAuto);
}

/** DOPRI5 until its detector fires (with a Jacobian to hand over to), then RODAS4: returns the switch time. */
function runAuto(ctx: RunContext): number | undefined {
  const canSwitch = typeof ctx.problem.jacobian === 'function';
  if (!runDopri5(ctx, canSwitch ? AUTO_STIFFNESS : null)) return undefined;
  const stiffFrom = ctx.t;
  runRosenbrock(ctx);
  return stiffFrom;
}
