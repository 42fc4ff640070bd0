import { expect } from 'chai';
import fc from 'fast-check';
import { dopri5, dopri5FixedSteps } from '../../src/integrate/dopri5.ts';
import { evaluateStep, recordDopri5, type HandOver, type RecordOptions, type RecordedSteps } from '../../src/integrate/dopri5-recorded.ts';
import { dln, oscillator } from './problems.ts';

const plain: RecordOptions = { rtol: 1e-7, atol: 1e-10, maxSteps: 100_000, handOver: null };

function grid(tEnd: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (tEnd * i) / (n - 1));
}

/** The recorded continuous extension at t (the step holding t found by search, as a caller would). */
function recordedAt(steps: RecordedSteps, t: number): number[] {
  const n = steps.n;
  const rec = 2 + 5 * n;
  let j = 0;
  while (j + 1 < steps.count && steps.data[(j + 1) * rec]! <= t) j++;
  return Array.from(evaluateStep(steps.data, j * rec, n, t, new Float64Array(n), 0));
}

/**
 * recordDopri5 is the same method and step control as `dopri5`, keeping the same coefficients as dopri5's
 * dense store, so the step sequence, the statistics and every interpolated value must be identical to the last
 * bit: a difference would mean a changed controller, a wrong coefficient or a wrong FSAL swap.
 */
describe('integrate: recordDopri5 (recorded steps for many small solves)', () => {
  it('takes the steps of dopri5 and records its continuous extension, bit for bit (property, seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 10 }),
        fc.double({ min: 0.3, max: 3, noNaN: true }),
        fc.double({ min: 2, max: 12, noNaN: true }),
        (inner, S, tEnd) => {
          const problem = { ...dln(S, 0.05, 0.2, tEnd), autonomous: true };
          const dense = dopri5(problem, { rtol: 1e-7, atol: 1e-10 });
          const run = recordDopri5(problem.rhs, 4, Float64Array.from(problem.y0), tEnd, plain);
          expect(run.status).to.equal('ok');
          expect(run.tReached).to.equal(tEnd);
          expect(run.stats).to.deep.equal(dense.stats);
          expect(run.steps.count).to.equal(dense.stats.steps);
          for (const u of inner) expect(recordedAt(run.steps, u * tEnd)).to.deep.equal(Array.from(dense.evaluate(u * tEnd)));
        },
      ),
      { seed: 20_261_201, numRuns: 40 },
    );
  });

  it('matches dopri5 over thousands of steps (its dense store grows several times on the way)', () => {
    const problem = { ...oscillator(1, 0, 3000), autonomous: true };
    const dense = dopri5(problem, { rtol: 1e-7, atol: 1e-10 });
    expect(dense.stats.steps, 'more steps than the dense store holds at first').to.be.above(1000);
    const run = recordDopri5(problem.rhs, 2, Float64Array.from(problem.y0), 3000, plain);
    // ≈ 10 times per step: every step is looked at.
    for (const t of grid(3000, 30_001)) expect(recordedAt(run.steps, t)).to.deep.equal(Array.from(dense.evaluate(t)));
  });

  it('steps from a recorded step start exactly as a fresh DOPRI5 step would, and redoes the last step', () => {
    const problem = { ...dln(2, 0.05, 0.2, 9), autonomous: true };
    const run = recordDopri5(problem.rhs, 4, Float64Array.from(problem.y0), 9, plain);
    const rec = 2 + 5 * 4;
    const j = 5;
    const start = run.steps.data[j * rec]!;
    const y = run.steps.data.slice(j * rec + 2, j * rec + 6);
    const h = 0.37 * (run.steps.data[j * rec + 1]! - start);
    const fresh = dopri5FixedSteps({ ...problem, t0: start, y0: y, tEnd: start + h }, 1);
    expect(Array.from(run.steps.stepFrom(j, problem.rhs, h, new Float64Array(4)))).to.deep.equal(Array.from(fresh));
    // The redone last step ends where asked, its extension reaching the returned state (θ = 1 gives
    // y0 + (y1 − y0): equal up to one rounding).
    const last = run.steps.count - 1;
    const lastStart = run.steps.data[last * rec]!;
    const end = run.steps.redoLast(problem.rhs, 0.5 * (9 - lastStart));
    expect(run.steps.data[last * rec + 1]).to.equal(lastStart + 0.5 * (9 - lastStart));
    recordedAt(run.steps, lastStart + 0.5 * (9 - lastStart)).forEach((v, i) => expect(v).to.be.closeTo(end[i]!, 1e-15));
  });

  it('fails (for the caller to solve another way) when the solution blows up', () => {
    // y' = y², y(0) = 1 blows up at t = 1.
    const run = recordDopri5((_t, y, d) => void (d[0] = y[0]! * y[0]!), 1, Float64Array.from([1]), 2, plain);
    expect(run.status).to.equal('failed');
    expect(run.tReached).to.be.below(1.001); // the numerical solution may step slightly past the blow-up time
  });

  it('hands over when the caller asks, after the step it was asked at', () => {
    const problem = { ...dln(2, 0.05, 0.2, 9), autonomous: true };
    let calls = 0;
    const handOver: HandOver = { check: (t) => (calls++, t > 3) };
    const run = recordDopri5(problem.rhs, 4, Float64Array.from(problem.y0), 9, { ...plain, handOver });
    expect(run.status).to.equal('stopped');
    expect(run.tReached).to.be.above(3);
    expect(calls).to.equal(run.stats.steps);
    const rec = 2 + 5 * 4;
    expect(run.steps.data[(run.steps.count - 1) * rec + 1]).to.equal(run.tReached);
  });

  it('predictive controller: accurate on a solution whose derivatives keep growing, with fewer rejected steps', () => {
    // y′ = y², y(0) = 1: y = 1/(1 − t) blows up at t = 1, like a pathway along the clock beyond the end of learning.
    const rhs = (_t: number, y: Float64Array, dy: Float64Array): void => {
      dy[0] = y[0]! * y[0]!;
    };
    const rejected = { hairer: 0, predictive: 0 };
    for (const rtol of [1e-6, 1e-8, 1e-10]) {
      for (const controller of ['hairer', 'predictive'] as const) {
        const run = recordDopri5(rhs, 1, Float64Array.from([1]), 0.95, { ...plain, rtol, atol: 1e-12, safety: 0.9, controller });
        expect(run.status).to.equal('ok');
        rejected[controller] += run.stats.rejectedSteps;
        const last = (run.steps.count - 1) * 7;
        const yEnd = run.steps.data[last + 2]! + run.steps.data[last + 3]!;
        // Local errors of about rtol·y, carried by the variational equation δ′ = 2yδ: measured ≤ 4.6·rtol
        // relative at t = 0.95 for both controllers at these tolerances; 10·rtol leaves room for round-off.
        expect(Math.abs(yEnd - 20) / 20).to.be.below(10 * rtol);
      }
    }
    // Measured: Hairer's rejects 15 steps (all at rtol 1e-6, where it takes 22 + 15), the predictive one none
    // (22 + 0); without its predictive part (the PI part alone) it would reject 16.
    expect(rejected.hairer).to.be.at.least(10);
    expect(rejected.predictive).to.be.at.most(2);
  });
});
