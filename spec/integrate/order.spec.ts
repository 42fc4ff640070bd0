import { expect } from 'chai';
import { dop853DenseStep, dop853FixedSteps } from '../../src/integrate/dop853.ts';
import { dopri5FixedSteps } from '../../src/integrate/dopri5.ts';
import { integrators } from '../../src/integrate/index.ts';
import { rosenbrockFixedSteps } from '../../src/integrate/rosenbrock.ts';
import type { MethodName, OdeProblem } from '../../src/integrate/types.ts';
import { decay, oscillator, oscillatorExact } from './problems.ts';

/** Non-autonomous test: y' = cos t − (y − sin t), y(0) = 1; exact y = sin t + e^{−t}. Exercises ∂f/∂t in RODAS. */
const forced: OdeProblem = {
  dimension: 1,
  rhs: (t, y, dy) => {
    dy[0] = Math.cos(t) - (y[0]! - Math.sin(t));
  },
  jacobian: (_t, _y, j) => {
    j[0] = -1;
  },
  t0: 0,
  y0: [1],
  tEnd: 2,
};

interface Case {
  name: string;
  problem: OdeProblem;
  exact: number[];
}

const cases: Case[] = [
  { name: "y' = −y", problem: decay(1, 1, 2), exact: [Math.exp(-2)] },
  { name: 'harmonic oscillator', problem: oscillator(1, 0, 2), exact: oscillatorExact(1, 0, 2) },
  { name: 'forced (non-autonomous)', problem: forced, exact: [Math.sin(2) + Math.exp(-2)] },
];

function errorNorm(y: Float64Array, exact: number[]): number {
  let s = 0;
  for (let i = 0; i < exact.length; i++) s = Math.max(s, Math.abs(y[i]! - exact[i]!));
  return s;
}

/** Observed orders log2(e(N)/e(2N)) for N = 10, 20, 40, 80 fixed steps. */
function observedOrders(step: (p: OdeProblem, n: number) => Float64Array, c: Case): number[] {
  const errs = [10, 20, 40, 80].map((n) => errorNorm(step(c.problem, n), c.exact));
  const orders: number[] = [];
  for (let i = 1; i < errs.length; i++) orders.push(Math.log2(errs[i - 1]! / errs[i]!));
  return orders;
}

