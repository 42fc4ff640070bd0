/**
 * Feedback alignment in the reduced mode model (issue 15, item 4) against the closed form of the two-layer
 * case, its conservation laws, its own end state computed along the clock (an independent route: no time
 * integration), and the full simulator trained by feedback alignment from weights and backward matrices
 * aligned with the task's modes.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { createEngine } from '../../src/network/engine.ts';
import { createNetwork } from '../../src/network/network.ts';
import { singularValueTask } from '../../src/network/task.ts';
import { train } from '../../src/network/train.ts';
import { createRule } from '../../src/network/rules/index.ts';
import { feedbackModeEndState, solveFeedbackModes } from '../../src/rules/feedback-mode.ts';
import { ComputationError, ValidationError } from '../../src/util/errors.ts';
import { SEED } from '../helpers/arbitraries.ts';

const value = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const signed = (min: number, max: number) => fc.tuple(value(min, max), fc.boolean()).map(([v, s]) => (s ? v : -v));

/** M ≤ 3 pathways of depth ≤ 4, K ≤ 3 modes; layers in ±[0.05, 0.6], backward factors in ±[0.2, 1.5]. */
const problemArb = fc
  .record({ M: fc.integer({ min: 1, max: 3 }), K: fc.integer({ min: 1, max: 3 }) })
  .chain(({ M, K }) =>
    fc.record({
      depths: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: M, maxLength: M }),
      singularValues: fc.array(value(0.5, 3), { minLength: K, maxLength: K }),
      layers: fc.array(fc.array(fc.array(signed(0.05, 0.6), { minLength: K, maxLength: K }), { minLength: 4, maxLength: 4 }), { minLength: M, maxLength: M }),
      feedback: fc.array(fc.array(fc.array(signed(0.2, 1.5), { minLength: K, maxLength: K }), { minLength: 3, maxLength: 3 }), { minLength: M, maxLength: M }),
    }),
  )
  .map((g) => ({
    singularValues: g.singularValues,
    depths: g.depths,
    init: { layers: g.depths.map((D, a) => g.layers[a]!.slice(0, D)) },
    feedback: g.depths.map((D, a) => g.feedback[a]!.slice(0, D - 1)),
  }));

