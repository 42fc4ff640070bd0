import { expect } from 'chai';
import fc from 'fast-check';
import { integrate } from '../../src/integrate/index.ts';
import { ValidationError } from '../../src/util/errors.ts';
import type { EventFunction, MethodName, OdeProblem, SolverOptions } from '../../src/integrate/types.ts';
import { dln, oscillator, oscillatorExact } from './problems.ts';

const methods: MethodName[] = ['auto', 'dopri5', 'dop853', 'rosenbrock', 'odex'];

/** Sorted output times in [0, tEnd], with both ends and a repeated time among them. */
function outputTimes(tEnd: number, inner: number[]): number[] {
  const ts = [0, ...inner.map((u) => u * tEnd), tEnd];
  ts.push(ts[1]!);
  return ts.sort((a, b) => a - b);
}

/**
 * The no-dense-output solve takes the same steps (the step sequence does not depend on what is stored) and
 * evaluates the same interpolant formula on the same coefficients, so its outputs equal the dense solution's
 * evaluate() bit for bit; any difference would mean it interpolated on the wrong step.
 */
describe('integrate: output times without dense output', () => {
  for (const m of methods) {
    it(`${m}: outputs equal the dense solution at the output times, bit for bit, with the same steps`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 12 }),
          fc.double({ min: 0.3, max: 3, noNaN: true }),
          (inner, S) => {
            const problem = dln(S, 0.05, 0.2, 12);
            const ts = outputTimes(12, inner);
            const base: SolverOptions = { rtol: 1e-7, atol: 1e-10 };
            const dense = integrate(problem, base, m);
            const sparse = integrate(problem, { ...base, denseOutput: false, outputTimes: ts }, m);
            expect(sparse.status).to.equal(dense.status);
            expect(sparse.stats).to.deep.equal(dense.stats);
            expect(sparse.outputsReached).to.equal(ts.length);
            const outs = sparse.outputs!;
            ts.forEach((t, k) => expect(Array.from(outs.subarray(4 * k, 4 * k + 4))).to.deep.equal(Array.from(dense.evaluate(t))));
            expect(Array.from(sparse.yEnd)).to.deep.equal(Array.from(dense.yEnd));
            // With dense output kept, outputTimes give the same states too.
            const both = integrate(problem, { ...base, outputTimes: ts }, m);
            expect(Array.from(both.outputs!)).to.deep.equal(Array.from(outs));
          },
        ),
        { seed: 4242, numRuns: 15 },
      );
    });
  }

  it('auto: outputs before and after the hand-over to RODAS4 (stage-interpolated, then stored) equal the dense solution', () => {
    const problem = dln(3, 0.05, 0.2, 12);
    const ts = [0, 1, 2, 3, 4, 6, 9, 11.5, 12];
    const dense = integrate(problem, { rtol: 1e-7, atol: 1e-10 }, 'auto');
    const sparse = integrate(problem, { rtol: 1e-7, atol: 1e-10, denseOutput: false, outputTimes: ts }, 'auto');
    // The mode is learned around t ≈ 3.4: output times on both sides of the switch.
    expect(sparse.stiffFrom).to.be.a('number').and.equal(dense.stiffFrom);
    expect(sparse.stiffFrom).to.be.within(ts[1]!, ts[6]!);
    ts.forEach((t, k) => expect(Array.from(sparse.outputs!.subarray(4 * k, 4 * k + 4))).to.deep.equal(Array.from(dense.evaluate(t))));
  });

  it('outputs are accurate: the oscillator at 50 output times within 20·rtol of the exact rotation', () => {
    const rtol = 1e-8;
    const ts = Array.from({ length: 50 }, (_, k) => (k * 12) / 49);
    const s = integrate(oscillator(1, 0.5, 12), { rtol, atol: rtol, denseOutput: false, outputTimes: ts }, 'dopri5');
    ts.forEach((t, k) => {
      const [q, p] = oscillatorExact(1, 0.5, t);
      // Same bound as the dense-output test (dense-events.spec.ts): interpolant and global error ≤ 20·rtol.
      expect(Math.hypot(s.outputs![2 * k]! - q, s.outputs![2 * k + 1]! - p)).to.be.below(20 * rtol);
    });
  });

  it('onOutput receives each output once, in order, with the states solution.outputs would hold', () => {
    const problem = oscillator(1, 0.5, 7);
    const ts = [0, 0.5, 0.5, 3, 7];
    const seen: { k: number; t: number; y: number[] }[] = [];
    const s = integrate(
      problem,
      { rtol: 1e-8, atol: 1e-8, denseOutput: false, outputTimes: ts, onOutput: (k, t, y) => seen.push({ k, t, y: Array.from(y) }) },
      'dopri5',
    );
    const stored = integrate(problem, { rtol: 1e-8, atol: 1e-8, denseOutput: false, outputTimes: ts }, 'dopri5');
    expect(s.outputs).to.equal(undefined);
    expect(s.outputsReached).to.equal(5);
    expect(seen.map((o) => o.k)).to.deep.equal([0, 1, 2, 3, 4]);
    expect(seen.map((o) => o.t)).to.deep.equal(ts);
    seen.forEach((o, k) => expect(o.y).to.deep.equal(Array.from(stored.outputs!.subarray(2 * k, 2 * k + 2))));
    // The first output is the initial state itself, the last the end state.
    expect(seen[0]!.y).to.deep.equal([1, 0.5]);
    expect(seen[4]!.y).to.deep.equal(Array.from(s.yEnd));
  });

  for (const m of methods) {
    it(`${m}: a terminal event stops at the same time as with dense output; later output times are not reached`, () => {
      // q = cos t + 0.5 sin t crosses 0 downward at t = π − atan 2 ≈ 2.034.
      const events: EventFunction[] = [{ g: (_t, y) => y[0]!, direction: -1, terminal: true }, { g: (t) => t - 0.5 }];
      const ts = [0, 0.25, 1, 2, 2.5, 3];
      const opts: SolverOptions = { rtol: 1e-9, atol: 1e-9, events };
      const dense = integrate(oscillator(1, 0.5, 5), opts, m);
      const sparse = integrate(oscillator(1, 0.5, 5), { ...opts, denseOutput: false, outputTimes: ts }, m);
      expect(sparse.status).to.equal('stopped');
      expect(sparse.tReached).to.equal(dense.tReached);
      expect(sparse.tReached).to.be.closeTo(Math.PI - Math.atan(2), 1e-7);
      expect(sparse.events.map((e) => [e.index, e.t])).to.deep.equal(dense.events.map((e) => [e.index, e.t]));
      expect(Array.from(sparse.yEnd)).to.deep.equal(Array.from(dense.yEnd));
      expect(sparse.outputsReached).to.equal(4);
      for (let k = 0; k < 4; k++) {
        expect(Array.from(sparse.outputs!.subarray(2 * k, 2 * k + 2))).to.deep.equal(Array.from(dense.evaluate(ts[k]!)));
      }
      // Unreached output rows stay zero.
      expect(Array.from(sparse.outputs!.subarray(8))).to.deep.equal([0, 0, 0, 0]);
    });
  }

  it('stopWhen ends the solve at the same step as with dense output', () => {
    const stopWhen = (_t: number, y: Float64Array): boolean => y[0]! < 0;
    const opts: SolverOptions = { rtol: 1e-8, atol: 1e-8, stopWhen };
    const dense = integrate(oscillator(1, 0.5, 5), opts, 'dopri5');
    const sparse = integrate(oscillator(1, 0.5, 5), { ...opts, denseOutput: false, outputTimes: [0, 1, 4] }, 'dopri5');
    expect(sparse.status).to.equal('stopped');
    expect(sparse.tReached).to.equal(dense.tReached);
    expect(sparse.outputsReached).to.equal(2);
    expect(Array.from(sparse.outputs!.subarray(2, 4))).to.deep.equal(Array.from(dense.evaluate(1)));
  });

  it('evaluate answers at t0 and tReached only (and on the last step where the store kept it), naming the option otherwise', () => {
    const problem = oscillator(1, 0.5, 6);
    const dense = integrate(problem, { rtol: 1e-8, atol: 1e-8 }, 'dopri5');
    const s = integrate(problem, { rtol: 1e-8, atol: 1e-8, denseOutput: false }, 'dopri5');
    expect(Array.from(s.evaluate(0))).to.deep.equal([1, 0.5]);
    expect(Array.from(s.evaluate(6))).to.deep.equal(Array.from(dense.yEnd));
    // dopri5 without events interpolates outputs from its stages and keeps no step at all.
    expect(() => s.evaluate(6 - 1e-9)).to.throw(RangeError, /denseOutput = false.*only t0 = 0 and tReached = 6.*outputTimes/);
    expect(() => s.evaluateSweep([0, 3], new Float64Array(4))).to.throw(RangeError, /denseOutput = false/);
    expect(() => s.evaluate(7)).to.throw(RangeError, /outside/);
    // The other methods (and dopri5 with events) keep the last step: just before the end, the dense value.
    const never: EventFunction[] = [{ g: () => 1 }];
    for (const m of methods) {
      const d = integrate(problem, { rtol: 1e-8, atol: 1e-8, events: never }, m);
      const last = integrate(problem, { rtol: 1e-8, atol: 1e-8, events: never, denseOutput: false }, m);
      const tLate = 6 - 1e-9;
      expect(Array.from(last.evaluate(tLate))).to.deep.equal(Array.from(d.evaluate(tLate)));
      expect(() => last.evaluate(3)).to.throw(RangeError, /denseOutput = false.*the last step \[.*outputTimes/);
    }
  });

  it('memory does not grow with the number of steps: 4 000 states over > 1000 steps', () => {
    // 2 000 uncoupled oscillators with frequencies up to 40 over t = 8: over a thousand steps. A dense output
    // would hold 5 vectors of 32 KB per step (> 160 MB); without it the solve holds a few dozen vectors.
    const n = 4_000;
    const omega = Float64Array.from({ length: n / 2 }, (_, i) => 1 + (39 * i) / (n / 2));
    const problem: OdeProblem = {
      dimension: n,
      autonomous: true,
      rhs: (_t, y, dy) => {
        for (let i = 0; i < n; i += 2) {
          const w = omega[i >> 1]!;
          dy[i] = w * y[i + 1]!;
          dy[i + 1] = -w * y[i]!;
        }
      },
      t0: 0,
      y0: Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0)),
      tEnd: 8,
    };
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const s = integrate(
      problem,
      {
        rtol: 1e-6,
        atol: 1e-9,
        denseOutput: false,
        outputTimes: [2, 4, 8],
        onOutput: () => {
          peak = Math.max(peak, process.memoryUsage().arrayBuffers);
        },
      },
      'dopri5',
    );
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    expect(s.status).to.equal('ok');
    expect(s.stats.steps).to.be.above(1000);
    // ≈ 25 vectors × 32 KB = 0.8 MB live (measured 0.4 MB); 20 MB leaves room for garbage not yet collected
    // and is 10× below what a dense output of these steps needs.
    expect(peak - before).to.be.below(20e6);
    // The fastest oscillator at t = 8 against its exact rotation (global error ~ rtol·ωt ≈ 3e-4).
    const w = omega[n / 2 - 1]!;
    expect(s.yEnd[n - 2]!).to.be.closeTo(Math.cos(w * 8), 1e-3);
  });

  describe('bad options name the field', () => {
    const problem = oscillator(1, 0.5, 2);
    const cases: [string, Partial<SolverOptions>, RegExp][] = [
      ['decreasing', { outputTimes: [0, 1, 0.5] }, /options\.outputTimes\[2\] = 0\.5: .*non-decreasing.*\[0, 2\]/],
      ['after tEnd', { outputTimes: [3] }, /options\.outputTimes\[0\] = 3/],
      ['NaN', { outputTimes: [NaN] }, /options\.outputTimes\[0\] = NaN/],
      ['not an array', { outputTimes: 3 as unknown as number[] }, /options\.outputTimes must be an array-like/],
      ['onOutput without times', { onOutput: () => {} }, /options\.onOutput needs options\.outputTimes/],
      ['denseOutput not boolean', { denseOutput: 0 as unknown as boolean }, /options\.denseOutput must be a boolean/],
    ];
    for (const [name, extra, re] of cases) {
      it(name, () => {
        for (const m of methods) expect(() => integrate(problem, { rtol: 1e-6, atol: 1e-6, ...extra }, m)).to.throw(ValidationError, re);
      });
    }
  });
});
