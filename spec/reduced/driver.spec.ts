/**
 * The driver integrates any ReducedModel: here models that are not the DLN's, written in the spec from their
 * equations alone, checked against their closed forms. If the driver leaned on anything DLN-specific, these
 * would fail.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { OdeSolution } from '../../src/integrate/types.ts';
import { solveModes } from '../../src/reduced/driver.ts';
import { balancedModeModel, perLayerModeModel } from '../../src/reduced/model.ts';
import { halvedModeModel } from '../../src/reduced/halved.ts';
import type { ModeTask, ReducedModel } from '../../src/reduced/reduced-model.ts';
import { ValidationError } from '../../src/util/errors.ts';
import { SEED } from '../helpers/arbitraries.ts';

/**
 * Two independent logistic "paths" racing to one target: dk_i/dt = k_i (S − k_1 − k_2) · rate_i. With equal
 * rates the total T = k_1 + k_2 is logistic: T(t) = S T₀ e^{St} / (S + T₀ (e^{St} − 1)).
 */
function logisticRace(S: number, rate1: number, rate2: number): ReducedModel {
  return {
    dimension: 2,
    rhs: (_t, y, dydt) => {
      const r = S - y[0]! - y[1]!;
      dydt[0] = rate1 * y[0]! * r;
      dydt[1] = rate2 * y[1]! * r;
    },
    jacobian: (_t, y, jac) => {
      const r = S - y[0]! - y[1]!;
      jac[0] = rate1 * (r - y[0]!);
      jac[1] = -rate1 * y[0]!;
      jac[2] = -rate2 * y[1]!;
      jac[3] = rate2 * (r - y[1]!);
    },
    readoutDimension: 2,
    strengths: (y, out) => {
      out[0] = y[0]!;
      out[1] = y[1]!;
      return out;
    },
    residual: (y) => S - y[0]! - y[1]!,
    loss: (k) => 0.5 * (S - k[0]! - k[1]!) ** 2,
    learnedTotal: S,
    // k_1^{1/rate1} / k_2^{1/rate2} is conserved: d log k_i / dt = rate_i r.
    invariants: (y) => [Math.log(y[0]!) / rate1 - Math.log(y[1]!) / rate2],
    invariantNames: ['log k₁/rate₁ − log k₂/rate₂'],
  };
}

const logisticTotal = (S: number, T0: number, t: number): number => (S * T0 * Math.exp(S * t)) / (S + T0 * Math.expm1(S * t));

function task(model: ReducedModel, y0: number[], label = 'race'): ModeTask<OdeSolution> {
  return { label: () => label, model, y0: Float64Array.from(y0), view: (ode) => ode };
}

