import { expect } from 'chai';
import fc from 'fast-check';
import { depthOneStrengths } from '../../src/exact/depth1.ts';
import { depthTwoState } from '../../src/exact/depth2.ts';
import { saxeStrength, saxeTime } from '../../src/exact/saxe.ts';
import { solveReduced } from '../../src/reduced/solve.ts';
import { SEED } from '../helpers/arbitraries.ts';

const num = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const entry = fc.oneof(fc.constant(0), num(1e-3, 1), num(-1, -1e-3));
const TIGHT = { method: 'auto' as const, rtol: 1e-10, atol: 1e-12 };
/**
 * The ODE solution at rtol 1e-10 carries a global error of a few hundred rtol at most on these short, smooth
 * solves, so closed form and solver must agree to 1e-7 relative to the mode's scale (|K| + S/λ).
 */
const agree = (exact: number, numeric: number, scale: number) =>
  expect(numeric).to.be.closeTo(exact, 1e-7 * (Math.abs(exact) + scale));

describe('closed forms against the ODE solver (fast-check, rtol 1e-10)', () => {
  it("Saxe's sigmoid K(t) for one depth-2 balanced pathway, and its inverse t(K)", () => {
    const arb = fc.record({ S: num(0.5, 5), lambda: num(0.5, 2), tau: num(0.5, 2), K0: num(1e-4, 0.2), tEnd: num(1, 20) });
    fc.assert(
      fc.property(arb, ({ S, lambda, tau, K0, tEnd }) => {
        const params = { singularValue: S, inputVariance: lambda, tau, initialStrength: K0 };
        const times = Array.from({ length: 21 }, (_, i) => (tEnd * i) / 20);
        const a0 = Math.sqrt(K0);
        const solution = solveReduced(
          { singularValues: [S], inputVariances: [lambda], depths: [2], tau, init: { q: [[a0]], p: [[a0]] }, times, solver: TIGHT },
          { learningFraction: 0.5 },
        );
        times.forEach((t, i) => agree(saxeStrength(params, t), solution.strengths[i]![0]![0]!, S / lambda));
        // Inverse: t(K(t)) = t wherever K is still measurably below S/λ (the inverse is ill-conditioned at S/λ).
        for (const t of times) {
          const K = saxeStrength(params, t);
          if (S / lambda - K > 1e-6 * (S / lambda)) expect(saxeTime(params, K)).to.be.closeTo(t, 1e-6 * (1 + t));
        }
        // Learning time (half of S/λ) by event location on the dense output vs the closed-form inverse.
        if (K0 >= (0.5 * S) / lambda) {
          expect(solution.learningTimes![0]).to.equal(0);
        } else {
          // Event location is exact on the dense output; the dense output itself is within ~1e-9 of K(t), and
          // dK/dt ≥ S²/(2λτ)·… is bounded away from 0 at half height, so t is as accurate as K.
          const half = saxeTime(params, (0.5 * S) / lambda);
          if (half <= tEnd) expect(solution.learningTimes![0]).to.be.closeTo(half, 1e-7 * (1 + half));
          else expect(solution.learningTimes![0]).to.equal(null);
        }
      }),
      { seed: SEED, numRuns: 60, endOnFailure: true },
    );
  });

  it('M pathways of depth 2 from any (q₀, p₀): the Riccati solution', () => {
    const arb = fc.record({
      M: fc.integer({ min: 1, max: 4 }),
      S: fc.oneof(fc.constant(0), num(1e-3, 5)),
      lambda: num(0.5, 2),
      tau: num(0.5, 2),
      // Magnitudes ≥ 1e-3 (or exactly 0): the growth e^{u} can reach ~1e3, and a start near atol would let
      // the solver's absolute error, not the closed form, decide the comparison.
      p0: fc.array(entry, { minLength: 4, maxLength: 4 }),
      q0: fc.array(entry, { minLength: 4, maxLength: 4 }),
      tEnd: num(0.5, 10),
    });
    fc.assert(
      fc.property(arb, ({ M, S, lambda, tau, p0, q0, tEnd }) => {
        const p = p0.slice(0, M);
        const q = q0.slice(0, M);
        const times = Array.from({ length: 11 }, (_, i) => (tEnd * i) / 10);
        const solution = solveReduced({
          singularValues: [S],
          inputVariances: [lambda],
          depths: new Array<number>(M).fill(2),
          tau,
          init: { q: q.map((v) => [v]), p: p.map((v) => [v]) },
          times,
          solver: TIGHT,
        });
        const scale = S / lambda + p.reduce((s, v, a) => s + v * v + q[a]! * q[a]!, 0);
        times.forEach((t, i) => {
          const exact = depthTwoState(p, q, S, t, lambda, tau);
          exact.strengths.forEach((k, a) => agree(k, solution.strengths[i]![a]![0]!, scale));
        });
      }),
      { seed: SEED, numRuns: 100, endOnFailure: true },
    );
  });

  it('the depth-2 solution keeps q²−p² and satisfies K = p q', () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 2, maxLength: 2 }), num(0, 5), num(0, 10), ([p0, q0], S, t) => {
        const { p, q, strengths } = depthTwoState([p0!], [q0!], S, t);
        // cosh² − sinh² = 1 makes c exact up to round-off in terms of size |p|² + |q|².
        expect(q[0]! ** 2 - p[0]! ** 2).to.be.closeTo(q0! ** 2 - p0! ** 2, 1e-12 * (1 + p[0]! ** 2 + q[0]! ** 2));
        expect(strengths[0]).to.equal(p[0]! * q[0]!);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('depth-1 pathways: equal increments and exponential relaxation', () => {
    const arb = fc.record({
      M: fc.integer({ min: 1, max: 4 }),
      S: num(0, 5),
      lambda: num(0.5, 2),
      tau: num(0.5, 2),
      k0: fc.array(num(-1, 1), { minLength: 4, maxLength: 4 }),
    });
    fc.assert(
      fc.property(arb, ({ M, S, lambda, tau, k0 }) => {
        const K0 = k0.slice(0, M);
        const times = [0, 0.1, 0.5, 1, 2, 5];
        const solution = solveReduced({
          singularValues: [S],
          inputVariances: [lambda],
          depths: new Array<number>(M).fill(1),
          tau,
          init: { q: K0.map(() => [0]), p: K0.map((k) => [k]) },
          times,
          solver: TIGHT,
        });
        times.forEach((t, i) =>
          depthOneStrengths(K0, S, t, lambda, tau).forEach((k, a) => agree(k, solution.strengths[i]![a]![0]!, 1 + S / lambda)),
        );
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('domain errors are explicit', () => {
    expect(() => saxeStrength({ singularValue: 1, initialStrength: 0 }, 1)).to.throw(RangeError, /K₀ > 0/);
    expect(() => saxeTime({ singularValue: 1, initialStrength: 0.1 }, 1)).to.throw(RangeError, /not reached/);
  });
});