describe('integrate: order of accuracy', () => {
  describe('fixed steps (the same stage code as the adaptive solvers)', () => {
    for (const c of cases) {
      it(`dopri5 converges with order 5 on ${c.name}`, () => {
        // Errors run from ~1e-7 (N = 10) down to ~1e-12 (N = 80), far above rounding (1e-16 · 80 steps), so
        // the observed order is within a few hundredths of 5 once the asymptotic regime is reached; ±0.3
        // leaves room for the pre-asymptotic first halving (measured 5.23 on y' = −y).
        for (const p of observedOrders(dopri5FixedSteps, c)) expect(p).to.be.within(4.7, 5.3);
      });
      it(`dop853 converges with order 8 on ${c.name}`, () => {
        // N = 2, 4, 8, 16 steps over [0, 2]: errors ~1e-7 (N = 2) down to ~1e-14 (N = 16), still ≳ 30× the
        // rounding floor (~1e-16 per step), so each halving shows the order 8 (measured 8.03–8.17, the first
        // halving is pre-asymptotic); ±0.4. A single wrong coefficient drops the observed order to ≤ 5.
        const errs = [2, 4, 8, 16].map((n) => errorNorm(dop853FixedSteps(c.problem, n), c.exact));
        for (let i = 1; i < errs.length; i++) expect(Math.log2(errs[i - 1]! / errs[i]!)).to.be.within(7.6, 8.4);
      });
      it(`rosenbrock (RODAS4) converges with order 4 on ${c.name}`, () => {
        // Errors ~1e-6 → ~1e-10. For the forced problem the forward-difference ∂f/∂t (relative error ~1e-8)
        // adds a small constant; measured orders 4.00–4.04, so ±0.3.
        for (const p of observedOrders(rosenbrockFixedSteps, c)) expect(p).to.be.within(3.7, 4.3);
      });
    }
  });

  describe('dense output of dop853', () => {
    it('its 7th-degree continuous extension has local error O(h⁸) inside the step', () => {
      // One step of size h from (1, 0) of the oscillator, evaluated at θ = 0.37 and θ = 0.81 (not a stage
      // node). The continuous extension is of order 7, so its error at fixed θ is O(h⁸): halving h divides it
      // by 2⁸ = 256. h = 0.8 … 0.1 keeps the error (~1e-7 … ~4e-15) above rounding; measured 7.99–8.03; ±0.4.
      const hs = [0.8, 0.4, 0.2, 0.1];
      for (const theta of [0.37, 0.81]) {
        const errs = hs.map((h) => {
          const [y] = dop853DenseStep(oscillator(1, 0, h), h, [theta]);
          const e = oscillatorExact(1, 0, theta * h);
          return Math.hypot(y![0]! - e[0], y![1]! - e[1]);
        });
        for (let i = 1; i < errs.length; i++) expect(Math.log2(errs[i - 1]! / errs[i]!)).to.be.within(7.6, 8.4);
      }
    });

    it('matches the step end points exactly (θ = 0 gives y0, θ = 1 gives the new solution)', () => {
      const h = 0.5;
      const [y0, y1] = dop853DenseStep(oscillator(1, 0, h), h, [0, 1]);
      expect(Array.from(y0!)).to.deep.equal([1, 0]);
      const step = dop853FixedSteps(oscillator(1, 0, h), 1);
      // θ = 1: y0 + Δ with Δ = y1 − y0, equal to the step's solution up to one rounding.
      for (let i = 0; i < 2; i++) expect(y1![i]).to.be.closeTo(step[i]!, 4e-16);
    });
  });

  describe('tolerance proportionality of the adaptive solvers', () => {
    const rtols = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10];
    const methods: MethodName[] = ['dopri5', 'dop853', 'rosenbrock', 'auto', 'odex'];
    for (const m of methods) {
      it(`${m}: global error / rtol stays bounded for rtol 1e-4 … 1e-10 (decay, oscillator, forced)`, () => {
        // With atol = rtol the local error per unit step is kept ≤ tol, so the global error on a problem with
        // Lipschitz constant 1 over [0, 10] is at most a modest multiple of tol (the oscillator does not damp
        // errors; the decay does). Measured ratios: ≤ 3.6 (odex ≤ 4.1 on the dense output), so a bound of 20
        // flags any loss of proportionality (e.g. an error ∝ tol^0.8 would exceed it across six decades).
        // The ratio must also not be absurdly small at loose tolerances (would mean wasted work or a broken
        // error estimate): ≥ 1e-3 at rtol 1e-4 for the oscillator.
        for (const rtol of rtols) {
          const opts = { rtol, atol: rtol };
          const d = integrators[m](decay(1, 1, 10), opts);
          expect(d.status).to.equal('ok');
          expect(Math.abs(d.yEnd[0]! - Math.exp(-10)) / rtol, `decay, rtol ${rtol}`).to.be.below(20);
          const o = integrators[m](oscillator(1, 0, 10), opts);
          const ex = oscillatorExact(1, 0, 10);
          const ratio = Math.hypot(o.yEnd[0]! - ex[0], o.yEnd[1]! - ex[1]) / rtol;
          expect(ratio, `oscillator, rtol ${rtol}`).to.be.below(20);
          if (rtol === 1e-4) expect(ratio).to.be.above(1e-3);
          // Non-autonomous (∂f/∂t ≠ 0) on [0, 2]: same bound.
          const f = integrators[m](forced, opts);
          const fe = Math.abs(f.yEnd[0]! - Math.sin(2) - Math.exp(-2)) / rtol;
          expect(fe, `forced, rtol ${rtol}`).to.be.below(20);
        }
      });
    }
  });
});
