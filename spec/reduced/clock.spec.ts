import { expect } from 'chai';
import fc from 'fast-check';
import { depthOneStrengths } from '../../src/exact/depth1.ts';
import { depthTwoState } from '../../src/exact/depth2.ts';
import { equalFactorsTime } from '../../src/exact/equal-factors.ts';
import { solveModeOnClock } from '../../src/reduced/clock.ts';
import { halvedModeModel } from '../../src/reduced/halved.ts';
import { solveReduced } from '../../src/reduced/solve.ts';
import type { ReducedProblem } from '../../src/reduced/types.ts';

const SEED = 20_261_201;
const times = (tEnd: number, n = 41): number[] => Array.from({ length: n }, (_, i) => (tEnd * i) / (n - 1));
const value = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const signed = (min: number, max: number) => fc.tuple(value(min, max), fc.boolean()).map(([x, neg]) => (neg ? -x : x));

/** Largest |a − b| over two strengths arrays of the same shape. */
function maxDifference(a: number[][][], b: number[][][]): number {
  let worst = 0;
  a.forEach((row, t) => row.forEach((ks, p) => ks.forEach((k, m) => (worst = Math.max(worst, Math.abs(k - b[t]![p]![m]!))))));
  return worst;
}

/**
 * The clock method (src/reduced/clock.ts) is what `auto` uses on the balanced form. Its errors come from the
 * DOPRI5 steps along the clock (local error ≤ rtol·|x| + atol per step) and from the time map (Gauss–Lobatto
 * and Gauss–Legendre over the steps' continuous extensions); measured on the bench set at rtol 1e-8 the largest
 * error is 1.8e-8 of max S (bench/reduced). The bounds below are 10·rtol of the scale unless a comment says
 * otherwise.
 */
