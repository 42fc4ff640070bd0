import { expect } from 'chai';
import { endState } from '../../src/exact/endstate.ts';
import { balancedToLayers, wideGaussianInit } from '../../src/reduced/init.ts';
import { solveReduced } from '../../src/reduced/solve.ts';
import type { ReducedProblem } from '../../src/reduced/types.ts';

/**
 * Issue 18's known bug: a clock far longer than its last steps. Depth 16 from σ = 0.1 has a clock of w∞ ≈ 3.9e13
 * whose last 10% of learning happens in its last 0.0026 (by quadrature) — below the clock's rounding, 0.008 — so
 * the integration in w stopped with "step size underflow" (and the time integration after it too). The clock
 * is now recorded in segments, each from its own origin (src/reduced/clock.ts), so its end is resolved.
 *
 * References are independent of the solver: the end state by the clock-change root find (src/exact/endstate.ts,
 * closed-form pathway functions), and for one pathway the time to reach a strength by quadrature of
 * t(p) = τ ∫ dp / (q^{D−1} (S − λ p q^{D−1})), q = √(p² + c) (below).
 */

/** Adaptive Simpson on [a, b] to an absolute tolerance (the integrands below are smooth on [a, b]). */
function simpson(f: (x: number) => number, a: number, b: number, tol: number): number {
  const step = (lo: number, hi: number, flo: number, fmid: number, fhi: number, whole: number, tolerance: number, depth: number): number => {
    const mid = 0.5 * (lo + hi);
    const left = 0.5 * (lo + mid);
    const right = 0.5 * (mid + hi);
    const fl = f(left);
    const fr = f(right);
    const h = (hi - lo) / 12;
    const a1 = h * (flo + 4 * fl + fmid);
    const a2 = h * (fmid + 4 * fr + fhi);
    if (depth > 40 || Math.abs(a1 + a2 - whole) <= 15 * tolerance) return a1 + a2 + (a1 + a2 - whole) / 15;
    return step(lo, mid, flo, fl, fmid, a1, tolerance / 2, depth + 1) + step(mid, hi, fmid, fr, fhi, a2, tolerance / 2, depth + 1);
  };
  const fa = f(a);
  const fb = f(b);
  const fm = f(0.5 * (a + b));
  return step(a, b, fa, fm, fb, ((b - a) / 6) * (fa + 4 * fm + fb), tol, 0);
}

describe('reduced: very long clocks (depth 16 from σ = 0.1, issue 18 bug)', () => {
  it("the issue's problem (two depth-16 pathways, wideGaussian σ = 0.1) is solved, and ends at the end state", () => {
    const problem: ReducedProblem = {
      singularValues: [3],
      depths: [16, 16],
      init: { wideGaussian: { sigma: 0.1, width: 100, seed: 3510241966934218 } },
      times: [0, 4e13],
    };
    const exact = endState(problem).strengths;
    // The same draws posed per layer: 15 layers at σ, the read-out layer at p.
    const layers = balancedToLayers(wideGaussianInit(0.1, 100, 3510241966934218, 2, 1), problem.depths);
    for (const init of [problem.init, { layers }]) {
      const got = solveReduced({ ...problem, init });
      expect(got.status, got.message).to.equal('ok');
      // Learned by the pathway that started closer to zero; the other keeps its ~1e-17 (endState's).
      const last = got.strengths.at(-1)!;
      expect(last[1]![0]!).to.be.closeTo(exact[1]![0]!, 1e-10 * 3);
      expect(last[0]![0]!).to.be.closeTo(exact[0]![0]!, 1e-10 * 3);
    }
  });

  for (const form of ['balanced', 'perLayer'] as const) {
    it(`one depth-16 pathway (${form}): the times to reach 10%, 50%, 90%, 99% of S are the quadrature's, to 1e-7 of them`, () => {
      const D = 16;
      const S = 3;
      const q0 = 0.1;
      const p0 = -0.0041288791694177;
      const c = q0 * q0 - p0 * p0;
      const q = (p: number): number => Math.sqrt(p * p + c);
      const strength = (p: number): number => p * q(p) ** (D - 1);
      /** p with K(p) = k: K is increasing in p here (dK/dp = q^{D−3}(q² + (D−1)p²) > 0). */
      const pOf = (k: number): number => {
        let lo = p0;
        let hi = 2;
        for (let i = 0; i < 200; i++) {
          const mid = 0.5 * (lo + hi);
          if (strength(mid) < k) lo = mid;
          else hi = mid;
        }
        return 0.5 * (lo + hi);
      };
      // dt/dp = τ / (q^{D−1} r): from p0 to the p of each target. The plateau (q^{D−1} ≈ 1e-15) dominates; in
      // pieces at p = 0.2 and 0.5 so that each piece's tolerance is relative to its own size.
      const rate = (p: number): number => 1 / (q(p) ** (D - 1) * (S - strength(p)));
      const timeTo = (p: number): number => {
        const cuts = [p0, ...[0.2, 0.5].filter((x) => x < p), p];
        let t = 0;
        for (let i = 0; i + 1 < cuts.length; i++) {
          const piece = simpson(rate, cuts[i]!, cuts[i + 1]!, 1);
          t += simpson(rate, cuts[i]!, cuts[i + 1]!, 1e-12 * Math.abs(piece));
        }
        return t;
      };
      const fractions = [0.1, 0.5, 0.9, 0.99];
      const times = fractions.map((f) => timeTo(pOf(f * S)));
      // And two times on the plateau, where K (≈ 1e-17) moves slowly and its time is well conditioned.
      times.unshift(0.3 * times[0]!, 0.9 * times[0]!);
      fractions.unshift(Number.NaN, Number.NaN);
      const init = form === 'balanced' ? { q: [[q0]], p: [[p0]] } : { layers: [[...Array.from({ length: D - 1 }, () => [q0]), [p0]]] };
      const got = solveReduced({ singularValues: [S], depths: [D], init, times: [0, ...times, 1e15] });
      expect(got.status, got.message).to.equal('ok');
      expect(got.strengths.at(-1)![0]![0]!).to.be.closeTo(S, 1e-12 * S);
      // The learning happens within Δt ≈ 1 at t ≈ 1.3e13: K at a given time is ill-conditioned (any method's
      // relative error ~rtol in the plateau's length is ~1e5 in t), so the check is on times: the quadrature's
      // time of the strength the solver gives there. rtol 1e-8, and the plateau's ~200 steps: 1e-7 (measured:
      // 1.3e-8 in the transition).
      times.forEach((t, i) => {
        const k = got.strengths[i + 1]![0]![0]!;
        if (i < 2) expect(k, 'plateau').to.be.below(1e-15);
        else expect(k, `${fractions[i]}`).to.be.above(0);
        expect(Math.abs(timeTo(pOf(k)) - t) / t, `at ${fractions[i]}·S`).to.be.at.most(1e-7);
      });
    });
  }
});
