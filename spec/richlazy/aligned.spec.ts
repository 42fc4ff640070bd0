/**
 * The aligned λ-balanced two-layer mode in closed form (issue 16, item 3) against two independent references:
 * the package's ODE solver on the same mode (depth-2 pathway, q = c, p = d) at its tightest tolerance, and the
 * closed form as printed in research/companions-sources.md §4b with its erratum fixed (|λ| in g₀).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { ValidationError } from '../../src/util/errors.ts';
import { solveReduced } from '../../src/reduced/solve.ts';
import { alignedModeSolution, alignedWeightChange } from '../../src/richlazy/aligned.ts';

/** research §4b: K = √(λ²+4s²), g₀ = 2a₀ sgn λ/(√(λ²+4a₀²)+|λ|), C, E, x, a = λx/(1 − x²) (λ ≠ 0). */
function printedForm(s: number, lambda: number, a0: number, t: number): number {
  const K = Math.sqrt(lambda ** 2 + 4 * s * s);
  const g0 = (2 * a0 * Math.sign(lambda)) / (Math.sqrt(lambda ** 2 + 4 * a0 * a0) + Math.abs(lambda));
  const C = (K + lambda + 2 * s * g0) / (K - lambda - 2 * s * g0);
  const E = C * Math.exp(Math.sign(lambda) * K * t);
  const x = (K * (E - 1) - lambda * (E + 1)) / (2 * s * (E + 1));
  return (lambda * x) / (1 - x * x);
}

const TIMES = [0, 0.05, 0.2, 0.5, 1, 2, 4];

describe('aligned two-layer mode, closed form', () => {
  it('matches the ODE solver on the same mode to 1e-10 (rich and lazy, either sign of λ and a₀)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.2, max: 4, noNaN: true }),
        fc.double({ min: -2.5, max: 2.5, noNaN: true }),
        fc.double({ min: -2.5, max: 2.5, noNaN: true }),
        (s, c0, d0) => {
          if (Math.abs(c0 * d0) < 1e-3 && Math.abs(d0 * d0 - c0 * c0) < 1e-3) return; // a mode that barely moves in t ≤ 4
          const mode = alignedModeSolution({ s, c0, d0 });
          const ode = solveReduced(
            { singularValues: [s], depths: [2], init: { q: [[c0]], p: [[d0]] }, times: TIMES, solver: { method: 'dop853', rtol: 1e-13, atol: 1e-14 } },
          );
          expect(ode.status).to.equal('ok');
          TIMES.forEach((t, i) => {
            const st = mode.at(t);
            // dop853 at rtol 1e-13 is accurate to ~1e-12 over t ≤ 4; the closed form to a few ulps.
            expect(st.product, `t = ${t}`).to.be.closeTo(ode.strengths[i]![0]![0]!, 1e-10 * Math.max(1, s));
            expect(st.second ** 2 - st.first ** 2).to.be.closeTo(mode.lambda, 1e-12 * Math.max(1, st.first ** 2 + st.second ** 2));
          });
        },
      ),
      { seed: 1602, numRuns: 60 },
    );
  });

  it('agrees with the printed closed form (|λ| in g₀) for λ of either sign', () => {
    for (const [s, c0, d0] of [[1, 0.3, 0.8], [2, 1.5, 0.2], [0.7, -0.4, 1.9], [3, 2, -0.5]] as const) {
      const mode = alignedModeSolution({ s, c0, d0 });
      for (const t of TIMES) expect(mode.at(t).product).to.be.closeTo(printedForm(s, mode.lambda, c0 * d0, t), 1e-11);
    }
  });

  it('is the Saxe sigmoid at λ = 0 and an exponential relaxation at |λ| ≫ s', () => {
    const s = 2;
    const a0 = 0.01;
    const rich = alignedModeSolution({ s, c0: Math.sqrt(a0), d0: Math.sqrt(a0) });
    for (const t of TIMES) expect(rich.at(t).product).to.be.closeTo(s / (1 + (s / a0 - 1) * Math.exp(-2 * s * t)), 1e-13);
    // |λ| = 400 ≫ s: τ da/dt ≈ |λ|(s − a), so a(t) ≈ s − (s − a₀)e^{−|λ|t}, relative error O((a/λ)²).
    const d0 = 20;
    const lazy = alignedModeSolution({ s, c0: 0.01 / d0, d0 });
    const lambda = Math.abs(lazy.lambda);
    for (const t of [0.001, 0.005, 0.02]) {
      const expected = s - (s - 0.01) * Math.exp(-lambda * t);
      expect(Math.abs(lazy.at(t).product - expected) / s).to.be.below(1e-4);
    }
  });

  it('learns to a = s, keeps λ, and its weight change is √2(√s − a₀^{1/2}) from a small balanced start', () => {
    const s = 3;
    const c0 = 0.2;
    const mode = alignedModeSolution({ s, c0, d0: c0 });
    const end = mode.at(50);
    expect(end.product).to.be.closeTo(s, 1e-12);
    expect(end.first).to.be.closeTo(Math.sqrt(s), 1e-12);
    // Both layers go from c₀ to √s: ‖ΔW‖ = √2(√s − c₀) (research §2(c), the aligned exception).
    expect(alignedWeightChange(mode.at(0), end)).to.be.closeTo(Math.SQRT2 * (Math.sqrt(s) - c0), 1e-12);
  });

  it('never learns from λ = 0 and a₀ < 0 (the product decays to 0), matching the ODE', () => {
    const mode = alignedModeSolution({ s: 1, c0: 0.5, d0: -0.5 });
    const ode = solveReduced({ singularValues: [1], depths: [2], init: { q: [[0.5]], p: [[-0.5]] }, times: TIMES, solver: { method: 'dop853', rtol: 1e-13, atol: 1e-14 } });
    TIMES.forEach((t, i) => expect(mode.at(t).product).to.be.closeTo(ode.strengths[i]![0]![0]!, 1e-11));
    expect(mode.at(40).product).to.be.within(-1e-30, 0);
  });

  it('refuses bad modes and times naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [{ s: 0, c0: 1, d0: 1 }, /mode\.s/],
      [{ s: 1, c0: NaN, d0: 1 }, /mode\.c0/],
      [{ s: 1, c0: 1, d0: 1, tau: -1 }, /mode\.tau/],
      [{ s: 1, c0: 1e200, d0: 1e200 }, /mode/],
      [{ s: 1, c0: 1, d0: 1, extra: 2 }, /mode/],
      [null, /mode/],
    ];
    for (const [input, field] of bad) {
      expect(() => alignedModeSolution(input as never)).to.throw(ValidationError, field);
    }
    expect(() => alignedModeSolution({ s: 1, c0: 1, d0: 1 }).at(-1)).to.throw(ValidationError, /^t/);
  });
});
