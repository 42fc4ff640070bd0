import { expect } from 'chai';
import fc from 'fast-check';
import { integrate } from '../../src/integrate/index.ts';
import type { MethodName, OdeProblem } from '../../src/integrate/types.ts';
import { decay, dln, oscillator } from './problems.ts';
import { ValidationError } from '../../src/util/errors.ts';

const methods: MethodName[] = ['auto', 'dopri5', 'dop853', 'rosenbrock', 'odex'];
const opts = { rtol: 1e-8, atol: 1e-10 };

describe('integrate: read-out sweep, autonomous problems, reused work arrays', () => {
  for (const m of methods) {
    it(`${m}: evaluateSweep at increasing times equals evaluate at each of them`, () => {
      fc.assert(
        fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 60 }), (fractions) => {
          const s = integrate(dln(2, 0.05, 0.8, 30), opts, m);
          const times = fractions.map((f) => f * s.tReached).sort((a, b) => a - b);
          times.push(s.tReached);
          const out = s.evaluateSweep(times, new Float64Array(times.length * s.dimension));
          // The sweep and evaluate run the same interpolant on the same step: identical bits.
          times.forEach((t, k) => {
            const y = s.evaluate(t);
            for (let i = 0; i < s.dimension; i++) expect(out[k * s.dimension + i]).to.equal(y[i]);
          });
        }),
        { seed: 31337, numRuns: 20 },
      );
    });
  }

  it('evaluateSweep rejects decreasing times and times outside the solution, naming the index', () => {
    const s = integrate(decay(1, 1, 2), opts);
    const out = new Float64Array(4);
    expect(() => s.evaluateSweep([0, 1, 0.5], out)).to.throw(RangeError, /times\[2\] = 0\.5 must be non-decreasing/);
    expect(() => s.evaluateSweep([0, 3], out)).to.throw(RangeError, /times\[1\] = 3 .*\[0, 2\]/);
  });

  it('autonomous: true gives the same rosenbrock solution with one right-hand side fewer per Jacobian', () => {
    const problem = dln(2, 0.05, 0.8, 40);
    const plain = integrate(problem, opts, 'rosenbrock');
    const auton = integrate({ ...problem, autonomous: true }, opts, 'rosenbrock');
    // For an autonomous f the forward difference for ∂f/∂t is exactly zero, so skipping it changes nothing.
    expect(Array.from(auton.yEnd)).to.deep.equal(Array.from(plain.yEnd));
    expect(auton.stats.steps).to.equal(plain.stats.steps);
    expect(auton.stats.rhsEvaluations).to.equal(plain.stats.rhsEvaluations - plain.stats.jacobianEvaluations);
  });

  for (const m of methods) {
    it(`${m}: stopWhen ends the solve at the first accepted step where it holds`, () => {
      const seen: number[] = [];
      const s = integrate(decay(1, 1, 10), {
        ...opts,
        stopWhen: (t, y) => {
          seen.push(t);
          return y[0]! < 0.5;
        },
      }, m);
      expect(s.status).to.equal('stopped');
      expect(s.message).to.match(/stopped by options\.stopWhen at t = /);
      // It stopped at the end of the first step with y < 0.5, i.e. the first checked time past ln 2.
      const first = seen.findIndex((t) => Math.exp(-t) < 0.5);
      expect(s.tReached).to.equal(seen[first]);
      expect(seen.length).to.equal(first + 1);
      expect(s.yEnd[0]!).to.be.closeTo(Math.exp(-s.tReached), 1e-7);
    });
  }

  it('a stopWhen that is not a function is rejected with a message naming the field', () => {
    const bad = { ...opts, stopWhen: 1 } as unknown as Parameters<typeof integrate>[1];
    expect(() => integrate(decay(), bad)).to.throw(ValidationError, /options\.stopWhen must be a function/);
  });

  it('a non-boolean autonomous flag is rejected with a message naming the field', () => {
    const bad = { ...decay(), autonomous: 'yes' } as unknown as OdeProblem;
    expect(() => integrate(bad, opts)).to.throw(ValidationError, /problem\.autonomous must be a boolean/);
  });

  it('a kept solution is unchanged by thousands of later solves (shared slabs and pools are never reused)', () => {
    const kept = integrate(dln(2, 0.05, 0.8, 30), opts);
    const times = Array.from({ length: 31 }, (_, i) => i);
    const before = kept.evaluateSweep(times, new Float64Array(31 * kept.dimension)).slice();
    const yEnd = kept.yEnd.slice();
    // Enough solves to cycle through many slabs (each takes a few hundred doubles of 16 384) and the pools.
    for (let k = 0; k < 2000; k++) integrate(dln(1 + (k % 7), 0.02 + 0.001 * k, 0.9, 5 + (k % 11)), opts, k % 2 ? 'auto' : 'dopri5');
    const after = kept.evaluateSweep(times, new Float64Array(31 * kept.dimension));
    expect(Array.from(after)).to.deep.equal(Array.from(before));
    expect(Array.from(kept.yEnd)).to.deep.equal(Array.from(yEnd));
  });

  for (const m of ['auto', 'dopri5', 'dop853', 'rosenbrock'] as MethodName[]) {
    it(`${m}: a solve started inside a right-hand side (nested) does not disturb the outer one`, () => {
      // Work arrays are pooled per dimension; a nested solve of the same dimension must get its own.
      const outerAlone = integrate(oscillator(1, 0, 5), opts, m);
      const inner = oscillator(0.3, 0.2, 1);
      let innerEnd = 0;
      const nested: OdeProblem = {
        ...oscillator(1, 0, 5),
        rhs: (t, y, dy) => {
          innerEnd = integrate(inner, opts, m).yEnd[0]!;
          dy[0] = y[1]!;
          dy[1] = -y[0]!;
        },
      };
      const outer = integrate(nested, opts, m);
      expect(Array.from(outer.yEnd)).to.deep.equal(Array.from(outerAlone.yEnd));
      expect(innerEnd).to.equal(integrate(inner, opts, m).yEnd[0]);
    });
  }
});