describe('the reduced-model driver (any ReducedModel)', () => {
  const times = [0, 0.5, 1, 2, 4, 8];

  for (const method of ['auto', 'dopri5', 'dop853', 'rosenbrock'] as const) {
    it(`${method}: a logistic race matches its closed form, read-out, loss and learning time`, () => {
      const S = 2;
      const y0 = [0.01, 0.02];
      const rtol = 1e-10;
      const solution = solveModes('problem', [task(logisticRace(S, 1, 1), y0)], {
        times,
        solver: { method, rtol, atol: 1e-12 },
        learningFraction: 0.5,
      });
      expect(solution.status).to.equal('ok');
      expect(solution.problem).to.equal('problem');
      const T0 = y0[0]! + y0[1]!;
      for (let i = 0; i < times.length; i++) {
        const [k1, k2] = [solution.strengths[i]![0]![0]!, solution.strengths[i]![1]![0]!];
        const exact = logisticTotal(S, T0, times[i]!);
        // Equal rates keep the ratio k₁/k₂ = ½ exactly; the total is the logistic within ~1e3·rtol (global
        // error of an adaptive method over a learning transition, relative to S).
        expect(k1 + k2).to.be.closeTo(exact, 1e-7 * S);
        expect(k1 / k2).to.be.closeTo(0.5, 1e-7);
        expect(solution.loss[i]).to.be.closeTo(0.5 * (S - exact) ** 2, 1e-7 * S * S);
      }
      // T(t) = S/2 at t = ln((S − T₀)/T₀)/S.
      const tHalf = Math.log((S - T0) / T0) / S;
      expect(solution.learningTimes![0]).to.be.closeTo(tHalf, 1e-6);
      const mid = solution.at(3);
      expect(mid.strengths[0]![0]! + mid.strengths[1]![0]!).to.be.closeTo(logisticTotal(S, T0, 3), 1e-7 * S);
      // The view is what the task says: here the OdeSolution itself, whose invariant the flow conserves.
      const ode = solution.modes[0]!;
      const model = logisticRace(S, 1, 1);
      const inv0 = model.invariants(Float64Array.from(y0))[0]!;
      expect(model.invariants(ode.evaluate(8))[0]).to.be.closeTo(inv0, 1e-6);
    });
  }

  it('unequal rates: the faster path takes the larger share, and the conserved quantity stays put', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 3, noNaN: true }),
        fc.double({ min: 1.2, max: 3, noNaN: true }),
        (S, ratio) => {
          const model = logisticRace(S, ratio, 1);
          const y0 = [0.01, 0.01];
          const solution = solveModes(null, [task(model, y0)], { times: [0, 40 / S], solver: { method: 'auto', rtol: 1e-9, atol: 1e-12 } });
          const [k1, k2] = [solution.strengths[1]![0]![0]!, solution.strengths[1]![1]![0]!];
          // Learned: the total reaches S. The invariant gives k₁^{1/ratio}/k₂ = k₁(0)^{1/ratio}/k₂(0) > 1/k₂(0)^{1−1/ratio}
          // … i.e. from equal small starts the path with the larger rate ends with the larger strength.
          expect(k1 + k2).to.be.closeTo(S, 1e-6 * S);
          expect(k1).to.be.greaterThan(k2);
          const inv = model.invariants(Float64Array.from([k1, k2]))[0]!;
          expect(inv).to.be.closeTo(model.invariants(Float64Array.from(y0))[0]!, 1e-5);
        },
      ),
      { seed: SEED, numRuns: 20 },
    );
  });

  it('modes are independent: two tasks give what each gives alone', () => {
    const a = task(logisticRace(1, 1, 2), [0.05, 0.01], 'a');
    const b = task(logisticRace(3, 2, 1), [0.2, 0.1], 'b');
    const settings = { times: [0, 1, 3], solver: { method: 'dopri5' as const, rtol: 1e-8, atol: 1e-10 } };
    const both = solveModes(null, [a, b], settings);
    const alone = [solveModes(null, [a], settings), solveModes(null, [b], settings)];
    for (let i = 0; i < 3; i++) {
      for (let r = 0; r < 2; r++) {
        expect(both.strengths[i]![r]![0]).to.equal(alone[0]!.strengths[i]![r]![0]);
        expect(both.strengths[i]![r]![1]).to.equal(alone[1]!.strengths[i]![r]![0]);
      }
      expect(both.loss[i]).to.equal(alone[0]!.loss[i]! + alone[1]!.loss[i]!);
    }
  });

  it('a fast path is used when it answers, and the time integration when it declines', () => {
    const model = logisticRace(2, 1, 1);
    let asked = 0;
    const exactPath = (tEnd: number): OdeSolution => {
      asked++;
      // The closed form as a solution: each path keeps its share of the logistic total.
      const y = (t: number, out: Float64Array = new Float64Array(2)): Float64Array => {
        const T = logisticTotal(2, 0.03, t);
        out[0] = T / 3;
        out[1] = (2 * T) / 3;
        return out;
      };
      return {
        method: 'closed form', status: 'ok', message: '', events: [], dimension: 2, tStart: 0, tReached: tEnd,
        stats: { steps: 0, rejectedSteps: 0, rhsEvaluations: 0, jacobianEvaluations: 0 }, yEnd: y(tEnd),
        evaluate: (t, out) => y(t, out),
        evaluateSweep: (ts, out) => {
          for (let i = 0; i < ts.length; i++) out.set(y(ts[i]!), 2 * i);
          return out;
        },
      };
    };
    const settings = { times: [0, 1, 4], solver: { method: 'auto' as const, rtol: 1e-8, atol: 1e-10 } };
    const fast = solveModes(null, [{ ...task(model, [0.01, 0.02]), fastPath: exactPath }], settings);
    expect(asked).to.equal(1);
    expect(fast.stats.rhsEvaluations).to.equal(0);
    expect(fast.strengths[2]![0]![0]! + fast.strengths[2]![1]![0]!).to.equal(logisticTotal(2, 0.03, 4));
    const declined = solveModes(null, [{ ...task(model, [0.01, 0.02]), fastPath: () => null }], settings);
    expect(declined.stats.rhsEvaluations).to.be.greaterThan(0);
    // A learning time asks for events on the time integration: the fast path is not consulted.
    solveModes(null, [{ ...task(model, [0.01, 0.02]), fastPath: exactPath }], { ...settings, learningFraction: 0.5 });
    expect(asked).to.equal(1);
  });

  it('a failing mode names itself, and the result stops at the last time every mode reached', () => {
    // dy/dt = y² from y₀ = 1 blows up at t = 1.
    const blowUp: ReducedModel = {
      ...logisticRace(1, 1, 1),
      dimension: 2,
      rhs: (_t, y, dydt) => {
        dydt[0] = y[0]! * y[0]!;
        dydt[1] = 0;
      },
    };
    const solution = solveModes(null, [task(logisticRace(1, 1, 1), [0.1, 0.1], 'fine'), task(blowUp, [1, 0], 'the bad one')], {
      times: [0, 0.5, 2],
      solver: { method: 'dopri5', rtol: 1e-8, atol: 1e-10 },
    });
    expect(solution.status).to.equal('failed');
    expect(solution.message).to.match(/^the bad one: /);
    expect(solution.times).to.deep.equal([0, 0.5]);
    expect(solution.tReached).to.be.lessThan(1.0001);
  });

  it('bad input: the learning fraction and the time of `at` are named', () => {
    const settings = { times: [0, 1], solver: { method: 'auto' as const, rtol: 1e-8, atol: 1e-10 } };
    for (const f of [0, -1, 1.5, Number.NaN]) {
      expect(() => solveModes(null, [task(logisticRace(1, 1, 1), [0.1, 0.1])], { ...settings, learningFraction: f })).to.throw(
        ValidationError,
        /^learningFraction: got .*; allowed: a number in \(0, 1\]/,
      );
    }
    const solution = solveModes(null, [task(logisticRace(1, 1, 1), [0.1, 0.1])], settings);
    for (const t of [-1, 1.5, Number.NaN]) expect(() => solution.at(t)).to.throw(ValidationError, /^t: got .*allowed: a time in \[0, 1\]/);
  });
});

