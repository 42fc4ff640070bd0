import { expect } from 'chai';
import fc from 'fast-check';
import { integrate } from '../../src/integrate/index.ts';
import type { MethodName, OdeProblem } from '../../src/integrate/types.ts';
import { dln } from './problems.ts';

const methods: MethodName[] = ['auto', 'dopri5', 'dop853', 'rosenbrock', 'odex'];
const RTOL = 1e-9;
const opts = { rtol: RTOL, atol: 1e-12 };

function linearProblem(a: number[], y0: number[], tEnd: number): OdeProblem {
  const n = y0.length;
  return {
    dimension: n,
    rhs: (_t, y, dy) => {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += a[i * n + j]! * y[j]!;
        dy[i] = s;
      }
    },
    jacobian: (_t, _y, jac) => {
      for (let i = 0; i < n * n; i++) jac[i] = a[i]!;
    },
    t0: 0,
    y0,
    tEnd,
  };
}

/** Solves with all five methods and checks that every pair agrees at tEnd and at an interior time. */
function checkAgreement(problem: OdeProblem, tMid: number): void {
  const sols = methods.map((m) => integrate(problem, opts, m));
  for (const s of sols) expect(s.status, `${s.method}: ${s.message}`).to.equal('ok');
  let scale = 1;
  for (const v of sols[0]!.yEnd) scale = Math.max(scale, Math.abs(v));
  // Each method's global error at rtol 1e-9 was measured ≤ 0.9 · rtol · max(1, ‖y‖∞) against a 1e-12 reference
  // on these families (60 random cases each), so two methods differ by ≤ 2 rtol; 2e-8 (20 rtol) leaves margin
  // for the error growth of unstable linear systems and the DLN plateau without hiding a wrong coefficient
  // (which shows up as errors ≥ 1e-6).
  const tol = 20 * RTOL * scale;
  // Between steps, DOP853's continuous extension is not error-controlled, and where its steps are held at the
  // stability limit (the learned tail of a DLN mode, h·|λ| ≈ 6) it was measured up to 50·rtol off a 1e-13
  // reference while its step end points stayed within rtol. So its interior values get 200·rtol: still far
  // below the ≥ 1e-6 a wrong coefficient gives.
  const midTol = (m: string): number => (m === 'dop853' ? 10 : 1) * tol;
  const mids = sols.map((s) => s.evaluate(tMid));
  for (let a = 0; a < sols.length; a++) {
    for (let b = a + 1; b < sols.length; b++) {
      const mt = Math.max(midTol(sols[a]!.method), midTol(sols[b]!.method));
      for (let i = 0; i < problem.dimension; i++) {
        const what = `${sols[a]!.method} vs ${sols[b]!.method}, component ${i}`;
        expect(Math.abs(sols[a]!.yEnd[i]! - sols[b]!.yEnd[i]!), `${what} at tEnd`).to.be.below(tol);
        expect(Math.abs(mids[a]![i]! - mids[b]![i]!), `${what} at t = ${tMid}`).to.be.below(mt);
      }
    }
  }
}

describe('integrate: all five methods agree', () => {
  it('on random two-pathway DLN problems (D = 3, the target application)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 5, noNaN: true }),
        fc.double({ min: 0.1, max: 1, noNaN: true }),
        fc.double({ min: 0.1, max: 1, noNaN: true }),
        fc.double({ min: 0.01, max: 0.3, noNaN: true }),
        fc.double({ min: 0.01, max: 0.3, noNaN: true }),
        fc.double({ min: 5, max: 60, noNaN: true }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        (S, q1, q2, p1, p2, T, frac) => checkAgreement(dln(S, p1, q1, T, p2, q2), frac * T),
      ),
      { seed: 424242, numRuns: 100 },
    );
  });

  it('on random linear 3×3 systems (entries in [−1, 1], possibly growing)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 9, maxLength: 9 }),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fc.double({ min: 0.5, max: 5, noNaN: true }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        (a, y0, T, frac) => checkAgreement(linearProblem(a, y0, T), frac * T),
      ),
      { seed: 777, numRuns: 100 },
    );
  });

  it('on random Van der Pol oscillators (non-linear, mildly stiff for larger μ)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        (mu, x0, v0, T, frac) => {
          const problem: OdeProblem = {
            dimension: 2,
            rhs: (_t, y, dy) => {
              dy[0] = y[1]!;
              dy[1] = mu * (1 - y[0]! * y[0]!) * y[1]! - y[0]!;
            },
            jacobian: (_t, y, j) => {
              j[0] = 0;
              j[1] = 1;
              j[2] = -2 * mu * y[0]! * y[1]! - 1;
              j[3] = mu * (1 - y[0]! * y[0]!);
            },
            t0: 0,
            y0: [x0, v0],
            tEnd: T,
          };
          checkAgreement(problem, frac * T);
        },
      ),
      { seed: 31337, numRuns: 100 },
    );
  });
});
