import { expect } from 'chai';
import fc from 'fast-check';
import { parseSweepSpec, specToJson, measureColumns } from '../../src/sweep/spec.ts';
import { ValidationError } from '../../src/util/validation.ts';

const base = {
  engine: 'reduced',
  fixed: { sigma: 0.5 },
  axes: { depth: [1, 2, 3] },
  measures: ['winnerShare'],
};

/** The ValidationError a spec raises (fails the test if it raises none or another error). */
function errorOf(spec: unknown): ValidationError {
  try {
    parseSweepSpec(spec);
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('sweep spec validation', () => {
  it('accepts a minimal spec and fills the defaults', () => {
    const spec = parseSweepSpec(base);
    expect(spec.seeds).to.equal(1);
    expect(spec.seed).to.equal(1);
    expect(spec.learningFraction).to.equal(0.5);
    expect(spec.axes).to.deep.equal([{ name: 'depth', values: [1, 2, 3] }]);
  });

  it('generates log and linear grids with exact end points', () => {
    const spec = parseSweepSpec({ ...base, axes: { sigma: { from: 0.01, to: 1, count: 3, scale: 'log' }, width: { from: 10, to: 30, count: 3 } }, fixed: { depth: 3 } });
    // 0.01 · 100^{1/2} = 0.1: the log grid's midpoint, exact up to the 12-digit rounding the grid applies.
    expect(spec.axes[0]!.values).to.deep.equal([0.01, 0.1, 1]);
    expect(spec.axes[1]!.values).to.deep.equal([10, 20, 30]);
    // An end that 12 significant digits cannot hold (1/3) is kept exactly, not rounded like the inner values.
    const third = parseSweepSpec({ ...base, axes: { sigma: { from: 0.1, to: 1 / 3, count: 3, scale: 'log' } }, fixed: { depth: 3 } });
    expect(third.axes[0]!.values.at(-1)).to.equal(1 / 3);
  });

  const cases: [string, Record<string, unknown>, string, string][] = [
    ['an unknown top-level field', { ...base, seeds: 2, sedes: 3 }, 'sedes', 'no such field'],
    ['an unknown engine', { ...base, engine: 'fast' }, 'engine', 'one of "endstate", "reduced", "network"'],
    ['a non-integer depth on an axis', { ...base, axes: { depth: [1, 2.5] } }, 'axes.depth[1]', 'an integer ≥ 1'],
    ['a negative σ', { ...base, fixed: { sigma: -1 } }, 'fixed.sigma', '> 0'],
    ['a missing σ', { ...base, fixed: {} }, 'fixed.sigma', 'initial scale'],
    ['an unknown parameter', { ...base, axes: { depht: [1] } }, 'axes.depht', 'no such parameter'],
    ['a parameter both fixed and an axis', { ...base, fixed: { sigma: 0.5, depth: 2 } }, 'axes.depth', 'not also in fixed'],
    ['a repeated axis value', { ...base, axes: { depth: [1, 2, 1] } }, 'axes.depth[2]', 'distinct'],
    ['no axes', { ...base, axes: {} }, 'axes', 'at least one axis'],
    ['a log grid through 0', { ...base, fixed: { depth: 2 }, axes: { sigma: { from: 0, to: 1, count: 3, scale: 'log' } } }, 'axes.sigma.from', '> 0'],
    ['a grid without count', { ...base, fixed: { depth: 2 }, axes: { sigma: { from: 0.1, to: 1 } } }, 'axes.sigma.count', 'an integer'],
    ['an unknown measure', { ...base, measures: ['winnerShare', 'entropy'] }, 'measures[1]', 'one of'],
    ['a share of a pathway that does not exist', { ...base, measures: ['share3'] }, 'measures[0]', 'share1 … share2'],
    ['a learning time from the end-state engine', { ...base, engine: 'endstate', measures: ['learningTime'] }, 'measures[0]', 'engine "reduced", "network" or "twolayer"'],
    ['a time with the end-state engine', { ...base, engine: 'endstate', time: 10 }, 'time', 'nothing with engine "endstate"'],
    ['no depth for pathway 2', { ...base, fixed: { sigma: 0.5 }, axes: { depth1: [1, 2] } }, 'fixed.depth', 'a depth for every pathway'],
    ['a per-pathway depth beyond M', { ...base, fixed: { sigma: 0.5, depth3: 2 } }, 'fixed.depth3', 'a pathway that exists'],
    ['zero seeds', { ...base, seeds: 0 }, 'seeds', 'an integer ≥ 1'],
    ['a network engine without a time', { ...base, engine: 'network' }, 'time', 'an end time'],
    ['network options with another engine', { ...base, network: { init: 'gaussian' } }, 'network', 'nothing unless engine is "network"'],
    ['a plot over a non-axis', { ...base, plots: [{ kind: 'line', measure: 'winnerShare', x: 'sigma' }] }, 'plots[0].x', 'one of "depth"'],
    ['a heat map without y', { ...base, plots: [{ kind: 'heatmap', measure: 'winnerShare', x: 'depth' }] }, 'plots[0].y', 'one of the axes'],
  ];
  for (const [what, spec, field, allowed] of cases) {
    it(`names the field for ${what}`, () => {
      const err = errorOf(spec);
      expect(err.field).to.equal(field);
      expect(err.allowed).to.contain(allowed);
      expect(err.message).to.match(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: got `));
    });
  }

  it('expands strengths to one column per pathway of the largest M', () => {
    const spec = parseSweepSpec({ ...base, axes: { pathways: [1, 3] }, fixed: { sigma: 0.5, depth: 2 }, measures: ['strengths', 'winnerShare'] });
    expect(measureColumns(spec)).to.deep.equal(['strength1', 'strength2', 'strength3', 'winnerShare']);
  });

  it('round-trips through its stored JSON form (property, seeded)', () => {
    const axisValues = fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(axisValues, fc.uniqueArray(fc.double({ min: 0.01, max: 5, noNaN: true }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 9 }), (depths, sigmas, seeds) => {
        const spec = parseSweepSpec({ engine: 'reduced', seeds, axes: { sigma: sigmas, depth: depths }, measures: ['participation', 'strengths'] });
        expect(parseSweepSpec(specToJson(spec))).to.deep.equal(spec);
      }),
      { seed: 20261201, numRuns: 100 },
    );
  });
});
