import { expect } from 'chai';
import fc from 'fast-check';
import { integrate, integrators } from '../../src/integrate/index.ts';
import type { MethodName, OdeProblem, OdeSolution, SolverOptions } from '../../src/integrate/types.ts';
import { decay, oscillator } from './problems.ts';
import { ValidationError } from '../../src/util/errors.ts';

const methods: MethodName[] = ['auto', 'dopri5', 'dop853', 'rosenbrock', 'odex'];

/** y' = y², y(0) = 1: y = 1/(1 − t) blows up at t = 1. */
const blowUp: OdeProblem = {
  dimension: 1,
  rhs: (_t, y, dy) => {
    dy[0] = y[0]! * y[0]!;
  },
  jacobian: (_t, y, j) => {
    j[0] = 2 * y[0]!;
  },
  t0: 0,
  y0: [1],
  tEnd: 2,
};

/** Every dense value on [tStart, tReached] is finite (sampled on a grid plus the step ends near tReached). */
function expectFiniteDense(s: OdeSolution): void {
  const n = 400;
  for (let k = 0; k <= n; k++) {
    const t = Math.min(s.tReached, s.tStart + ((s.tReached - s.tStart) * k) / n);
    for (const v of s.evaluate(t)) expect(Number.isFinite(v), `y(${t})`).to.equal(true);
  }
  for (const v of s.yEnd) expect(Number.isFinite(v)).to.equal(true);
}

