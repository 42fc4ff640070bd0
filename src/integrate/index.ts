/**
 * ODE integrators for the reduced DLN systems: `auto` (default: DOPRI5, handing over to RODAS4 when stiffness
 * is detected), `dopri5`, `dop853`, `rosenbrock` (RODAS4, needs the Jacobian) and `odex` (the npm package,
 * guarded).
 */
import { auto } from './auto.ts';
import { dop853 } from './dop853.ts';
import { dopri5 } from './dopri5.ts';
import { odex } from './odex.ts';
import { rosenbrock } from './rosenbrock.ts';
import { invalid } from './messages.ts';
import type { Integrator, MethodName, OdeProblem, OdeSolution, SolverOptions } from './types.ts';

export type * from './types.ts';
export { auto, dop853, dopri5, odex, rosenbrock };

export const integrators: Readonly<Record<MethodName, Integrator>> = Object.freeze({
  auto,
  dopri5,
  dop853,
  rosenbrock,
  odex,
});

/** Solves `problem` with the named method (default `auto`). */
export function integrate(problem: OdeProblem, options: SolverOptions, method: MethodName = 'auto'): OdeSolution {
  const integrator = Object.prototype.hasOwnProperty.call(integrators, method) ? integrators[method] : undefined;
  if (!integrator) {
    const allowed = `one of ${Object.keys(integrators).join(', ')}`;
    throw invalid('integrate:', 'method', method, allowed, `integrate: method must be ${allowed} (got ${JSON.stringify(method)})`);
  }
  return integrator(problem, options);
}
