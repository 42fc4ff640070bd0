/**
 * The `endstate` sweep engine: the clock-change end state (t → ∞) of the reduced model, `endState()` of
 * src/exact/endstate.ts — a 1-D root find per point. Registers itself; src/exact is loaded on first use, so
 * sweeps on other engines never pay for it (and a checkout without it still runs them).
 */
import { ValidationError } from '../../util/errors.ts';
import { registerSweepEngine, type SweepEngine } from '../registry.ts';
import { reducedProblem } from './reduced-problem.ts';

async function load(): Promise<SweepEngine> {
  const { endState } = await import('../../exact/endstate.ts');
  return {
    name: 'endstate',
    run(params) {
      const result = endState(reducedProblem(params, [0]));
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
