/**
 * The fast path through end-state validation (src/exact/endstate-problem.ts) accepts only what parseReducedProblem
 * accepts, with the same values; everything else is left to the parser.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { endState } from '../../src/exact/endstate.ts';
import { FAST_MAX_DEPTH, parseBalancedFast } from '../../src/exact/endstate-problem.ts';
import { parseReducedProblem } from '../../src/reduced/problem.ts';
import { SEED } from '../helpers/arbitraries.ts';

const valid = () => ({
  singularValues: [3, 1.5],
  inputVariances: [1, 0.5],
  depths: [4, 2, 1],
  init: {
    q: [
      [0.5, -0.7],
      [1, 0.2],
      [0, 0],
    ],
    p: [
      [0.1, -0.2],
      [-0.3, 0.05],
      [0.4, -0],
    ],
  },
});

/** The parser's reading of a problem, or null when it rejects it. */
function parsed(problem: unknown) {
  try {
    const n = parseReducedProblem(problem, { timesOptional: true });
    if (!n.balanced) return 'not balanced';
    return { singularValues: n.singularValues, inputVariances: n.inputVariances, depths: n.depths, q: n.balanced.q, p: n.balanced.p };
  } catch {
    return null;
  }
}

describe('end-state problems: the fast path of validation', () => {
  it('reads a plain balanced problem exactly as parseReducedProblem does (-0 as 0, λ = 1 by default, tau allowed)', () => {
    for (const problem of [valid(), { ...valid(), inputVariances: undefined }, { ...valid(), tau: 2 }]) {
      const fast = parseBalancedFast(problem);
      expect(fast).to.not.equal(null);
      expect(fast).to.deep.equal(parsed(problem));
      expect(Object.is(fast!.p[2]![1], 0)).to.equal(true);
    }
  });

  it('leaves every other form, and every value the parser rejects, to the parser', () => {
    const v = valid();
    const thrower = { ...v };
    Object.defineProperty(thrower, 'depths', { enumerable: true, get: () => { throw new Error('no'); } });
    // A prototype other than Object.prototype: refused by the parser too (no field may come from a prototype).
    const inherited = Object.assign(Object.create({ inputVariances: [1, 1] }) as object, v);
    const cases: unknown[] = [
      null,
      [v],
      'problem',
      { ...v, times: [0, 1] },
      { ...v, solver: { rtol: 1e-6 } },
      { ...v, extra: 1 },
      { ...v, tau: 0 },
      { ...v, singularValues: [] },
      { ...v, singularValues: [3, -1] },
      { ...v, singularValues: [3, '1.5'] },
      { ...v, singularValues: new Float64Array([3, 1.5]) },
      { ...v, inputVariances: [1, 0] },
      { ...v, inputVariances: [1] },
      { ...v, depths: [4, 2.5, 1] },
      { ...v, depths: [4, 0, 1] },
      { ...v, depths: [4, FAST_MAX_DEPTH + 1, 1] },
      { ...v, depths: [] },
      { ...v, init: { layers: [] } },
      { ...v, init: { wideGaussian: { sigma: 0.5, width: 10, seed: 1 } } },
      { ...v, init: { q: v.init.q } },
      { ...v, init: { ...v.init, extra: 1 } },
      { ...v, init: { q: v.init.q, p: [v.init.p[0], v.init.p[1]] } },
      { ...v, init: { q: v.init.q, p: [v.init.p[0], v.init.p[1], [0.4, NaN]] } },
      { ...v, init: { q: v.init.q, p: [v.init.p[0], v.init.p[1], [0.4, Infinity]] } },
      // eslint-disable-next-line no-sparse-arrays
      { ...v, init: { q: v.init.q, p: [v.init.p[0], v.init.p[1], [0.4, ,]] } },
      thrower,
      new Proxy(v, { ownKeys: () => { throw new Error('no'); } }),
      inherited,
    ];
    cases.forEach((problem, i) => expect(parseBalancedFast(problem), `case ${i}`).to.equal(null));
    // The parser rejects each of them except times, solver, a depth beyond the fast path's and wideGaussian,
    // which are valid there: its business.
    const validThere = [3, 4, 15, 18];
    cases.forEach((problem, i) => expect(parsed(problem) === null, `case ${i}`).to.equal(!validThere.includes(i)));
  });

  it('stays inside the parser’s own depth limit', () => {
    expect(parsed({ ...valid(), depths: [FAST_MAX_DEPTH, 2, 1] })).to.not.equal(null);
  });

  it('whatever it accepts, the parser accepts with the same values (fast-check mutations of a valid problem)', () => {
    const entry = fc.oneof(
      fc.double(),
      fc.integer({ min: -2, max: 300 }),
      fc.constantFrom<unknown>(undefined, null, '1', true, [], {}, -0, 1e308),
    );
    const path = fc.constantFrom(
      ['singularValues', 0],
      ['inputVariances', 1],
      ['depths', 0],
      ['depths', 2],
      ['init', 'q', 1, 0],
      ['init', 'p', 2, 1],
      ['tau'],
      ['init', 'p', 3],
      ['depths', 3],
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(path, entry), { maxLength: 3 }), (mutations) => {
        const problem = valid() as unknown as Record<string, unknown>;
        for (const [keys, value] of mutations) {
          let target = problem as Record<string | number, unknown>;
          for (const key of keys.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
          target[keys[keys.length - 1]!] = value;
        }
        const fast = parseBalancedFast(problem);
        if (fast !== null) expect(fast).to.deep.equal(parsed(problem));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('endState gives the same result through either path', () => {
    const problem = valid();
    // `times` sends the same problem through parseReducedProblem.
    expect(endState(problem)).to.deep.equal(endState({ ...problem, times: [0] }));
  });

  it('a zero target leaves the shares undefined (NaN), not round-off divided by round-off', () => {
    // Found by the fuzz: with S = 0 the pathways end at K₁ = −K₂ exactly in theory, so any computed total is
    // round-off; before, its quotient gave shares of ±2.9e14. The nonzero mode keeps its ordinary shares.
    const r = endState({ singularValues: [0, 1], depths: [2, 3], init: { q: [[1, 1], [1, 1]], p: [[0.1, 0.1], [0.2, 0.2]] } });
    expect(r.status).to.equal('ok');
    expect(r.shares[0]![0]).to.be.NaN;
    expect(r.shares[1]![0]).to.be.NaN;
    expect(r.winnerShare[0]).to.be.NaN;
    expect(r.participation[0]).to.be.NaN;
    // The strengths still cancel: K₁ + K₂ = S = 0 to round-off of their size (0.05).
    expect(Math.abs(r.strengths[0]![0]! + r.strengths[1]![0]!)).to.be.below(1e-15);
    expect(r.shares[0]![1]! + r.shares[1]![1]!).to.be.closeTo(1, 1e-15);
  });

  it('reuses its buffers safely: problems of any size in any order give what the parser path gives', () => {
    // endState reads the fast path into buffers kept from call to call (and drops them after a large problem);
    // each result must be the one a fresh parse gives (`times` sends the problem through parseReducedProblem).
    const problemArb = fc
      .record({ K: fc.integer({ min: 1, max: 70 }), depths: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 70 }) })
      .chain(({ K, depths }) =>
        fc.record({
          singularValues: fc.array(fc.double({ min: 0.1, max: 5, noNaN: true }), { minLength: K, maxLength: K }),
          depths: fc.constant(depths),
          init: fc.record({
            q: fc.array(fc.array(fc.double({ min: 0.5, max: 1.5, noNaN: true }), { minLength: K, maxLength: K }), { minLength: depths.length, maxLength: depths.length }),
            p: fc.array(fc.array(fc.double({ min: -0.3, max: 0.3, noNaN: true }), { minLength: K, maxLength: K }), { minLength: depths.length, maxLength: depths.length }),
          }),
        }),
      );
    fc.assert(
      fc.property(fc.array(problemArb, { minLength: 1, maxLength: 4 }), (problems) => {
        const fast = problems.map((problem) => endState(problem));
        problems.forEach((problem, i) => expect(fast[i]).to.deep.equal(endState({ ...problem, times: [0] })));
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('a getter that calls endState while the problem is read does not disturb the outer call', () => {
    const inner = valid();
    const outer = { ...valid(), singularValues: [2, 0.5] };
    const expectedInner = endState(inner);
    const expectedOuter = endState(outer);
    let innerResult: unknown = null;
    // A getter on a row of q, the last value read: by then the outer call has read everything else.
    const q = [...outer.init.q];
    Object.defineProperty(q, 1, {
      enumerable: true,
      get: () => {
        innerResult = endState(inner);
        return outer.init.q[1];
      },
    });
    const tricky = { ...outer, init: { q, p: outer.init.p } };
    expect(endState(tricky)).to.deep.equal(expectedOuter);
    expect(innerResult).to.deep.equal(expectedInner);
  });
});
