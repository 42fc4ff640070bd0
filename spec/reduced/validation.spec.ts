import { expect } from 'chai';
import { solveReduced } from '../../src/reduced/solve.ts';
import type { ReducedProblem } from '../../src/reduced/types.ts';
import { ValidationError } from '../../src/util/validation.ts';

const good: ReducedProblem = {
  singularValues: [3, 1],
  depths: [2, 3],
  init: { q: [[1, 1], [1, 1]], p: [[0.1, 0.1], [0.2, 0.2]] },
  times: [0, 1, 2],
};

/** Applies `edit` to a deep copy of the good problem and returns the ValidationError it must raise. */
function errorFor(edit: (p: Record<string, any>) => void): ValidationError {
  const problem = structuredClone(good) as Record<string, any>;
  edit(problem);
  try {
    solveReduced(problem);
  } catch (err) {
    expect(err).to.be.instanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError, but the problem was accepted');
}

describe('solveReduced: bad input gives an error naming the field, the value and what is allowed', () => {
  it('accepts the reference problem', () => {
    expect(solveReduced(good).status).to.equal('ok');
  });

  const cases: [string, (p: Record<string, any>) => void, string, RegExp][] = [
    ['zero depth', (p) => (p['depths'] = [0, 3]), 'depths[0]', /integer ≥ 1/],
    ['negative depth', (p) => (p['depths'] = [2, -1]), 'depths[1]', /integer ≥ 1/],
    ['fractional depth', (p) => (p['depths'] = [2.5, 3]), 'depths[0]', /integer/],
    ['no pathways', (p) => (p['depths'] = []), 'depths', /at least one/],
    ['input variances of the wrong length', (p) => (p['inputVariances'] = [1]), 'inputVariances.length', /2/],
    ['init rows ≠ pathways', (p) => (p['init'].q = [[1, 1]]), 'init.q.length', /pathway/],
    ['init columns ≠ modes', (p) => (p['init'].p[1] = [0.1]), 'init.p[1].length', /mode/],
    ['layers of the wrong depth', (p) => (p['init'] = { layers: [[[1, 1], [1, 1]], [[1, 1]]] }), 'init.layers[1].length', /depth 3/],
    ['NaN singular value', (p) => (p['singularValues'] = [NaN, 1]), 'singularValues[0]', /finite/],
    ['infinite initial value', (p) => (p['init'].p[0][1] = Infinity), 'init.p[0][1]', /finite/],
    ['NaN tau', (p) => (p['tau'] = NaN), 'tau', /> 0/],
    ['zero rtol', (p) => (p['solver'] = { rtol: 0 }), 'solver.rtol', /≥ 1e-15/],
    ['negative atol', (p) => (p['solver'] = { atol: -1e-10 }), 'solver.atol', /> 0/],
    ['no modes', (p) => (p['singularValues'] = []), 'singularValues', /at least one/],
    ['negative singular value', (p) => (p['singularValues'] = [-1, 1]), 'singularValues[0]', /≥ 0/],
    ['times not increasing', (p) => (p['times'] = [0, 2, 1]), 'times[2]', /strictly increasing/],
    ['repeated time', (p) => (p['times'] = [0, 1, 1]), 'times[2]', /strictly increasing/],
    ['negative time', (p) => (p['times'] = [-1, 1]), 'times[0]', /≥ 0/],
    ['unknown method', (p) => (p['solver'] = { method: 'rk4' }), 'solver.method', /"auto", "dopri5", "dop853", "rosenbrock", "odex"/],
    ['misspelt field', (p) => (p['singularvalues'] = [1]), 'singularvalues', /known fields/],
    ['two initial conditions at once', (p) => (p['init'].layers = []), 'init', /exactly one of .* not layers and q together/],
    ['wide-Gaussian width 0', (p) => (p['init'] = { wideGaussian: { sigma: 1, width: 0, seed: 1 } }), 'init.wideGaussian.width', /integer ≥ 1/],
    ['wide-Gaussian fractional seed', (p) => (p['init'] = { wideGaussian: { sigma: 1, width: 10, seed: 0.5 } }), 'init.wideGaussian.seed', /integer/],
    ['init missing', (p) => delete p['init'], 'init', /one of/],
  ];
  for (const [name, edit, field, allowed] of cases) {
    it(name, () => {
      const err = errorFor(edit);
      expect(err.field).to.equal(field);
      expect(err.message).to.contain(field);
      expect(err.allowed).to.match(allowed);
    });
  }

  it('the message shows the offending value', () => {
    expect(errorFor((p) => (p['depths'] = [2, 2.5])).message).to.contain('got 2.5');
  });
});
