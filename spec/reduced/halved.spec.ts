import { expect } from 'chai';
import fc from 'fast-check';
import { integrate } from '../../src/integrate/index.ts';
import { TAIL_SAFETY, halvedModeModel, type HalvedModeModel, type LearnedTail } from '../../src/reduced/halved.ts';
import { balancedStates } from '../../src/reduced/init.ts';
import { balancedModeModel } from '../../src/reduced/model.ts';
import { solveReduced } from '../../src/reduced/solve.ts';
import type { ReducedProblem } from '../../src/reduced/types.ts';
import { SEED, balancedProblemArb } from '../helpers/arbitraries.ts';
import { finiteDifferenceJacobian } from '../helpers/jacobian.ts';

const value = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/**
 * A mode with M ≤ 4 pathways of depth ≤ 8 and a balanced state [p, q] per pathway covering all four cases of
 * the halved model: |q| > |p| (keeps p), |p| > |q| (keeps q), |p| = |q| (p = ±q) and depth 1.
 */
const modeArb = fc
  .record({ M: fc.integer({ min: 1, max: 4 }) })
  .chain(({ M }) =>
    fc.record({
      depths: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: M, maxLength: M }),
      singularValue: value(0, 5),
      inputVariance: value(0.5, 2),
      tau: value(0.5, 2),
      pathways: fc.array(
        fc.record({
          kind: fc.constantFrom('q-larger', 'p-larger', 'equal'),
          big: value(0.2, 1.5),
          ratio: value(-0.95, 0.95),
          signs: fc.constantFrom(1, -1),
        }),
        { minLength: M, maxLength: M },
      ),
    }),
  )
  .map(({ depths, singularValue, inputVariance, tau, pathways }) => {
    const y: number[] = [];
    depths.forEach((D, a) => {
      const { kind, big, ratio, signs } = pathways[a]!;
      const small = big * ratio;
      const [p, q] = kind === 'q-larger' ? [small, signs * big] : kind === 'p-larger' ? [signs * big, small] : [signs * big, big];
      if (D === 1) y.push(p);
      else y.push(p, q);
    });
    return { params: { depths, singularValue, inputVariance, tau }, balancedY0: Float64Array.from(y) };
  });


