import { expect } from 'chai';
import { modeLoss } from '../../src/reduced/model.ts';
import { solveReduced } from '../../src/reduced/solve.ts';

const allFinite = (xs: unknown): boolean =>
  Array.isArray(xs) ? xs.every(allFinite) : typeof xs === 'number' && Number.isFinite(xs);

describe('solveReduced: no "ok" result holds a non-finite number (issue 13)', () => {
  it('the loss ½r²/λ is computed without an intermediate overflow when it is a double', () => {
    // λ = 1e200, K = 1e-27: r = 3 − 1e173, r² = 1e346 overflows, the loss ½·1e346/1e200 = 5e145 does not.
    // Scaling by √λ rounds twice more than the direct formula: 4 ulps.
    expect(modeLoss(3, 1e200, [1e-27], 1) / 5e145).to.be.closeTo(1, 1e-15);
    // And r² underflowing while the loss is a double: r = 1e-200, λ = 1e-300 gives ½·1e-100.
    expect(modeLoss(1e-200, 1e-300, [0], 1) / 0.5e-100).to.be.closeTo(1, 1e-15);
    // The direct formula where it is fine, bit for bit.
    expect(modeLoss(3, 2, [0.5], 1)).to.equal((0.5 * 2 * 2) / 2); // r = 3 − 2·0.5 = 2
  });

  it('λ = 1e200: the loss at t = 0 is the double 5e145, not Infinity', () => {
    const s = solveReduced({
      singularValues: [3],
      inputVariances: [1e200],
      depths: [1],
      init: { q: [[1]], p: [[1e-27]] },
      times: [0, 1],
      solver: { method: 'rosenbrock' },
    });
    expect(s.status).to.equal('ok');
    expect(s.loss[0]! / 5e145).to.be.closeTo(1, 1e-15);
    expect(allFinite(s.toJSON().loss)).to.equal(true);
  });

  it('an initial strength beyond double range fails at t = 0, naming the mode and the cause (times: [0] too)', () => {
    // q = 1e154 at depth 4 and p = 1e154: K(0) = 1e616.
    for (const times of [[0], [0, 1]]) {
      const s = solveReduced({ singularValues: [3], depths: [4], init: { q: [[1e154]], p: [[1e154]] }, times });
      expect(s.status).to.equal('failed');
      expect(s.message).to.match(/mode 0 .*strength 0 is Infinity at t = 0, beyond double precision/);
      expect(s.times).to.deep.equal([]);
      expect(s.strengths).to.deep.equal([]);
    }
  });

  it('a loss that is not a double (S/λ = 3e308) is a failure, not "ok" with Infinity', () => {
    const s = solveReduced({
      singularValues: [3],
      inputVariances: [1e-308],
      depths: [2],
      init: { q: [[1]], p: [[1]] },
      times: [0, 1],
    });
    expect(s.status).to.equal('failed');
    expect(s.message).to.match(/the loss is Infinity at t = 0/);
    expect(allFinite(s.toJSON().strengths) && allFinite(s.toJSON().loss)).to.equal(true);
  });
});
