import { expect } from 'chai';
import fc from 'fast-check';
import { AUTO_STIFFNESS, auto } from '../../src/integrate/auto.ts';
import { dopri5 } from '../../src/integrate/dopri5.ts';
import { recordedSolution, runDopri5Outputs, type HandOver, type OutputRunOptions } from '../../src/integrate/dopri5-outputs.ts';
import { dln, oscillator } from './problems.ts';

const times = (tEnd: number, n: number): number[] => Array.from({ length: n }, (_, i) => (tEnd * i) / (n - 1));

function sortedTimes(tEnd: number, inner: number[]): number[] {
  return [0, ...inner.map((u) => u * tEnd), tEnd].sort((a, b) => a - b);
}

const plain: OutputRunOptions = { rtol: 1e-7, atol: 1e-10, maxSteps: 100_000, stiffness: null, handOver: null, record: false };

/**
 * runDopri5Outputs is the same method and step control as `dopri5` without its dense store, so the step
 * sequence and every state must be identical to the last bit: a difference would mean a changed controller,
 * a wrong interpolation step or a wrong FSAL swap.
 */
describe('integrate: runDopri5Outputs (output times only)', () => {
  it('takes the steps of dopri5 and gives its dense values at the output times, bit for bit (property, seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 10 }),
        fc.double({ min: 0.3, max: 3, noNaN: true }),
        fc.double({ min: 2, max: 12, noNaN: true }),
        (inner, S, tEnd) => {
          const problem = { ...dln(S, 0.05, 0.2, tEnd), autonomous: true };
          const ts = sortedTimes(tEnd, inner);
          const dense = dopri5(problem, { rtol: 1e-7, atol: 1e-10 });
          const out = new Float64Array(4 * ts.length);
          const run = runDopri5Outputs(problem.rhs, 4, Float64Array.from(problem.y0), tEnd, ts, out, plain);
          expect(run.status).to.equal('ok');
          expect(run.stats).to.deep.equal(dense.stats);
          expect(run.outputsReached).to.equal(ts.length);
          ts.forEach((t, k) => expect(Array.from(out.subarray(4 * k, 4 * k + 4))).to.deep.equal(Array.from(dense.evaluate(t))));
          expect(Array.from(run.yEnd)).to.deep.equal(Array.from(dense.yEnd));
        },
      ),
      { seed: 20_261_201, numRuns: 40 },
    );
  });

  it('matches dopri5 over thousands of steps (its dense store grows several times on the way)', () => {
    const problem = { ...oscillator(1, 0, 3000), autonomous: true };
    const dense = dopri5(problem, { rtol: 1e-7, atol: 1e-10 });
    expect(dense.stats.steps, 'more steps than the dense store holds at first').to.be.above(1000);
    const ts = times(3000, 30_001); // ≈ 10 per step: every step is looked at
    const out = new Float64Array(2 * ts.length);
    runDopri5Outputs(problem.rhs, 2, Float64Array.from(problem.y0), 3000, ts, out, plain);
    ts.forEach((t, k) => expect(Array.from(out.subarray(2 * k, 2 * k + 2))).to.deep.equal(Array.from(dense.evaluate(t))));
  });

  it('records steps whose evaluation equals its outputs at the output times and dopri5 anywhere', () => {
    const problem = { ...dln(2, 0.05, 0.2, 9), autonomous: true };
    const ts = sortedTimes(9, [0.1, 0.2, 0.33, 0.5, 0.77]);
    const out = new Float64Array(4 * ts.length);
    const run = runDopri5Outputs(problem.rhs, 4, Float64Array.from(problem.y0), 9, ts, out, { ...plain, record: true });
    const solution = recordedSolution(run, 'dopri5');
    ts.forEach((t, k) => expect(Array.from(solution.evaluate(t))).to.deep.equal(Array.from(out.subarray(4 * k, 4 * k + 4))));
    const dense = dopri5(problem, { rtol: 1e-7, atol: 1e-10 });
    for (let t = 0; t <= 9; t += 0.37) expect(Array.from(solution.evaluate(t))).to.deep.equal(Array.from(dense.evaluate(t)));
    expect(() => solution.evaluate(9.5)).to.throw(RangeError, /outside/);
  });

  it('stops where auto hands over to the stiff method, with status stiff', () => {
    const problem = { ...dln(2, 0.05, 0.2, 400), autonomous: true };
    const withJacobian = auto(problem, { rtol: 1e-7, atol: 1e-10 });
    expect(withJacobian.stiffFrom, 'the test problem must turn stiff').to.be.a('number');
    const out = new Float64Array(8);
    const run = runDopri5Outputs(problem.rhs, 4, Float64Array.from(problem.y0), 400, [0, 400], out, {
      ...plain,
      stiffness: AUTO_STIFFNESS,
    });
    expect(run.status).to.equal('stiff');
    expect(run.tReached).to.equal(withJacobian.stiffFrom);
    expect(run.outputsReached).to.equal(1);
  });

  it('fails (for the caller to re-run with the general integrator) when the solution blows up', () => {
    // y' = y², y(0) = 1 blows up at t = 1.
    const out = new Float64Array(2);
    const run = runDopri5Outputs((_t, y, d) => void (d[0] = y[0]! * y[0]!), 1, Float64Array.from([1]), 2, [0, 2], out, plain);
    expect(run.status).to.equal('failed');
    expect(run.tReached).to.be.below(1.001); // the numerical solution may step slightly past the blow-up time
  });

  it('hands over when the caller asks, leaving later output times unwritten', () => {
    const problem = { ...dln(2, 0.05, 0.2, 9), autonomous: true };
    let calls = 0;
    const handOver: HandOver = { check: (t) => (calls++, t > 3) };
    const ts = [0, 1, 2, 3, 4, 5, 9];
    const out = new Float64Array(4 * ts.length).fill(-7);
    const run = runDopri5Outputs(problem.rhs, 4, Float64Array.from(problem.y0), 9, ts, out, { ...plain, handOver });
    expect(run.status).to.equal('handedOver');
    expect(run.tReached).to.be.above(3);
    expect(calls).to.equal(run.stats.steps);
    expect(run.outputsReached).to.equal(ts.filter((t) => t <= run.tReached).length);
    expect(out[4 * ts.length - 1]).to.equal(-7);
  });
});
