import { expect } from 'chai';
import { wideGaussianInit } from '../../src/reduced/init.ts';
import { solveReduced } from '../../src/reduced/solve.ts';

describe('wide-Gaussian initial conditions', () => {
  it('q = σ and p ~ N(0, σ²/N): sample mean and spread within sampling error', () => {
    const sigma = 0.7;
    const width = 400;
    const n = 20000;
    const { q, p } = wideGaussianInit(sigma, width, 12345, 1, n);
    expect(q[0]!.every((v) => v === sigma)).to.equal(true);
    const draws = p[0]!;
    const mean = draws.reduce((s, x) => s + x, 0) / n;
    const sd = Math.sqrt(draws.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
    const expected = sigma / Math.sqrt(width);
    // Standard errors: mean σ_p/√n ≈ 0.007σ_p, sd σ_p/√(2n) ≈ 0.005σ_p; 5 standard errors each.
    expect(mean).to.be.closeTo(0, (5 * expected) / Math.sqrt(n));
    expect(sd).to.be.closeTo(expected, (5 * expected) / Math.sqrt(2 * n));
  });

  it('the same seed gives the same problem and different seeds differ', () => {
    const problem = (seed: number) => ({
      singularValues: [2, 1],
      depths: [3, 3],
      init: { wideGaussian: { sigma: 0.5, width: 100, seed } },
      times: [0, 5],
    });
    expect(solveReduced(problem(7)).strengths).to.deep.equal(solveReduced(problem(7)).strengths);
    expect(solveReduced(problem(7)).strengths[0]).to.not.deep.equal(solveReduced(problem(8)).strengths[0]);
  });
});
