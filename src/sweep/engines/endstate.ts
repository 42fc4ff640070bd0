/**
 * The `endstate` sweep engine: the clock-change end state (t → ∞) of the reduced model, `endState()` of
 * src/exact/endstate.ts — a 1-D root find per point. Registers itself; src/exact is loaded on first use, so
 * sweeps on other engines never pay for it (and a checkout without it still runs them).
 */
import { ValidationError } from '../../util/errors.ts';
import { registerSweepEngine, type SweepEngine } from '../registry.ts';
import { wideGaussianInit } from '../../reduced/init.ts';
import type { ReducedProblem } from '../../reduced/types.ts';
import type { PointParameters } from '../points.ts';
import { reducedProblem } from './reduced-problem.ts';

/**
 * The point's problem with its wide-Gaussian start drawn here (the same draw as the parser's, wideGaussianInit)
 * and no `times`: the plain { q, p } form is what endState's validation fast path reads, where
 * `init.wideGaussian` and `times` send every point through the full parser (77 against 57 ms per 10⁴ points).
 */
export function endStateProblem(params: PointParameters): Omit<ReducedProblem, 'times'> {
  const { singularValues, depths, tau } = reducedProblem(params, []);
  return { singularValues, depths, tau, init: wideGaussianInit(params.sigma, params.width, params.seed, depths.length, 1) };
}

async function load(): Promise<SweepEngine> {
  const { endState } = await import('../../exact/endstate.ts');
  return {
    name: 'endstate',
    run(params) {
      const result = endState(endStateProblem(params));
      return { strengths: result.strengths.map((row) => row[0]!) };
    },
  };
}

registerSweepEngine({
  name: 'endstate',
  description: 'the clock-change end state (t → ∞) of the reduced model, `endState()` of `src/exact/endstate.ts`: a 1-D root find per point, the fastest',
  timeAxis: false,
  load,
  check(spec) {
    if (spec.time !== undefined) throw new ValidationError('time', spec.time, 'nothing with engine "endstate" (it computes t → ∞)');
  },
});