describe('reduced: the clock method of auto', () => {
  it('depth 2, any number of pathways, any (q₀, p₀): Saxe-type closed form at every output time (property, seeded)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        value(0.5, 5),
        value(0.5, 2),
        fc.constantFrom(0.5, 1, 2),
        fc.array(fc.tuple(value(0.2, 1.2), signed(0.001, 0.3)), { minLength: 3, maxLength: 3 }),
        (M, S, lambda, tau, inits) => {
          const q0 = inits.slice(0, M).map(([q]) => q);
          const p0 = inits.slice(0, M).map(([, p]) => p);
          const ts = times(40 * tau);
          const got = solveReduced({
            singularValues: [S],
            inputVariances: [lambda],
            depths: Array(M).fill(2),
            tau,
            init: { q: q0.map((q) => [q]), p: p0.map((p) => [p]) },
            times: ts,
            solver: { method: 'auto', rtol: 1e-8, atol: 1e-10 },
          });
          const exact = ts.map((t) => depthTwoState(p0, q0, S, t, lambda, tau).strengths.map((k) => [k]));
          expect(maxDifference(got.strengths, exact)).to.be.at.most(1e-7 * Math.max(1, S / lambda));
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('depth 1: the time map is a pure logarithm (φ ≡ 0), so the closed form holds to round-off', () => {
    const initial = [0.3, -0.1];
    const ts = times(12);
    const got = solveReduced({
      singularValues: [2],
      inputVariances: [0.8],
      depths: [1, 1],
      init: { q: [[1], [1]], p: [[initial[0]!], [initial[1]!]] },
      times: ts,
    });
    const exact = ts.map((t) => depthOneStrengths(initial, 2, t, 0.8).map((k) => [k]));
    // Round-off of the logarithm and exponential over a clock of O(1): a few ulps of S/λ = 2.5.
    expect(maxDifference(got.strengths, exact)).to.be.at.most(1e-13);
  });

  it('one balanced pathway of depth 3–6 (p = q): reaches a^D at the closed-form time t(a)', () => {
    for (const D of [3, 4, 5, 6]) {
      const a0 = 0.6;
      const S = 3;
      const aStar = S ** (1 / D);
      const factors = [0.7, 0.8, 0.9, 0.95, 0.99, 0.999].map((f) => a0 + f * (aStar - a0));
      const ts = [0, ...factors.map((a) => equalFactorsTime({ depth: D, singularValue: S, initialFactor: a0 }, a))];
      const got = solveReduced({ singularValues: [S], depths: [D], init: { q: [[a0]], p: [[a0]] }, times: ts });
      factors.forEach((a, i) => expect(got.strengths[i + 1]![0]![0], `D = ${D}, a = ${a}`).to.be.closeTo(a ** D, 1e-7 * S));
    }
  });

  it('long plateaus (small balanced starts, depth 3 and 4): the closed-form time of equal factors', () => {
    // τ/((D − 2) S a₀^{D−2}) ≈ 6.7 (D = 3) and 67 (D = 4) for a₀ = 0.05, S = 3: most of the time is plateau.
    // A relative error ε in the time map, ≈ rtol over the plateau, moves K by ε·t·dK/dt at a steep point of the
    // transition (dK/dt = D a^{2D−2}(S − a^D)/τ): the bound is 1e-7·S plus rtol·t·dK/dt. Measured at D = 4,
    // a = 0.9 of the way: 1.3e-6 against a bound of 7.5e-6 (integrating in time with the closed-form tail
    // instead gives 4.5e-6; a tight odex solve 7e-12).
    const rtol = 1e-8;
    for (const D of [3, 4]) {
      const a0 = 0.05;
      const S = 3;
      const aStar = S ** (1 / D);
      const factors = [0.01, 0.1, 0.5, 0.9, 0.999].map((f) => a0 + f * (aStar - a0));
      const ts = [0, ...factors.map((a) => equalFactorsTime({ depth: D, singularValue: S, initialFactor: a0 }, a))];
      const got = solveReduced({ singularValues: [S], depths: [D], init: { q: [[a0]], p: [[a0]] }, times: ts, solver: { method: 'auto', rtol, atol: 1e-10 } });
      factors.forEach((a, i) => {
        const slope = D * a ** (2 * D - 2) * (S - a ** D);
        expect(got.strengths[i + 1]![0]![0], `D = ${D}, a = ${a}`).to.be.closeTo(a ** D, 1e-7 * S + rtol * ts[i + 1]! * slope);
      });
    }
  });

  it('ends learning with Σ K = S/λ to rtol/1000, also after a clock much longer than its last stretch', () => {
    // Small balanced starts of deep pathways: the clock to the end of learning is up to ≈ 1e7 long, with the
    // last 10% of the learning in its last 1e-9 (the pathways blow up just beyond it). The end is located until
    // the residual is below max(rtol/1000, 16ε)·S; Σ K then lies within that of S/λ (the Taylor step's error is
    // second order in an already small move, and the sum's rounding a few ε). A criterion relative to the clock
    // left it 6e-7 off at depth 8.
    for (const D of [3, 6, 8]) {
      for (const start of [0.05, 0.2]) {
        for (const rtol of [1e-6, 1e-8, 1e-11]) {
          for (const M of [1, 2]) {
            const S = 0.65;
            const lambda = 0.66;
            const tau = 1.5;
            const aStar = (S / lambda) ** (1 / D);
            const params = { depth: D, singularValue: S, inputVariance: lambda, tau, initialFactor: start * aStar };
            const tHalf = equalFactorsTime(params, 0.5 ** (1 / D) * aStar);
            const depths = Array.from({ length: M }, () => D);
            const init = { q: depths.map(() => [start * aStar]), p: depths.map(() => [start * aStar]) };
            // Far past learning: the state read there is the learned one.
            const tEnd = 2 * tHalf + 1000 * tau;
            const solution = solveReduced({ singularValues: [S], inputVariances: [lambda], depths, tau, init, times: [0, tEnd], solver: { rtol, atol: rtol / 100 } });
            const total = solution.strengths[1]!.reduce((sum, k) => sum + k[0]!, 0);
            expect(Math.abs(total - S / lambda), `D ${D}, start ${start}, rtol ${rtol}, M ${M}`).to.be.at.most(
              2 * Math.max(1e-3 * rtol, 16 * Number.EPSILON) * (S / lambda),
            );
          }
        }
      }
    }
  });

  it('a mode still on its plateau at the last output time is integrated in time, and agrees with the reference', () => {
    // a₀ = 0.05, D = 4: the plateau lasts ≈ 67 > t_end = 20, so the clock is abandoned past the horizon.
    const problem: ReducedProblem = {
      singularValues: [3, 2],
      depths: [4, 4],
      init: { q: [[0.05, 0.9], [0.05, 0.8]], p: [[0.05, 0.01], [0.04, -0.02]] },
      times: times(20),
    };
    const halved = halvedModeModel({ depths: [4, 4], singularValue: 3, inputVariance: 1, tau: 1 }, [0.05, 0.05, 0.04, 0.05]);
    expect(solveModeOnClock(halved, 1, 1e-8, 1e-10, 100_000, 20), 'past the horizon').to.equal(null);
    const got = solveReduced(problem);
    const reference = solveReduced({ ...problem, solver: { method: 'odex', rtol: 1e-13, atol: 1e-15 } });
    expect(maxDifference(got.strengths, reference.strengths)).to.be.at.most(1e-7 * 3);
  });

  it('runs the clock backwards when the initial total is above the target (residual starting negative)', () => {
    // Depth 2 from above: K_a(0) = p q = 1.2 and 0.9, target S/λ = 1.
    const p0 = [1.2, 0.9];
    const q0 = [1, 1];
    const ts = times(10);
    const halved = halvedModeModel({ depths: [2, 2], singularValue: 1, inputVariance: 1, tau: 1 }, [p0[0]!, q0[0]!, p0[1]!, q0[1]!]);
    expect(solveModeOnClock(halved, 1, 1e-8, 1e-10, 100_000, 10), 'the clock method applies').to.not.equal(null);
    expect(halved.clockSign).to.equal(-1);
    const got = solveReduced({ singularValues: [1], depths: [2, 2], init: { q: [[1], [1]], p: [[1.2], [0.9]] }, times: ts });
    const exact = ts.map((t) => depthTwoState(p0, q0, 1, t).strengths.map((k) => [k]));
    expect(maxDifference(got.strengths, exact)).to.be.at.most(1e-7);
  });

  it('mixed depths, both signs of p and c: agrees with a tight reference solve (property, seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(value(0.5, 5), value(0.5, 2)), { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(value(0.3, 1.1), signed(0.001, 0.6)), { minLength: 9, maxLength: 9 }),
        fc.constantFrom(0.5, 1, 2),
        (depths, modes, inits, tau) => {
          const M = depths.length;
          const K = modes.length;
          const problem: ReducedProblem = {
            singularValues: modes.map(([s]) => s),
            inputVariances: modes.map(([, l]) => l),
            depths,
            tau,
            init: {
              q: depths.map((_, a) => modes.map((_, m) => inits[a * 3 + m]![0])),
              p: depths.map((_, a) => modes.map((_, m) => inits[a * 3 + m]![1])),
            },
            times: times(30 * tau),
          };
          const got = solveReduced({ ...problem, solver: { method: 'auto', rtol: 1e-8, atol: 1e-10 } });
          const reference = solveReduced({ ...problem, solver: { method: 'odex', rtol: 1e-13, atol: 1e-15, maxSteps: 1e7 } });
          expect(got.status).to.equal('ok');
          expect(got.strengths.length).to.equal(reference.strengths.length);
          const scale = Math.max(1, ...modes.map(([s, l]) => s / l));
          expect(maxDifference(got.strengths, reference.strengths), `M = ${M}, K = ${K}`).to.be.at.most(1e-7 * scale);
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('dense evaluation equals the read-out at the output times and follows the solution in between', () => {
    const problem: ReducedProblem = {
      singularValues: [3, 1],
      depths: [4, 2, 1],
      init: { q: [[0.9, 0.7], [0.8, 0.6], [0, 0]], p: [[0.01, -0.03], [0.02, 0.01], [0.01, 0.02]] },
      times: times(20),
    };
    const solution = solveReduced(problem);
    solution.strengths.forEach((row, t) => {
      const snapshot = solution.at(problem.times[t]!);
      row.forEach((ks, a) => ks.forEach((k, m) => expect(snapshot.strengths[a]![m]).to.equal(k)));
    });
    // Between output times: the same as a solve with that time among its outputs. The integration along the
    // clock does not depend on the output times (both modes learn well before either horizon), so the two agree
    // to round-off; 1e-12 leaves room for nothing else.
    const between = [0.37, 1.234, 2.5, 7.77];
    const direct = solveReduced({ ...problem, times: [0, ...between] });
    between.forEach((t, i) =>
      solution.at(t).strengths.forEach((ks, a) => ks.forEach((k, m) => expect(k).to.be.closeTo(direct.strengths[i + 1]![a]![m]!, 1e-12))),
    );
  });

  it('reads out the learned state x∞ only where the solution is within rtol/1000 of it', () => {
    // Late output times are copies of x∞ once |x − x∞| ≤ 1e-3·(atol + rtol·|x∞|) in every pathway (with a
    // margin e). Just before the first time read as a copy, the solution (evaluated without the shortcut) must
    // already be that close, and not much closer (else the copies come from w∞'s rounding, not the criterion).
    const rtol = 1e-8;
    const atol = 1e-10;
    const cases: [number[], number, number[]][] = [
      [[4, 2, 1], 3, [0.01, 0.9, 0.02, 0.8, 0.01]],
      [[3], 1.5, [0.05, 0.7]],
      [[6, 5], 2, [0.1, 0.8, -0.05, 0.9]],
    ];
    for (const [depths, S, y0] of cases) {
      const halved = halvedModeModel({ depths, singularValue: S, inputVariance: 1, tau: 1 }, y0);
      const clock = solveModeOnClock(halved, 1, rtol, atol, 100_000, 1e6)!;
      const xEnd = clock.evaluate(1e6);
      const isCopy = (t: number): boolean => clock.evaluate(t).every((v, i) => v === xEnd[i]);
      // The first copy, by bisection on [0, 1e6] (copies are monotone in t).
      let lo = 0;
      let hi = 1e6;
      for (let k = 0; k < 200 && hi - lo > 1e-12 * hi; k++) {
        const mid = 0.5 * (lo + hi);
        if (isCopy(mid)) hi = mid;
        else lo = mid;
      }
      const before = clock.evaluate(lo);
      const distance = Math.max(...before.map((v, i) => Math.abs(v - xEnd[i]!) / (atol + rtol * Math.abs(xEnd[i]!))));
      expect(distance).to.be.at.most(1e-3);
      // Measured 3.7e-4 in all three: the criterion's e⁻¹·1e-3 (the fastest pathway sets it).
      expect(distance).to.be.at.least(1e-6);
    }
  });

  it('leaves to the integration in time what it does not cover: a mode at rest, a mode that cannot learn', () => {
    const atRest = halvedModeModel({ depths: [2], singularValue: 0.5, inputVariance: 1, tau: 1 }, [0.5, 1]);
    expect(solveModeOnClock(atRest, 1, 1e-8, 1e-10, 100_000, 10)).to.equal(null);
    // Every pathway stuck below zero (p₀ = −q₀ for D = 2, p₀ ≤ −q₀ for D ≥ 3): K_a → 0, never S.
    const stuck = halvedModeModel({ depths: [3, 2], singularValue: 2, inputVariance: 1, tau: 1 }, [-0.9, 0.6, -0.7, 0.7]);
    expect(solveModeOnClock(stuck, 1, 1e-8, 1e-10, 100_000, 50)).to.equal(null);
    const solved = solveReduced({ singularValues: [2], depths: [3, 2], init: { q: [[0.6], [0.7]], p: [[-0.9], [-0.7]] }, times: times(50) });
    expect(solved.status).to.equal('ok');
    const last = solved.strengths.at(-1)!;
    // Both decay towards 0 from below (end-state engine, spec/exact): still on the way at t = 50.
    expect(last[0]![0]).to.be.within(-0.1, 0);
    expect(last[1]![0]).to.be.within(-1e-6, 0);
  });
});
