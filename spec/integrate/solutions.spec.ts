import { expect } from 'chai';
import { integrate } from '../../src/integrate/index.ts';
import {
  checkSweep,
  checkTime,
  constantSolution,
  mappedSolution,
  tailedSolution,
  type Tail,
} from '../../src/integrate/solutions.ts';
import type { MethodName } from '../../src/integrate/types.ts';
import { ValidationError } from '../../src/util/errors.ts';
import { decay, oscillator } from './problems.ts';

const methods: MethodName[] = ['auto', 'dopri5', 'dop853', 'rosenbrock', 'odex'];
const opts = { rtol: 1e-8, atol: 1e-10 };

describe('integrate: solution combinators and the shared range check', () => {
  it('checkTime accepts [tStart, tReached] and rejects the rest (NaN too), naming the call, the time and the range', () => {
    expect(() => checkTime(0, 0, 2)).not.to.throw();
    expect(() => checkTime(2, 0, 2)).not.to.throw();
    expect(() => checkTime(-0.1, 0, 2)).to.throw(ValidationError, /^evaluate\(-0\.1\): t = -0\.1 is outside the solution's range \[0, 2\]$/);
    expect(() => checkTime(Number.NaN, 0, 2, 'at')).to.throw(RangeError, /^at\(NaN\): t = NaN is outside/);
    try {
      checkTime(3, 0, 2);
    } catch (e) {
      expect((e as ValidationError).field).to.equal('t');
      expect((e as ValidationError).value).to.equal(3);
    }
  });

  it('checkSweep rejects decreasing times and times outside the range, naming the index', () => {
    expect(() => checkSweep([0, 1, 1, 2], 0, 2)).not.to.throw();
    expect(() => checkSweep([0, 1, 0.5], 0, 2)).to.throw(ValidationError, /times\[2\] = 0\.5 must be non-decreasing/);
    expect(() => checkSweep([0, 3], 0, 2)).to.throw(ValidationError, /^evaluateSweep: times\[1\] = 3 .*\[0, 2\]$/);
    // From an index on: the earlier times are not checked, but times[from] is compared with times[from − 1].
    expect(() => checkSweep([-5, 1, 2], 0, 2, 'sweep', 1)).not.to.throw();
    expect(() => checkSweep([1.5, 1, 2], 0, 2, 'sweep', 1)).to.throw(ValidationError, /^sweep: times\[1\] = 1/);
  });

  it('constantSolution evaluates at t0 only', () => {
    const s = constantSolution('dopri5', 1.5, [1, 2]);
    expect(s.status).to.equal('ok');
    expect(s.message).to.equal('');
    expect(s.stats).to.deep.equal({ steps: 0, rejectedSteps: 0, rhsEvaluations: 0, jacobianEvaluations: 0 });
    expect(s.tStart).to.equal(1.5);
    expect(s.tReached).to.equal(1.5);
    expect(Array.from(s.evaluate(1.5))).to.deep.equal([1, 2]);
    expect(Array.from(s.evaluateSweep([1.5, 1.5], new Float64Array(4)))).to.deep.equal([1, 2, 1, 2]);
    expect(() => s.evaluate(1.6)).to.throw(ValidationError, /outside the solution's range \[1\.5, 1\.5\]/);
    expect(() => s.evaluateSweep([1.5, 2], new Float64Array(4))).to.throw(ValidationError, /times\[1\] = 2/);
  });

  for (const m of methods) {
    it(`${m}: tEnd = t0 returns the constant solution (outputs at t0 recorded or handed to onOutput)`, () => {
      const problem = { ...oscillator(1, 0.5, 3, 1, 3) };
      const s = integrate(problem, opts, m);
      expect(s.method).to.equal(m);
      expect(s.status).to.equal('ok');
      expect(s.stats).to.deep.equal({ steps: 0, rejectedSteps: 0, rhsEvaluations: 0, jacobianEvaluations: 0 });
      expect(s.tStart).to.equal(3);
      expect(s.tReached).to.equal(3);
      expect(Array.from(s.yEnd)).to.deep.equal([1, 0.5]);
      expect(Array.from(s.evaluate(3))).to.deep.equal([1, 0.5]);
      expect(() => s.evaluate(3.1)).to.throw(RangeError, /outside/);
      const withTimes = integrate(problem, { ...opts, outputTimes: [3, 3] }, m);
      expect(withTimes.outputsReached).to.equal(2);
      expect(Array.from(withTimes.outputs!)).to.deep.equal([1, 0.5, 1, 0.5]);
      const seen: number[][] = [];
      const called = integrate(problem, { ...opts, outputTimes: [3], onOutput: (k, t, y) => seen.push([k, t, ...y]) }, m);
      expect(seen).to.deep.equal([[0, 3, 1, 0.5]]);
      expect(called.outputsReached).to.equal(1);
      expect(called.outputs).to.equal(undefined);
      const stopped = integrate(problem, { ...opts, events: [{ g: (t) => t - 3, terminal: true }], stopWhen: () => true }, m);
      expect(stopped.status).to.equal('ok');
      expect(stopped.events).to.deep.equal([]);
    });
  }

  it('mappedSolution shows a solution through a map of its state: evaluate, sweep, yEnd, events and outputs', () => {
    const lift = (y: Float64Array, out: Float64Array): Float64Array => {
      out[0] = y[0]!;
      out[1] = y[1]!;
      out[2] = y[0]! + y[1]!;
      return out;
    };
    const times = [0, 0.7, 1.9, 4];
    const raw = integrate(oscillator(1, 0, 4), { ...opts, events: [{ g: (_t, y) => y[0]! }], outputTimes: times }, 'dopri5');
    expect(raw.events.length).to.be.above(0);
    const s = mappedSolution(raw, 3, lift);
    expect(s.dimension).to.equal(3);
    expect([s.method, s.status, s.message, s.stats, s.tStart, s.tReached]).to.deep.equal([
      raw.method,
      raw.status,
      raw.message,
      raw.stats,
      raw.tStart,
      raw.tReached,
    ]);
    expect(Array.from(s.yEnd)).to.deep.equal(Array.from(lift(raw.yEnd, new Float64Array(3))));
    expect(s.events.map((e) => [e.index, e.t, ...e.y])).to.deep.equal(
      raw.events.map((e) => [e.index, e.t, ...lift(e.y, new Float64Array(3))]),
    );
    const sweep = s.evaluateSweep(times, new Float64Array(12));
    times.forEach((t, k) => {
      const want = Array.from(lift(raw.evaluate(t), new Float64Array(3)));
      expect(Array.from(s.evaluate(t))).to.deep.equal(want);
      expect(Array.from(sweep.subarray(3 * k, 3 * k + 3))).to.deep.equal(want);
      expect(Array.from(s.outputs!.subarray(3 * k, 3 * k + 3))).to.deep.equal(
        Array.from(lift(raw.outputs!.subarray(2 * k, 2 * k + 2), new Float64Array(3))),
      );
    });
    expect(s.outputsReached).to.equal(4);
    expect(() => s.evaluate(4.5)).to.throw(ValidationError, /outside the solution's range \[0, 4\]/);
    expect(() => s.evaluateSweep([1, 0.5], new Float64Array(6))).to.throw(ValidationError, /times\[1\] = 0\.5 must be non-decreasing/);
  });

  it('mappedSolution keeps stiffFrom', () => {
    const raw = integrate(decay(1, 1, 3), opts, 'auto');
    const fake = { ...raw, stiffFrom: 1.25, evaluate: raw.evaluate.bind(raw), evaluateSweep: raw.evaluateSweep.bind(raw) };
    expect(mappedSolution(fake, 1, (y, out) => (out.set(y), out)).stiffFrom).to.equal(1.25);
  });

  it('tailedSolution continues a stopped head by a tail to tEnd: status ok, stiffFrom the switch time', () => {
    // y' = −y stopped once y < 0.5, continued by the exact solution.
    const head = integrate(decay(1, 1, 10), { ...opts, stopWhen: (_t, y) => y[0]! < 0.5 }, 'dopri5');
    expect(head.status).to.not.equal('ok');
    const switchAt = head.tReached;
    const y0 = head.yEnd[0]!;
    let tailCalls = 0;
    const tail: Tail = {
      evaluate(t, out) {
        tailCalls++;
        out[0] = y0 * Math.exp(-(t - switchAt));
        return out;
      },
    };
    const s = tailedSolution(head, tail, 10);
    expect(s.status).to.equal('ok');
    expect(s.message).to.equal('');
    expect(s.stiffFrom).to.equal(switchAt);
    expect(s.tStart).to.equal(0);
    expect(s.tReached).to.equal(10);
    expect(s.stats).to.equal(head.stats);
    expect(s.yEnd[0]).to.equal(y0 * Math.exp(-(10 - switchAt)));
    expect(s.evaluate(0.3)[0]).to.equal(head.evaluate(0.3)[0]);
    expect(s.evaluate(switchAt)[0]).to.equal(head.yEnd[0]);
    expect(s.evaluate(7)[0]).to.be.closeTo(Math.exp(-7), 1e-7);
    const times = [0, 0.3, switchAt, 2, 7, 10];
    const sweep = s.evaluateSweep(times, new Float64Array(times.length));
    times.forEach((t, k) => expect(sweep[k]).to.equal(s.evaluate(t)[0]));
    expect(tailCalls).to.be.above(0);
    expect(() => s.evaluate(10.5)).to.throw(ValidationError, /outside the solution's range \[0, 10\]/);
    expect(() => s.evaluateSweep([0, 3, 2], new Float64Array(3))).to.throw(ValidationError, /times\[2\] = 2 must be non-decreasing/);
    expect(() => s.evaluateSweep([0, 11], new Float64Array(2))).to.throw(ValidationError, /times\[1\] = 11 .*\[0, 10\]/);
    // An explicit switch time.
    expect(tailedSolution(head, tail, 10, 0.5).stiffFrom).to.equal(0.5);
  });
});