describe('the DLN mode models as ReducedModels', () => {
  it('read-out, loss and learned total agree across the balanced, per-layer and halved forms', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
        fc.double({ min: 0.5, max: 5, noNaN: true }),
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        fc.array(fc.double({ min: 0.2, max: 1.5, noNaN: true }), { minLength: 3, maxLength: 3 }),
        (depths, S, lambda, qs) => {
          const params = { depths, singularValue: S, inputVariance: lambda, tau: 1 };
          const balanced = balancedModeModel(params);
          const perLayer = perLayerModeModel(params);
          // A balanced state: q = qs[a], p = 0.3 qs[a]; per layer: D − 1 factors q and one p (the last layer).
          const yb: number[] = [];
          const yl: number[] = [];
          depths.forEach((D, a) => {
            const q = qs[a]!;
            if (D === 1) yb.push(0.3 * q);
            else yb.push(0.3 * q, q);
            for (let d = 0; d < D - 1; d++) yl.push(q);
            yl.push(0.3 * q);
          });
          const halved = halvedModeModel(params, yb);
          const M = depths.length;
          const kb = balanced.strengths(yb, new Float64Array(M));
          const kl = perLayer.strengths(yl, new Float64Array(M));
          const kh = halved.strengths(halved.y0, new Float64Array(M));
          for (const model of [balanced, perLayer, halved]) {
            expect(model.readoutDimension).to.equal(M);
            expect(model.learnedTotal).to.equal(S / lambda);
          }
          const total = kb.reduce((s, k) => s + k, 0);
          const r = S - lambda * total;
          // The same products in another order: round-off of a few ulps of the largest term.
          const tol = 1e-12 * (S + lambda * kb.reduce((s, k) => s + Math.abs(k), 0)) ** 2 / lambda;
          for (const [model, k] of [[balanced, kb], [perLayer, kl], [halved, kh]] as const) {
            expect(model.loss(k)).to.be.closeTo((0.5 * r * r) / lambda, tol);
          }
          expect(balanced.residual(yb)).to.be.closeTo(r, 1e-12 * (S + lambda * Math.abs(total)));
          expect(halved.residual(halved.y0)).to.be.closeTo(r, 1e-12 * (S + lambda * Math.abs(total)));
          // The halved model's invariants are the balanced model's, in the same order and under the same names.
          expect(halved.invariantNames).to.deep.equal(balanced.invariantNames);
          const ib = balanced.invariants(yb);
          const ih = halved.invariants(halved.y0);
          ib.forEach((c, i) => expect(ih[i]).to.be.closeTo(c, 1e-12 * (1 + Math.abs(c))));
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  });
});