describe('feedback alignment in the reduced mode model (issue 15, item 4)', () => {
  it('two layers from a small start on the invariant βc = a²/2: a → a* = (2βS)^{1/3}, K → S (closed form)', () => {
    for (const [beta, S] of [
      [0.5, 2],
      [1, 1],
      [2, 0.5],
      [0.3, 3],
    ] as const) {
      const a0 = 1e-3;
      const problem = { singularValues: [S], depths: [2], init: { layers: [[[a0], [(a0 * a0) / (2 * beta)]]] }, feedback: [[[beta]]], times: [0, 1e6] };
      const s = solveFeedbackModes({ ...problem, solver: { rtol: 1e-10, atol: 1e-14 } });
      expect(s.status).to.equal('ok');
      const end = s.modes[0]!.ode.evaluate(1e6);
      // The solver's tolerance (rtol 1e-10) on values of order 1, with a margin of 100 for the long run.
      expect(end[0]).to.be.closeTo(Math.cbrt(2 * beta * S), 1e-8);
      expect(s.strengths[1]![0]![0]).to.be.closeTo(S, 1e-8);
      const exact = feedbackModeEndState(problem);
      // Bisection on the clock to adjacent doubles: the end state is S to round-off.
      expect(exact.strengths[0]![0]).to.be.closeTo(S, 1e-12 * S);
    }
  });

  it('conserves b_{d+1}w_{d+1} − w_d²/2 along the solution (fast-check, seeded)', () => {
    fc.assert(
      fc.property(problemArb, (p) => {
        const s = solveFeedbackModes({ ...p, times: [0, 0.5, 2, 10], solver: { rtol: 1e-10, atol: 1e-12 } });
        fc.pre(s.status === 'ok');
        for (const mode of s.modes) {
          const start = mode.model.invariants(mode.ode.evaluate(0));
          for (const t of [0.5, 2, 10]) {
            const y = mode.ode.evaluate(t);
            const now = mode.model.invariants(y);
            const size = Math.max(1, ...Array.from(y, Math.abs)) ** 2;
            // Local errors of rtol 1e-10 relative to the state, accumulated over ≲ 10³ steps: 1e-7·|y|².
            now.forEach((c, i) => expect(c).to.be.closeTo(start[i]!, 1e-7 * size));
          }
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('the end state along the clock equals the time integration run to its end (fast-check, seeded)', () => {
    let compared = 0;
    fc.assert(
      fc.property(problemArb, (p) => {
        let exact;
        try {
          exact = feedbackModeEndState(p);
        } catch (err) {
          // A flow that never learns the mode is reported as such, never as a number.
          expect(err).to.be.instanceOf(ComputationError);
          return;
        }
        const s = solveFeedbackModes({ ...p, times: [0, 1e4, 1e6], solver: { rtol: 1e-11, atol: 1e-13, maxSteps: 200_000 } });
        fc.pre(s.status === 'ok');
        const last = s.strengths[2]!;
        // Learned by t = 1e6 unless a mode is still moving (then its residual is not yet small): skip those.
        const done = p.singularValues.every((S, m) => Math.abs(S - last.reduce((t, row) => t + row[m]!, 0)) < 1e-9 * S);
        fc.pre(done);
        compared++;
        const scale = Math.max(...p.singularValues);
        // Both to ≲ 1e-9·S: the integration's tolerance over a long run; the clock to round-off.
        exact.strengths.forEach((row, a) => row.forEach((k, m) => expect(last[a]![m]!).to.be.closeTo(k, 1e-7 * scale)));
      }),
      { seed: SEED, numRuns: 60 },
    );
    expect(compared).to.be.at.least(20);
  });

  it('equals the simulator trained by feedback alignment from mode-aligned weights and backward matrices (flow)', () => {
    // Two pathways (depths 2 and 3), K = 2 modes, width 6, random hidden frames (seed 5) shared by W and B.
    const depths = [2, 3];
    const singularValues = [2, 1];
    const layers = [
      [
        [0.3, 0.2],
        [0.25, 0.3],
      ],
      [
        [0.2, 0.3],
        [-0.3, 0.2],
        [-0.25, 0.3],
      ],
    ];
    const backward = [
      [
        [0.6, -0.4],
      ],
      [
        [0.5, 0.8],
        [-0.7, 0.4],
      ],
    ];
    for (const basis of ['identity', 'random'] as const) {
      const task = singularValueTask(singularValues, basis, 11);
      const arch = { depths, width: 6 };
      const net = createNetwork(task, arch, { kind: 'aligned', layers, seed: 5 });
      // B_a^d = R_d diag(b) R_{d−1}ᵀ in the same frames: an aligned network with b in place of w (first layer unused).
      const bNet = createNetwork(task, arch, { kind: 'aligned', layers: backward.map((bs) => [[1, 1], ...bs]), seed: 5 });
      const feedback = bNet.pathways.map((pw) => pw.layers.slice(1));
      const times = [0, 0.5, 1, 2, 4, 8];
      const engine = createEngine(net, task, { rule: createRule({ kind: 'fa', feedback }) });
      const run = train(engine, { method: 'flow', times, solver: { rtol: 1e-10, atol: 1e-12 } });
      expect(run.status, run.message).to.equal('ok');
      const reduced = solveFeedbackModes({ singularValues, depths, init: { layers }, feedback: backward, times, solver: { rtol: 1e-10, atol: 1e-12 } });
      expect(reduced.status).to.equal('ok');
      run.records.forEach((rec, i) => {
        rec.strengths.forEach((row, a) =>
          // Both integrations at rtol 1e-10 (the network's over 2·6·6 + … weights), plus the frames' round-off.
          row.forEach((k, m) => expect(k, `${basis}, t = ${times[i]}, pathway ${a}, mode ${m}`).to.be.closeTo(reduced.strengths[i]![a]![m]!, 1e-7)),
        );
      });
      // And it is not gradient descent: the same start under GD ends elsewhere at t = 1.
      const gd = train(createEngine(createNetwork(task, arch, { kind: 'aligned', layers, seed: 5 }), task), { method: 'flow', times: [0, 1], solver: { rtol: 1e-10, atol: 1e-12 } });
      expect(Math.abs(gd.records[1]!.strengths[0]![0]! - reduced.strengths[2]![0]![0]!)).to.be.above(1e-3);
    }
  });

  it('refuses bad input by field: feedback shapes, the balanced form, zero backward factors in the end state', () => {
    const good = { singularValues: [2], depths: [2, 1], init: { layers: [[[0.1], [0.1]], [[0.1]]] }, feedback: [[[0.5]], []], times: [0, 1] };
    expect(solveFeedbackModes(good).status).to.equal('ok');
    const field = (f: () => unknown): string => {
      try {
        f();
      } catch (err) {
        expect(err).to.be.instanceOf(ValidationError);
        return (err as ValidationError).field;
      }
      throw new Error('accepted');
    };
    expect(field(() => solveFeedbackModes({ ...good, feedback: undefined }))).to.equal('feedback');
    expect(field(() => solveFeedbackModes({ ...good, feedback: [[[0.5]]] }))).to.equal('feedback.length');
    expect(field(() => solveFeedbackModes({ ...good, feedback: [[], []] }))).to.equal('feedback[0].length');
    expect(field(() => solveFeedbackModes({ ...good, feedback: [[[NaN]], []] }))).to.equal('feedback[0][0][0]');
    expect(field(() => solveFeedbackModes({ ...good, feedback: [[[0.5, 1]], []] }))).to.equal('feedback[0][0].length');
    expect(field(() => solveFeedbackModes({ ...good, init: { q: [[0.1], [0.1]], p: [[0.1], [0.1]] } }))).to.equal('init');
    expect(field(() => solveFeedbackModes({ ...good, extra: 1 }))).to.equal('extra');
    expect(field(() => solveFeedbackModes(good, { learningFraction: 2 }))).to.equal('options.learningFraction');
    expect(field(() => feedbackModeEndState({ ...good, feedback: [[[0]], []] }))).to.equal('feedback[0][0][0]');
  });
});
