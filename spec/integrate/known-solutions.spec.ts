import { expect } from 'chai';
import fc from 'fast-check';
import { integrate, integrators } from '../../src/integrate/index.ts';
import type { MethodName, OdeProblem } from '../../src/integrate/types.ts';
import { decay, oscillator, oscillatorExact } from './problems.ts';

const methods: MethodName[] = ['auto', 'dopri5', 'dop853', 'rosenbrock', 'odex'];

/**
 * Stiff linear system y' = A y with A = V diag(−1, −1e4) V⁻¹, V = [[1, 1], [1, −1]]; the exact solution is
 * y(t) = c1 e^{−t} (1, 1) + c2 e^{−1e4 t} (1, −1) with c1 = (y0₁ + y0₂)/2, c2 = (y0₁ − y0₂)/2.
 */
const LAMBDA = 1e4;
const A11 = -(1 + LAMBDA) / 2;
const A12 = -(1 - LAMBDA) / 2;
const stiffLinear: OdeProblem = {
  dimension: 2,
  rhs: (_t, y, dy) => {
    dy[0] = A11 * y[0]! + A12 * y[1]!;
    dy[1] = A12 * y[0]! + A11 * y[1]!;
  },
  jacobian: (_t, _y, j) => {
    j[0] = A11;
    j[1] = A12;
    j[2] = A12;
    j[3] = A11;
  },
  t0: 0,
  y0: [2, 0.5],
  tEnd: 10,
};
function stiffExact(t: number): [number, number] {
  const c1 = 1.25 * Math.exp(-t);
  const c2 = 0.75 * Math.exp(-LAMBDA * t);
  return [c1 + c2, c1 - c2];
}

describe('integrate: known solutions', () => {
  for (const m of methods) {
    it(`${m}: exponential decay y' = −2y to t = 5`, () => {
      const s = integrate(decay(2, 3, 5), { rtol: 1e-9, atol: 1e-12 }, m);
      expect(s.status).to.equal('ok');
      expect(s.message).to.equal('');
      expect(s.method).to.equal(m);
      expect(s.tStart).to.equal(0);
      expect(s.tReached).to.equal(5);
      // Global error of a tolerance-proportional solve on a contracting problem: a few rtol relative to the
      // solution's size along the way (y0 = 3), so 1e-8 absolute (≈ 3 rtol · 3).
      expect(s.yEnd[0]).to.be.closeTo(3 * Math.exp(-10), 1e-8);
      expect(s.stats.steps).to.be.greaterThan(0);
      expect(s.stats.rhsEvaluations).to.be.greaterThan(s.stats.steps);
    });

    it(`${m}: harmonic oscillator conserves energy (property over amplitude, phase, time)`, () => {
      fc.assert(
        fc.property(
          // Amplitudes well above atol (1e-12): odex's dense output misbehaves for states far below atol.
          fc.double({ min: 0.1, max: 5, noNaN: true }),
          fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
          fc.double({ min: 0.1, max: 20, noNaN: true }),
          (amp, phase, T) => {
            const q0 = amp * Math.cos(phase);
            const p0 = amp * Math.sin(phase);
            const s = integrators[m](oscillator(q0, p0, T), { rtol: 1e-9, atol: 1e-12 });
            expect(s.status).to.equal('ok');
            const [q, p] = [s.yEnd[0]!, s.yEnd[1]!];
            // Measured global error ≈ 0.3 · rtol · T · amp (ratio 3 at T = 10 in the proportionality test),
            // so the energy error is ≲ 2 · amp · 0.3 · 1e-9 · 20 · amp ≈ 1.2e-8 amp²; bound 1e-7 amp².
            expect(q * q + p * p).to.be.closeTo(amp * amp, 1e-7 * amp * amp);
            // And the state itself matches the exact rotation to the same scale.
            const [qe, pe] = oscillatorExact(q0, p0, T);
            expect(Math.hypot(q - qe, p - pe)).to.be.below(1e-7 * amp);
          },
        ),
        { seed: 20260101, numRuns: 200 },
      );
    });
  }

  describe('stiff linear system, eigenvalues −1 and −1e4, t ∈ [0, 10]', () => {
    const opts = { rtol: 1e-6, atol: 1e-9 };
    const solve = (m: MethodName) => integrate(stiffLinear, opts, m);
    const results = new Map<MethodName, ReturnType<typeof solve>>();
    before(() => {
      for (const m of ['dopri5', 'rosenbrock', 'auto'] as MethodName[]) results.set(m, solve(m));
    });

    for (const m of ['dopri5', 'rosenbrock', 'auto'] as MethodName[]) {
      it(`${m} matches the exact solution on the whole interval`, () => {
        const s = results.get(m)!;
        expect(s.status).to.equal('ok');
        // Error per component relative to rtol·|y| + atol, on a fine grid of dense output (including the
        // 1e-4-wide initial layer). Measured maxima 0.52 (dopri5) and 0.75 (rosenbrock, auto): the local
        // error control keeps the global error at the tolerance scale on this contracting problem; bound 10.
        let worst = 0;
        for (let k = 0; k <= 2000; k++) {
          const t = k < 1000 ? k * 1e-6 : 10 * ((k - 1000) / 1000);
          const y = s.evaluate(t);
          const e = stiffExact(t);
          const scale = opts.rtol * Math.max(Math.abs(e[0]), Math.abs(e[1])) + opts.atol;
          worst = Math.max(worst, Math.abs(y[0]! - e[0]) / scale, Math.abs(y[1]! - e[1]) / scale);
        }
        expect(worst).to.be.below(10);
      });
    }

    it('rosenbrock and auto take far fewer steps than dopri5 (which is stability-limited)', () => {
      const d = results.get('dopri5')!.stats.steps;
      const r = results.get('rosenbrock')!.stats.steps;
      const a = results.get('auto')!.stats.steps;
      // dopri5 needs h ≤ 3.3/1e4 over 10 time units, i.e. ≥ 3e4 steps; RODAS4 is L-stable and needs ~120.
      expect(d).to.be.above(25_000);
      expect(r * 50).to.be.below(d);
      expect(a * 50).to.be.below(d);
      const auto = results.get('auto')!;
      // auto detects stiffness within the initial layer (2 steps past two thirds of the stability limit).
      expect(auto.stiffFrom).to.be.a('number');
      expect(auto.stiffFrom!).to.be.within(0, 0.1);
      expect(auto.stats.jacobianEvaluations).to.be.greaterThan(0);
      expect(results.get('dopri5')!.stiffFrom).to.equal(undefined);
    });
  });

  it('auto without a Jacobian stays with dopri5 on a stiff problem (no stiffFrom) and still succeeds', () => {
    const { jacobian: _omit, ...noJac } = stiffLinear;
    const s = integrate({ ...noJac, tEnd: 0.5 }, { rtol: 1e-6, atol: 1e-9 });
    expect(s.status).to.equal('ok');
    expect(s.stiffFrom).to.equal(undefined);
    expect(s.stats.jacobianEvaluations).to.equal(0);
    const e = stiffExact(0.5);
    // Same tolerance scale as above (bound 10 · (rtol |y| + atol)).
    expect(s.yEnd[0]).to.be.closeTo(e[0], 10 * (1e-6 * Math.abs(e[0]) + 1e-9));
  });
});
