import { expect } from 'chai';
import { endState, modeEndState } from '../../src/exact/endstate.ts';
import { ComputationError } from '../../src/util/errors.ts';

describe('end-state engine: finite inputs whose intermediates overflow (issue 13)', () => {
  it('a single pathway that can learn ends exactly at S/λ, whatever its gain (K₀ beyond double range included)', () => {
    // One pathway moves K monotonically to the root of K = S/λ, so the end state is S/λ itself (no tolerance):
    // q = 1e308 (A = ¼(p + q)² overflows), q = 1e154 at depth 4 (K₀ = 1e462), a deep blow-up, a stuck one mirrored.
    const cases: [number, number, number][] = [
      [2, 1e308, 1],
      [4, 1e154, 1],
      [4, 1e154, -1],
      [3, -1e200, 0.5],
      [30, 1e12, 0],
      [1, 0, 1e300],
    ];
    for (const [D, q, p] of cases) {
      const got = endState({ singularValues: [3], depths: [D], init: { q: [[q]], p: [[p]] } });
      expect(got.status).to.equal('ok');
      expect(got.strengths[0]![0], `D = ${D}, q = ${q}, p = ${p}`).to.equal(3);
    }
  });

  it('a single stuck pathway still ends at 0, and a stuck one above its target still comes down to it', () => {
    // Stuck (D ≥ 3, p ≤ −q): K → 0⁻ below a positive target; from above (K₀ > S/λ, the mirror image) K falls to S/λ.
    expect(modeEndState([4], 3, 1, [0.0018013], [-0.0022572])[0]).to.equal(0);
    expect(modeEndState([2], 3, 1, [0.5], [-0.5])[0]).to.equal(0);
    expect(modeEndState([4], 3, 1, [2], [3])[0]).to.equal(3);
  });

  it('S/λ that is not a double is a ComputationError naming the mode, not Infinity', () => {
    expect(() =>
      endState({ singularValues: [3], inputVariances: [1e-308], depths: [2], init: { q: [[0.1]], p: [[0.1]] } }),
    ).to.throw(ComputationError, /mode 0.*S\/λ = 3\/1e-308 overflows/);
  });

  it('several pathways with an initial strength beyond double range: a ComputationError naming the pathway', () => {
    expect(() => modeEndState([4, 2], 3, 1, [1e154, 0.5], [1, 0.1])).to.throw(ComputationError, /pathway 0.*overflows/);
  });

  it('large but representable gains beside a second pathway give finite strengths', () => {
    // q = 1e100 at depth 2 (K₀ = 1e100) and a small depth-2 pathway: the total comes down to S/λ exactly in
    // sum (to round-off of the largest term's motion, ε·1e100 absolute, which is ≪ K₀ but far above S).
    const got = modeEndState([2, 2], 3, 1, [1e100, 0.5], [1, 0.1]);
    for (const k of got) expect(Number.isFinite(k)).to.equal(true);
  });
});
