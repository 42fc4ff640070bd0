import { expect } from 'chai';
import { integrate } from '../../src/integrate/index.ts';
import type { OdeProblem } from '../../src/integrate/types.ts';

/** y' = −1000 y: at its stability limit an explicit method steps ≈ 3.3e-3 whatever the tolerance. */
const stiffDecay = (tEnd: number): OdeProblem => ({
  dimension: 1,
  rhs: (_t, y, dy) => {
    dy[0] = -1000 * y[0]!;
  },
  jacobian: (_t, _y, j) => {
    j[0] = -1000;
  },
  t0: 0,
  y0: [1],
  tEnd,
});

describe('integrate: a run that will not reach its horizon says so early (issue 13)', () => {
  it('dopri5 and dop853 at the stability limit of a stiff decay to t = 1e30 stop after a quarter of the budget', () => {
    for (const method of ['dopri5', 'dop853'] as const) {
      const s = integrate(stiffDecay(1e30), { rtol: 1e-8, atol: 1e-10, maxSteps: 20_000 }, method);
      expect(s.status).to.equal('failed');
      expect(s.message).to.match(/will not reach tEnd = 1\.00e\+30 within the step budget/);
      expect(s.message).to.match(/not growing/);
      // The forecast looks from a quarter of the budget on, every 256 accepted steps (plus rejections).
      const used = s.stats.steps + s.stats.rejectedSteps;
      expect(used).to.be.at.least(5000);
      expect(used).to.be.below(10_000);
      // What was reached is kept and valid: the decay to far below atol.
      expect(Math.abs(s.yEnd[0]!)).to.be.below(1e-9);
    }
  });

  it('a run that would make it is not stopped: the same decay to t = 50 within its 20,000 steps', () => {
    // ≈ 50/3.3e-3 ≈ 15,000 steps at the stability limit: more than a quarter of the budget, within it.
    const s = integrate(stiffDecay(50), { rtol: 1e-8, atol: 1e-10, maxSteps: 20_000 }, 'dopri5');
    expect(s.status, s.message).to.equal('ok');
    expect(s.stats.steps).to.be.above(5000);
  });

  it('geometrically growing steps that reach the horizon are not stopped (y = 1/(1 + t) to 1e30)', () => {
    const problem: OdeProblem = {
      dimension: 1,
      rhs: (t, y, dy) => {
        dy[0] = -y[0]! / (1 + t);
      },
      t0: 0,
      y0: [1],
      tEnd: 1e30,
    };
    const s = integrate(problem, { rtol: 1e-10, atol: 1e-300, maxSteps: 4000 }, 'dopri5');
    expect(s.status, s.message).to.equal('ok');
    // ≈ 2,250 steps: past the quarter of the budget where the forecast starts looking.
    expect(s.stats.steps).to.be.above(1000);
    // Relative accuracy of the solution 1/(1 + t) at the end: the run's rtol over ~70 e-folds of t, with margin.
    expect(s.yEnd[0]! * 1e30).to.be.closeTo(1, 1e-6);
  });
});