describe('integrate: failure paths', () => {
  for (const m of methods) {
    it(`${m}: blow-up y' = y² from y(0) = 1 to t = 2 fails with a message, without hanging or NaN`, () => {
      const started = Date.now();
      const s = integrate(blowUp, { rtol: 1e-8, atol: 1e-10 }, m);
      expect(Date.now() - started).to.be.below(5000);
      expect(s.status).to.equal('failed');
      expect(s.message).to.match(/t = 0\.9|t = 1/);
      // It gets close to the singularity before giving up, and no further.
      expect(s.tReached).to.be.within(0.99, 1.0000001);
      expect(s.evaluate(s.tReached)).to.deep.equal(s.yEnd);
      expectFiniteDense(s);
    });

    it(`${m}: a tiny maxSteps fails with a message naming the budget and keeps the dense output so far`, () => {
      const s = integrate(oscillator(1, 0, 100), { rtol: 1e-10, atol: 1e-12, maxSteps: 5 }, m);
      expect(s.status).to.equal('failed');
      expect(s.message).to.match(/maxSteps|maximum/);
      expect(s.stats.steps + s.stats.rejectedSteps).to.be.at.most(6);
      expect(s.tReached).to.be.above(0).and.below(100);
      expectFiniteDense(s);
      expect(() => s.evaluate(100)).to.throw(RangeError);
    });

    it(`${m}: a right-hand side that turns NaN fails with a message naming the time`, () => {
      const p: OdeProblem = {
        dimension: 1,
        rhs: (t, _y, dy) => {
          dy[0] = t < 1 ? 1 : Number.NaN;
        },
        jacobian: (_t, _y, j) => {
          j[0] = 0;
        },
        t0: 0,
        y0: [0],
        tEnd: 3,
      };
      const s = integrate(p, { rtol: 1e-8, atol: 1e-10 }, m);
      expect(s.status).to.equal('failed');
      expect(s.message).to.match(/t = /);
      expect(s.tReached).to.be.below(1.0000001);
      expectFiniteDense(s);
    });

    it(`${m}: a NaN derivative at the initial point fails at once`, () => {
      const p: OdeProblem = { ...decay(), rhs: (_t, _y, dy) => void (dy[0] = Number.NaN) };
      const s = integrate(p, { rtol: 1e-8, atol: 1e-10 }, m);
      expect(s.status).to.equal('failed');
      expect(s.message).to.match(/t = 0/);
      expect(s.tReached).to.equal(0);
      expect(s.evaluate(0)[0]).to.equal(1);
    });
  }

  it("odex: the NaN-hang case of odex 3.0.0-rc.4 (oscillator from (1e-12, 0) to 14, atol 1e-10) terminates", () => {
    // Without the guards this loops forever with a NaN step size (research/ecosystem.md §1, defect 1).
    const started = Date.now();
    const s = integrate(oscillator(1e-12, 0, 14), { rtol: 1e-8, atol: 1e-10 }, 'odex');
    expect(Date.now() - started).to.be.below(5000);
    expect(['ok', 'failed']).to.include(s.status);
    if (s.status === 'failed') expect(s.message).to.match(/non-finite/);
    expectFiniteDense(s);
    // Our own methods solve it (to atol: the state is 100× below atol).
    for (const m of ['auto', 'dopri5', 'dop853', 'rosenbrock'] as MethodName[]) {
      const r = integrate(oscillator(1e-12, 0, 14), { rtol: 1e-8, atol: 1e-10 }, m);
      expect(r.status).to.equal('ok');
      expect(Math.abs(r.yEnd[0]! - 1e-12 * Math.cos(14))).to.be.below(1e-9);
    }
  });

  it('odex: tiny states never hang (property over amplitude, time and atol)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -14, max: -6, noNaN: true }),
        fc.double({ min: 0.5, max: 20, noNaN: true }),
        fc.double({ min: -12, max: -6, noNaN: true }),
        (logAmp, T, logAtol) => {
          const started = Date.now();
          const s = integrators.odex(oscillator(10 ** logAmp, 0, T), { rtol: 1e-8, atol: 10 ** logAtol });
          expect(Date.now() - started).to.be.below(5000);
          expectFiniteDense(s);
        },
      ),
      { seed: 2024, numRuns: 200 },
    );
  });

  describe('input validation: a thrown error naming the field, the value and what is allowed', () => {
    const good = decay();
    const opts: SolverOptions = { rtol: 1e-6, atol: 1e-9 };
    const bad: [string, OdeProblem, SolverOptions, RegExp][] = [
      ['rtol = 0', good, { ...opts, rtol: 0 }, /options\.rtol.*> 0.*got 0/],
      ['rtol < 0', good, { ...opts, rtol: -1e-6 }, /options\.rtol.*got -0\.000001/],
      ['rtol = Infinity', good, { ...opts, rtol: Infinity }, /options\.rtol.*finite.*got Infinity/],
      ['atol = NaN', good, { ...opts, atol: Number.NaN }, /options\.atol.*got NaN/],
      ['atol = 0', good, { ...opts, atol: 0 }, /options\.atol/],
      ['tEnd < t0', { ...good, tEnd: -1 }, opts, /problem\.tEnd.*>= t0 = 0.*got -1/],
      ['tEnd = NaN', { ...good, tEnd: Number.NaN }, opts, /problem\.tEnd.*got NaN/],
      ['t0 = Infinity', { ...good, t0: Infinity }, opts, /problem\.t0.*finite/],
      ['y0 too long', { ...good, y0: [1, 2] }, opts, /problem\.y0 has length 2.*dimension = 1/],
      ['y0 empty', { ...good, y0: [] }, opts, /problem\.y0 has length 0/],
      ['y0 with NaN', { ...good, y0: [Number.NaN] }, opts, /problem\.y0\[0\].*got NaN/],
      ['dimension 0', { ...good, dimension: 0, y0: [] }, opts, /problem\.dimension.*>= 1.*got 0/],
      ['maxSteps 0', good, { ...opts, maxSteps: 0 }, /options\.maxSteps.*>= 1.*got 0/],
      ['maxSteps 2.5', good, { ...opts, maxSteps: 2.5 }, /options\.maxSteps.*integer/],
      ['initialStep -1', good, { ...opts, initialStep: -1 }, /options\.initialStep.*> 0/],
      ['maxStep 0', good, { ...opts, maxStep: 0 }, /options\.maxStep.*> 0/],
      ['event without g', good, { ...opts, events: [{} as never] }, /options\.events\[0\]\.g/],
      ['event direction 2', good, { ...opts, events: [{ g: () => 0, direction: 2 as never }] }, /direction.*-1, 0 or 1/],
    ];
    for (const [what, problem, options, re] of bad) {
      it(what, () => {
        for (const m of methods) {
          expect(() => integrate(problem, options, m), m).to.throw(ValidationError, re);
        }
      });
    }

    it('the ValidationError names the field and keeps the value', () => {
      const cases: [OdeProblem, SolverOptions, string, unknown][] = [
        [good, { ...opts, rtol: -1 }, 'options.rtol', -1],
        [{ ...good, y0: [Number.NaN] }, opts, 'problem.y0[0]', Number.NaN],
        [good, { ...opts, stopWhen: 3 as never }, 'options.stopWhen', 3],
        [{ ...good, tEnd: -2 }, opts, 'problem.tEnd', -2],
        [good, { ...opts, outputTimes: [0, 20] }, 'options.outputTimes[1]', 20],
      ];
      for (const [problem, options, field, value] of cases) {
        for (const m of methods) {
          try {
            integrate(problem, options, m);
            expect.fail(`${m}: ${field} accepted`);
          } catch (e) {
            expect(e, `${m}: ${field}`).to.be.instanceOf(ValidationError);
            expect((e as ValidationError).field).to.equal(field);
            expect((e as ValidationError).value).to.deep.equal(value);
            expect((e as Error).message).to.match(new RegExp(`^${m}: `));
          }
        }
      }
      const { jacobian: _none, ...noJac } = good;
      expect(() => integrate(noJac, opts, 'rosenbrock')).to.throw(ValidationError).with.property('field', 'problem.jacobian');
    });

    it('rosenbrock without a Jacobian throws a clear error', () => {
      const { jacobian: _omit, ...noJac } = decay();
      expect(() => integrate(noJac, opts, 'rosenbrock')).to.throw(ValidationError, /rosenbrock.*jacobian is required/);
      // The other methods do not need it.
      for (const m of ['auto', 'dopri5', 'dop853', 'odex'] as MethodName[]) {
        expect(integrate(noJac, opts, m).status).to.equal('ok');
      }
    });

    it('an unknown method name throws', () => {
      expect(() => integrate(good, opts, 'rk4' as MethodName)).to.throw(ValidationError, /method must be one of/);
    });
  });
});
