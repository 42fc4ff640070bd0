import { expect } from 'chai';
import fc from 'fast-check';
import { equalFactorsFactor, equalFactorsPlateau, equalFactorsTime } from '../../src/exact/equal-factors.ts';
import { digamma, hyp2f1OneBBPlusOne } from '../../src/exact/hypergeometric.ts';
import { solveReduced } from '../../src/reduced/solve.ts';
import { SEED } from '../helpers/arbitraries.ts';

const num = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/**
 * Composite Simpson in s = ln x with 20 000 panels: an independent check of the closed-form antiderivative.
 * With h = ln(b/a)/20 000 ≲ 2e-4 and an integrand smooth on the scale ≳ 0.01 in s (the pole at (S/λ)^{1/D}
 * stays ≥ 5% away), the error ~ h⁴·f⁗ is below 1e-11 relative.
 */
function integrate(f: (x: number) => number, a: number, b: number): number {
  const n = 20000;
  const lo = Math.log(a);
  const h = (Math.log(b) - lo) / n;
  const g = (s: number) => f(Math.exp(s)) * Math.exp(s);
  let sum = g(lo) + g(lo + n * h);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * g(lo + i * h);
  return (sum * h) / 3;
}

describe('₂F₁(1, b; b+1; z) and the digamma function', () => {
  it('digamma matches known values: ψ(1) = −γ, ψ(½) = −γ − 2 ln 2, and the recurrence ψ(x+1) = ψ(x) + 1/x', () => {
    const gamma = 0.5772156649015329;
    // The asymptotic series is truncated at x⁻¹² for x ≥ 8 (error < 1e-15); recurrence steps add round-off.
    expect(digamma(1)).to.be.closeTo(-gamma, 1e-13);
    expect(digamma(0.5)).to.be.closeTo(-gamma - 2 * Math.LN2, 1e-13);
    fc.assert(
      fc.property(num(-5.5, 20), (x) => {
        fc.pre(Math.abs(x - Math.round(x)) > 1e-3);
        expect(digamma(x + 1)).to.be.closeTo(digamma(x) + 1 / x, 1e-11 * (1 + Math.abs(1 / x) + Math.abs(digamma(x))));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('agrees with the defining series summed to convergence, on both sides of z = ½', () => {
    fc.assert(
      fc.property(num(-0.95, 2), num(-0.9, 0.995), (b, z) => {
        fc.pre(Math.abs(b - Math.round(b)) > 1e-2 || b > 0.5);
        // b Σ zⁿ/(n+b): 20 000 terms leave |z|^20000 ≤ 0.995^20000 ≈ 1e-44 of the tail.
        let sum = 0;
        let power = 1;
        for (let n = 0; n < 20000; n++) {
          sum += power / (n + b);
          power *= z;
        }
        const reference = b * sum;
        // Round-off of 20 000 terms (≲ 1e-12 relative) dominates; the closed form is better than this.
        expect(hyp2f1OneBBPlusOne(b, z)).to.be.closeTo(reference, 1e-10 * (1 + Math.abs(reference)));
      }),
      { seed: SEED, numRuns: 200, endOnFailure: true },
    );
  });

  it('b = 1 is −ln(1 − z)/z', () => {
    for (const z of [-0.9, -0.1, 0.2, 0.5, 0.7, 0.99, 0.999999]) {
      expect(hyp2f1OneBBPlusOne(1, z)).to.be.closeTo(-Math.log1p(-z) / z, 1e-13 * (1 + Math.abs(Math.log1p(-z) / z)));
    }
  });
});

describe('one pathway of depth D with all factors equal', () => {
  const arb = fc.record({
    D: fc.integer({ min: 1, max: 8 }),
    S: num(0.5, 5),
    lambda: num(0.5, 2),
    tau: num(0.5, 2),
    start: num(0.05, 0.6),
    fraction: num(0.1, 0.95),
  });

  it('t(a) equals the quadrature of 1/(x^{D−1}(S − λx^D))', () => {
    fc.assert(
      fc.property(arb, ({ D, S, lambda, tau, start, fraction }) => {
        const aStar = (S / lambda) ** (1 / D);
        const a0 = start * aStar;
        const a = Math.max(a0, fraction ** (1 / D) * aStar);
        const params = { depth: D, singularValue: S, inputVariance: lambda, tau, initialFactor: a0 };
        const quadrature = a === a0 ? 0 : tau * integrate((x) => 1 / (x ** (D - 1) * (S - lambda * x ** D)), a0, a);
        // Quadrature error ≲ 1e-11 relative (see integrate); 1e-9 leaves room for round-off in 20 000 terms.
        expect(equalFactorsTime(params, a)).to.be.closeTo(quadrature, 1e-9 * (1 + Math.abs(quadrature)));
      }),
      { seed: SEED, numRuns: 100, endOnFailure: true },
    );
  });

  it('t(a) equals the learning time the ODE solver locates', () => {
    fc.assert(
      fc.property(arb, ({ D, S, lambda, tau, start, fraction }) => {
        const aStar = (S / lambda) ** (1 / D);
        const a0 = start * aStar;
        fc.pre(fraction > start ** D * 1.01);
        const params = { depth: D, singularValue: S, inputVariance: lambda, tau, initialFactor: a0 };
        const expected = equalFactorsTime(params, fraction ** (1 / D) * aStar);
        const solution = solveReduced(
          {
            singularValues: [S],
            inputVariances: [lambda],
            depths: [D],
            tau,
            // p = q = a₀: all D factors equal.
            init: { q: [[a0]], p: [[a0]] },
            times: [0, 1.5 * expected + 1],
            solver: { rtol: 1e-11, atol: 1e-13 },
          },
          { learningFraction: fraction },
        );
        // Event location on the dense output at rtol 1e-11: the located time is good to ~1e-9 relative.
        expect(solution.learningTimes![0]).to.be.closeTo(expected, 1e-7 * (1 + expected));
      }),
      { seed: SEED, numRuns: 100, endOnFailure: true },
    );
  });

  it('a(t) inverts t(a) and matches the ODE solution K(t) = a(t)^D', () => {
    fc.assert(
      fc.property(arb, num(0.01, 1), ({ D, S, lambda, tau, start }, u) => {
        const aStar = (S / lambda) ** (1 / D);
        const params = { depth: D, singularValue: S, inputVariance: lambda, tau, initialFactor: start * aStar };
        // Times up to three half-learning times, which reaches the converged tail.
        const tHalf = start ** D < 0.5 ? equalFactorsTime(params, 0.5 ** (1 / D) * aStar) : 1;
        const times = [0, u * tHalf, 2 * tHalf, 3 * tHalf];
        const solution = solveReduced({
          singularValues: [S],
          inputVariances: [lambda],
          depths: [D],
          tau,
          init: { q: [[start * aStar]], p: [[start * aStar]] },
          times,
          solver: { rtol: 1e-11, atol: 1e-13 },
        });
        times.forEach((t, i) => {
          const a = equalFactorsFactor(params, t);
          // Round trip: a is returned to a few ulps, so t(a) can move by 8ε·a·dt/da (large on the plateau and
          // near a*); beyond that, 1e-9 relative for the two antiderivative evaluations.
          const dtda = tau / (a ** (D - 1) * (S - lambda * a ** D));
          if (aStar - a > 1e-6 * aStar) {
            expect(equalFactorsTime(params, a)).to.be.closeTo(t, 1e-9 * (1 + t) + 8 * Number.EPSILON * a * dtda);
          }
          // After a plateau of length t the solver's error is mostly a phase error: a time shift of ≲ 100·rtol·t
          // (rtol 1e-11), which moves K by dK/dt·1e-9·t; on top, 1e-7 of S/λ.
          const dKdt = (D * a ** (2 * D - 2) * (S - lambda * a ** D)) / tau;
          expect(solution.strengths[i]![0]![0]).to.be.closeTo(a ** D, 1e-7 * (S / lambda) + dKdt * 1e-9 * t);
        });
      }),
      { seed: SEED, numRuns: 100, endOnFailure: true },
    );
  });

  it('small starts: the time to half-learning approaches the plateau τ / ((D−2) S a₀^{D−2})', () => {
    for (const D of [3, 4, 6]) {
      for (const ratio of [1e-2, 1e-3]) {
        const S = 2;
        const aStar = S ** (1 / D);
        const params = { depth: D, singularValue: S, initialFactor: ratio * aStar };
        const t = equalFactorsTime(params, 0.5 ** (1 / D) * aStar);
        // t − plateau = G(a_half) + O(plateau·z₀): relative size O((a₀/a*)^{D−2}); 5× that is a safe bound.
        expect(Math.abs(t / equalFactorsPlateau(params) - 1)).to.be.at.most(5 * ratio ** (D - 2));
      }
    }
  });
});