describe('halved balanced model (one state per pathway on the level set of q² − p²)', () => {
  it('lifts its initial state back to the balanced state it was built from', () => {
    fc.assert(
      fc.property(modeArb, ({ params, balancedY0 }) => {
        const halved = halvedModeModel(params, balancedY0);
        expect(halved.dimension).to.equal(params.depths.length);
        expect(halved.liftedDimension).to.equal(balancedY0.length);
        const lifted = halved.lift(halved.y0, new Float64Array(halved.liftedDimension));
        // The derived variable is √(x² ± c) with c = q² − p² from the same numbers: a few ulps of |y|.
        lifted.forEach((v, i) => expect(v).to.be.closeTo(balancedY0[i]!, 1e-14 * (1 + Math.abs(balancedY0[i]!))));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('its right-hand side and strengths are those of the balanced (q, p) model on the level set', () => {
    fc.assert(
      fc.property(modeArb, fc.array(value(-0.5, 0.5), { minLength: 4, maxLength: 4 }), ({ params, balancedY0 }, moves) => {
        const halved = halvedModeModel(params, balancedY0);
        const balanced = balancedModeModel(params);
        // A state on the same level set: move each kept variable, lift, and compare with the full model there.
        const y = Float64Array.from(halved.y0, (v, a) => v + moves[a]!);
        const full = halved.lift(y, new Float64Array(halved.liftedDimension));
        const fh = new Float64Array(halved.dimension);
        halved.rhs(0, y, fh);
        const fb = new Float64Array(balanced.dimension);
        balanced.rhs(0, full, fb);
        const kh = halved.strengths(y, new Float64Array(halved.dimension));
        const kb = balanced.strengths(full, new Float64Array(halved.dimension));
        params.depths.forEach((D, a) => {
          const o = balanced.offsets[a]!;
          // Same products up to the rounding of the lift: 1e-12 relative to the terms involved.
          expect(kh[a]).to.be.closeTo(kb[a]!, 1e-12 * (1 + Math.abs(kb[a]!)));
          const p = full[o]!;
          const q = D > 1 ? full[o + 1]! : 0;
          // The kept variable is p when |q| > |p| or D = 1, otherwise q.
          const keepsP = D === 1 || q * q - p * p > 0;
          // Where q keeps its sign (D ≥ 3 with |p| ≥ |q|, or |p| = |q|) the halved model is the odd extension in
          // q: a kept q moved past zero lifts to its mirror image, and its rate is the mirror image's, negated.
          const p0 = balancedY0[o]!;
          const q0 = D > 1 ? balancedY0[o + 1]! : 0;
          const guarded = D > 1 && !keepsP && (D >= 3 || Math.abs(p0) === Math.abs(q0)) && y[a]! * q0 < 0;
          const target = (guarded ? -1 : 1) * (keepsP ? fb[o]! : fb[o + 1]!);
          expect(fh[a]).to.be.closeTo(target, 1e-12 * (1 + Math.abs(fb[o]!) + (D > 1 ? Math.abs(fb[o + 1]!) : 0)));
        });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('its analytic Jacobian equals central finite differences', () => {
    fc.assert(
      fc.property(modeArb, ({ params, balancedY0 }) => {
        const halved = halvedModeModel(params, balancedY0);
        const n = halved.dimension;
        const y = Float64Array.from(halved.y0, (v) => 0.9 * v + 0.05);
        const analytic = new Float64Array(n * n);
        halved.jacobian(0, y, analytic);
        const numeric = finiteDifferenceJacobian(halved, y);
        for (let k = 0; k < n * n; k++) {
          // Central differences with h = 1e-6: truncation O(h²·f''') ≲ 1e-9 and round-off O(ε|f|/h) ≲ 1e-8 for
          // the |f| ≲ 50 of these states; 1e-6 relative leaves margin and still catches a wrong term (≳ 1e-2).
          expect(analytic[k]).to.be.closeTo(numeric[k]!, 1e-6 * (1 + Math.abs(numeric[k]!)));
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('the four cases each have the expected kept variable (deterministic examples)', () => {
    const params = { depths: [3, 3, 2, 1], singularValue: 2, inputVariance: 1, tau: 1 };
    // [p, q]: q larger, p larger, |p| = |q| with opposite signs, depth 1.
    const halved = halvedModeModel(params, [0.1, 0.8, -0.9, 0.3, -0.5, 0.5, 0.2]);
    expect(Array.from(halved.y0)).to.deep.equal([0.1, 0.3, 0.5, 0.2]);
    const lifted = halved.lift([0.2, 0.4, 0.25, 0.7], new Float64Array(7));
    // q = √(p² + 0.63), p = −√(q² + 0.72) (sign of p₀), p = −q, p.
    const expected = [0.2, Math.sqrt(0.04 + 0.63), -Math.sqrt(0.16 + 0.72), 0.4, -0.25, 0.25, 0.7];
    lifted.forEach((v, i) => expect(v).to.be.closeTo(expected[i]!, 1e-15));
    // The second pathway's q (D = 3, |p| > |q|) keeps the sign of q₀ = 0.3: a kept −0.4 is its mirror image 0.4.
    const mirrored = halved.lift([0.2, -0.4, 0.25, 0.7], new Float64Array(7));
    mirrored.forEach((v, i) => expect(v).to.be.closeTo(expected[i]!, 1e-15));
  });

  describe('closed-form learned tail', () => {
    const RTOL = 1e-8;
    const ATOL = 1e-10;

    /** Mode 0 of a generated problem as a halved model, integrated until the tail is offered (or tEnd). */
    function tailOf(problem: ReducedProblem): { halved: HalvedModeModel; tail: LearnedTail | null; tau: number } {
      const init = problem.init as { q: number[][]; p: number[][] };
      const params = {
        depths: problem.depths,
        singularValue: problem.singularValues[0]!,
        inputVariance: problem.inputVariances![0]!,
        tau: problem.tau!,
      };
      const y0 = balancedStates(init, problem.depths, problem.singularValues.length)[0]!;
      const halved = halvedModeModel(params, y0);
      let tail: LearnedTail | null = null;
      integrate(
        { dimension: halved.dimension, rhs: halved.rhs, jacobian: halved.jacobian, t0: 0, y0: halved.y0, tEnd: 400 },
        { rtol: RTOL, atol: ATOL, stopWhen: (t, y) => (tail = halved.learnedTail(t, y, RTOL, ATOL)) !== null },
      );
      return { halved, tail, tau: params.tau };
    }

    it('is refused away from the learned state (plateau, transition)', () => {
      const params = { depths: [3, 2], singularValue: 2, inputVariance: 1, tau: 1 };
      const halved = halvedModeModel(params, [0.01, 0.8, 0.02, 0.9]);
      expect(halved.learnedTail(0, halved.y0, RTOL, ATOL)).to.equal(null);
      // Half learned: K ≈ S/2 in one pathway.
      expect(halved.learnedTail(0, [1, 0.02], RTOL, ATOL)).to.equal(null);
    });

    it('matches a tight integration of the same mode from where it takes over (fast-check)', () => {
      fc.assert(
        fc.property(balancedProblemArb({ maxPathways: 3, maxDepth: 6, maxModes: 1 }, [1, 2]), (problem) => {
          const { halved, tail, tau } = tailOf(problem);
          expect(tail, 'every generated mode is learned within t = 400').to.not.equal(null);
          const ts = tail!.tStart;
          const start = tail!.evaluate(ts, new Float64Array(halved.dimension));
          const reference = integrate(
            { dimension: halved.dimension, rhs: halved.rhs, t0: ts, y0: start, tEnd: ts + 200 * tau },
            { rtol: 1e-13, atol: 1e-16 },
            'dop853',
          );
          const y = new Float64Array(halved.dimension);
          for (const dt of [1e-3, 0.1, 1, 3, 10, 50, 200].map((d) => d * tau)) {
            tail!.evaluate(ts + dt, y);
            const ref = reference.evaluate(ts + dt);
            y.forEach((v, a) => {
              // learnedTail's promise: the terms it leaves out are ≤ TAIL_SAFETY·(atol + rtol·|x|). Those are
              // first-order estimates of the neglected terms, so allow twice that, plus the reference's own
              // error (rtol 1e-13 on |x| ≲ 3).
              const bound = 2 * TAIL_SAFETY * (ATOL + RTOL * Math.abs(start[a]!)) + 1e-12;
              expect(Math.abs(v - ref[a]!), `pathway ${a} at ts + ${dt}`).to.be.at.most(bound);
            });
          }
        }),
        { seed: SEED, numRuns: 60 },
      );
    });

    it('solveReduced hands each learned mode over to it: no stiff steps, status ok, dense output consistent', () => {
      const problem: ReducedProblem = {
        singularValues: [3, 2, 1],
        depths: [4, 2, 1],
        init: { q: [[0.9, 0.8, 0.7], [0.8, 0.8, 0.6], [0, 0, 0]], p: [[0.01, -0.02, 0.03], [0.02, 0.01, -0.01], [0.01, 0.02, 0.01]] },
        times: Array.from({ length: 41 }, (_, i) => 5 * i),
      };
      // With a learning-time event the modes are integrated in time (the clock method has no events), and
      // there the tail takes over; the learning time itself is checked elsewhere.
      const solution = solveReduced(problem, { learningFraction: 0.5 });
      expect(solution.status).to.equal('ok');
      expect(solution.stats.jacobianEvaluations).to.equal(0);
      const rodas = solveReduced({ ...problem, solver: { method: 'rosenbrock', rtol: 1e-10, atol: 1e-12 } });
      for (const { ode } of solution.modes) {
        expect(ode.status).to.equal('ok');
        expect(ode.stiffFrom).to.be.a('number');
        expect(ode.tReached).to.equal(200);
      }
      solution.strengths.forEach((row, t) =>
        row.forEach((ks, a) =>
          ks.forEach((k, m) => {
            // Both at least as accurate as rtol 1e-8 relative to S/λ ≤ 3: 1e-7 covers both errors.
            expect(k).to.be.closeTo(rodas.strengths[t]![a]![m]!, 1e-7);
            // The dense evaluation at the output time is the same number as the read-out.
            expect(solution.at(problem.times[t]!).strengths[a]![m]).to.equal(k);
          }),
        ),
      );
    });
  });

  describe('as the integrated form of `auto` in solveReduced', () => {
    const withMethod = (problem: ReducedProblem, method: 'auto' | 'dopri5' | 'rosenbrock', rtol = 1e-9): ReducedProblem => ({
      ...problem,
      solver: { method, rtol, atol: 1e-12 },
    });

    it('agrees with dopri5 and rosenbrock on the full (q, p) form', () => {
      fc.assert(
        fc.property(balancedProblemArb({ maxPathways: 3, maxDepth: 6, maxModes: 3 }, [1, 30]), (problem) => {
          const auto = solveReduced(withMethod(problem, 'auto'));
          const others = [solveReduced(withMethod(problem, 'dopri5')), solveReduced(withMethod(problem, 'rosenbrock'))];
          expect(auto.status).to.equal('ok');
          const scale = Math.max(...problem.singularValues.map((s, m) => s / problem.inputVariances![m]!), 1);
          for (const other of others) {
            expect(other.status).to.equal('ok');
            auto.strengths.forEach((row, t) =>
              row.forEach((ks, a) =>
                ks.forEach((k, m) =>
                  // Each solve's global error at rtol 1e-9 is ≲ 10·rtol·scale on these problems (the plateau
                  // amplifies phase errors); two of them differ by at most twice that: 2e-8·scale.
                  expect(k).to.be.closeTo(other.strengths[t]![a]![m]!, 2e-8 * scale),
                ),
              ),
            );
          }
        }),
        { seed: SEED, numRuns: 40 },
      );
    });

    it('keeps q² − p² of every pathway to rounding (the solver never sees it)', () => {
      fc.assert(
        fc.property(balancedProblemArb({ maxPathways: 3, maxDepth: 6, maxModes: 3 }, [1, 30]), (problem) => {
          const solution = solveReduced(withMethod(problem, 'auto', 1e-6));
          for (const { model, ode } of solution.modes) {
            const start = model.invariants(ode.evaluate(0));
            const end = model.invariants(ode.yEnd);
            const mid = model.invariants(ode.evaluate(ode.tReached / 3));
            // c is recomputed as (√(x² + c))² − x²: a few ulps of the squares, far below the 1e-6 the loose
            // tolerance would allow an integrator that carried both p and q.
            start.forEach((c, i) => {
              const size = 1 + Math.abs(c) + 4 * Math.max(...Array.from(ode.yEnd, Math.abs)) ** 2;
              expect(end[i]).to.be.closeTo(c, 1e-13 * size);
              expect(mid[i]).to.be.closeTo(c, 1e-13 * size);
            });
          }
        }),
        { seed: SEED, numRuns: 40 },
      );
    });

    it('a kept solution is unchanged by many later solves (its arrays share slabs with theirs)', () => {
      const problem: ReducedProblem = {
        singularValues: [3, 1],
        depths: [3, 2],
        init: { q: [[0.9, 0.8], [0.7, 0.6]], p: [[0.01, -0.02], [0.02, 0.03]] },
        times: Array.from({ length: 21 }, (_, i) => i),
      };
      const kept = solveReduced(problem);
      const before = JSON.stringify([kept.toJSON(), kept.at(7.5), kept.modes.map((m) => Array.from(m.ode.evaluate(12)))]);
      for (let k = 0; k < 500; k++) solveReduced({ ...problem, singularValues: [1 + (k % 5), 2], tau: 1 + (k % 3) });
      const after = JSON.stringify([kept.toJSON(), kept.at(7.5), kept.modes.map((m) => Array.from(m.ode.evaluate(12)))]);
      expect(after).to.equal(before);
    });

    it('exposes every mode in the balanced layout: modes[α].ode evaluates to (p, q) states of modes[α].model', () => {
      const problem: ReducedProblem = {
        singularValues: [3, 1],
        depths: [3, 1, 2],
        init: { q: [[0.9, 0.8], [0, 0], [0.7, 0.2]], p: [[0.01, -0.02], [0.03, 0.01], [0.02, 0.5]] },
        times: [0, 5, 10],
      };
      const solution = solveReduced(problem);
      for (const { model, ode } of solution.modes) {
        expect(ode.dimension).to.equal(model.dimension);
        expect(model.form).to.equal('balanced');
        const y = ode.evaluate(5);
        const k = model.strengths(y, new Float64Array(3));
        // The public layout reproduces the result's strengths at the same time.
        const m = solution.modes.findIndex((s) => s.ode === ode);
        k.forEach((v, a) => expect(v).to.be.closeTo(solution.strengths[1]![a]![m]!, 1e-14 * (1 + Math.abs(v))));
        const sweep = ode.evaluateSweep([0, 5, 10], new Float64Array(3 * ode.dimension));
        Array.from(ode.evaluate(10)).forEach((v, i) => expect(sweep[2 * ode.dimension + i]).to.equal(v));
      }
    });
  });
});
