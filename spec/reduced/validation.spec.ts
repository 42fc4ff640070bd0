import { expect } from 'chai';
import { parseSolveOptions } from '../../src/reduced/problem.ts';
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
    ['zero rtol', (p) => (p['solver'] = { rtol: 0 }), 'solver.rtol', /≥ 1e-13/],
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

describe('solveReduced: tolerances, sizes and options (issue 13)', () => {
  const fails = (problem: unknown, options?: unknown): ValidationError => {
    try {
      solveReduced(problem, options as never);
    } catch (err) {
      expect(err).to.be.instanceOf(ValidationError);
      return err as ValidationError;
    }
    throw new Error('expected a ValidationError');
  };

  it('refuses rtol outside [1e-13, 1e-3], where some method was measured inaccurate (bench/fuzz/tolerances.ts)', () => {
    // rtol 1 with auto returned K = 6.5e79·scale; at 1e-2 dop853 was off by 500·scale.
    for (const rtol of [1, 1e-2, 1.01e-3, 9.9e-14, 1e-15]) {
      expect(fails({ ...good, solver: { rtol } }).field, String(rtol)).to.equal('solver.rtol');
    }
    for (const rtol of [1e-3, 1e-13]) expect(solveReduced({ ...good, solver: { rtol, atol: 1e-15 } }).status).to.equal('ok');
  });

  it('refuses atol above 1e-3·max S/λ (atol = 1e308 made every step "accurate"), keeping the default always', () => {
    // good's scale is max S/λ = 3 (λ = 1): the bound is 3e-3.
    for (const atol of [1e308, 1, 3.01e-3]) {
      const err = fails({ ...good, solver: { atol } });
      expect(err.field, String(atol)).to.equal('solver.atol');
      expect(err.allowed).to.match(/max S\/λ/);
    }
    expect(solveReduced({ ...good, solver: { atol: 3e-3 } }).status).to.equal('ok');
    // A tiny scale still takes the default 1e-10 (S/λ = 1e-12).
    const tiny = { ...good, singularValues: [1e-12, 1e-12] };
    expect(solveReduced(tiny).status).to.equal('ok');
    expect(solveReduced({ ...tiny, solver: { atol: 1e-10 } }).status).to.equal('ok');
  });

  it('refuses atol above 1e-4·max S/λ for dop853, whose error at 1e-3·scale was 76·scale (docs/problem-format.md)', () => {
    for (const atol of [3e-3, 3.01e-4]) {
      const err = fails({ ...good, solver: { method: 'dop853', atol } });
      expect(err.field, String(atol)).to.equal('solver.atol');
      expect(err.allowed).to.match(/0\.0001.*dop853/);
    }
    expect(solveReduced({ ...good, solver: { method: 'dop853', atol: 3e-4 } }).status).to.equal('ok');
    expect(solveReduced({ ...good, solver: { method: 'dopri5', atol: 3e-3 } }).status).to.equal('ok');
  });

  it('refuses a result larger than MAX_RESULT_VALUES before any work (pathways × modes × times)', () => {
    // 1000 pathways × 1000 modes × 11 times = 1.1e7 > 1e7 values; the input is ~10 kB.
    const K = 1000;
    const M = 1000;
    const problem = {
      singularValues: new Array(K).fill(1),
      depths: new Array(M).fill(1),
      init: { wideGaussian: { sigma: 0.1, width: 10, seed: 1 } },
      times: Array.from({ length: 11 }, (_, i) => i),
    };
    const err = fails(problem);
    expect(err.field).to.equal('times.length');
    expect(err.allowed).to.contain('1000 × 1000 × 11');
  });

  it('refuses -0 nowhere and reads it as 0; refuses holes in init.q naming the index', () => {
    const r = solveReduced({ ...good, times: [-0, 1] }).toJSON();
    expect(Object.is(r.times[0], 0)).to.equal(true);
    // eslint-disable-next-line no-sparse-arrays
    const holey = { ...good, init: { q: [[1, 1], [1, ,]], p: [[0.1, 0.1], [0.2, 0.2]] } };
    expect(fails(holey).field).to.equal('init.q[1][1]');
  });

  it('parseSolveOptions: null, strings, unknown keys and out-of-range fractions are ValidationErrors', () => {
    const bad: [unknown, string][] = [
      [null, 'options'],
      [[], 'options'],
      [{ learningFraction: '0.5' }, 'options.learningFraction'],
      [{ learningFraction: 0 }, 'options.learningFraction'],
      [{ learningFraction: 1.5 }, 'options.learningFraction'],
      [{ learningFraction: Number.NaN }, 'options.learningFraction'],
      [{ learningfraction: 0.5 }, 'options.learningfraction'],
    ];
    for (const [value, field] of bad) {
      let err: unknown;
      try {
        parseSolveOptions(value);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(value)).to.be.instanceOf(ValidationError);
      expect((err as ValidationError).field).to.equal(field);
    }
    expect(parseSolveOptions(undefined)).to.deep.equal({});
    expect(parseSolveOptions({ learningFraction: 1 })).to.deep.equal({ learningFraction: 1 });
  });
});
