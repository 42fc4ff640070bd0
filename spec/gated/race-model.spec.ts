/**
 * The race as a ReducedModel value: its analytic Jacobian against central differences of its right-hand side,
 * its loss against the full network's at random decoupled states, and its invariants along the flow — on a
 * graph with shared edges, two inputs, two outputs and gates (so paths share edges and cross terms d_jp ≠ 0).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { analyse } from '../../src/gated/solve.ts';
import { parseGatedProblem } from '../../src/gated/problem.ts';
import { raceMode } from '../../src/gated/race.ts';
import { decoupledWeight } from '../../src/gated/modes.ts';
import { lossAndGradient } from '../../src/gated/network.ts';
import { integrate } from '../../src/integrate/index.ts';
import { finiteDifferenceJacobian } from '../helpers/jacobian.ts';

/** Two inputs, two outputs, a shared hidden edge; whitened, diagonal data so shared modes hold exactly. */
function problem(): ReturnType<typeof parseGatedProblem> {
  const X = [[2, 0], [0, 2]];
  return parseGatedProblem({
    graph: {
      nodes: [
        { id: 'x0', size: 2, kind: 'input' }, { id: 'x1', size: 2, kind: 'input' },
        { id: 'h1', size: 3 }, { id: 'h2', size: 3 },
        { id: 'y0', size: 2, kind: 'output' }, { id: 'y1', size: 2, kind: 'output' },
      ],
      edges: [
        { id: 'e0', from: 'x0', to: 'h1' }, { id: 'e1', from: 'x1', to: 'h1' }, { id: 's', from: 'h1', to: 'h2' },
        { id: 'd0', from: 'h2', to: 'y0' }, { id: 'd1', from: 'h2', to: 'y1' }, { id: 'skip', from: 'x1', to: 'h2' },
      ],
    },
    contexts: [
      { weight: 0.4, inputs: { x0: X, x1: X }, targets: { y0: [[6, 0], [0, 2]] } },
      { weight: 0.35, inputs: { x1: X }, targets: { y1: [[4, 0], [0, 1]], y0: [[2, 0], [0, 1]] }, gates: { edges: { skip: 0.5 } } },
      { weight: 0.25, inputs: { x0: X }, targets: { y1: [[3, 0], [0, 3]] }, gates: { nodes: { h2: 2 } } },
    ],
    init: { decoupled: { scale: 0.3, seed: 9 } },
    train: { method: 'flow', times: [0, 1] },
  });
}

describe('the race as a reduced-model value', () => {
  const p = problem();
  const a = analyse(p);
  const E = p.graph.edges.length;
  const constants = [0, 0, 0];
  const races = [0, 1].map((alpha) => raceMode(p.graph, a.paths, a.modes, alpha, constants[alpha]!, 1.5));

  it('the shared modes hold for this data (so the checks below test the race, not the bases)', () => {
    expect(a.modes.residual).to.be.below(1e-14);
  });

  it('the Jacobian equals central differences of the right-hand side (random states, seeded)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: E, maxLength: E }), fc.integer({ min: 0, max: 1 }), (b, alpha) => {
        const model = races[alpha]!.model;
        const y = Float64Array.from(b);
        const jac = new Float64Array(E * E);
        model.jacobian(0, y, jac);
        const fd = finiteDifferenceJacobian(model, y);
        // Central differences at h = 1e-6·max(1, |y|) on a cubic-in-y field: truncation ~1e-11, round-off ~1e-9.
        jac.forEach((v, i) => expect(Math.abs(v - fd[i]!)).to.be.below(1e-6 * (1 + Math.abs(v))));
      }),
      { seed: 1401, numRuns: 100 },
    );
  });

  it('Σ_α L_α + the constant equals the full network’s loss at random decoupled weights', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: 2 * E, maxLength: 2 * E }), (b) => {
        const bOf = (e: number): number[] => [b[e]!, b[E + e]!];
        const weights = p.graph.edges.map((e, i) => decoupledWeight(a.bases[e.to]!, bOf(i), a.bases[e.from]!).data);
        const grads = weights.map((w) => new Float64Array(w.length));
        const full = lossAndGradient(p.graph, weights, p.contexts, grads);
        const ys = [0, 1].map((alpha) => Float64Array.from(p.graph.edges.map((_, i) => bOf(i)[alpha]!)));
        const reduced = a.stats.targetEnergy + races[0]!.lossAt(ys[0]!) + races[1]!.lossAt(ys[1]!);
        // Round-off of sums of products of O(1) numbers (the constant is ~10).
        expect(reduced).to.be.closeTo(full, 1e-11 * (1 + full));
      }),
      { seed: 1402, numRuns: 200 },
    );
  });

  it('conserves Σ_in b² − Σ_out b² at each hidden node along the flow (dop853 at 1e-12: drift < 1e-9)', () => {
    for (const race of races) {
      const y0 = new Float64Array(E).fill(0.3);
      const before = race.model.invariants(y0);
      const sol = integrate({ dimension: E, autonomous: true, rhs: race.model.rhs, jacobian: race.model.jacobian, t0: 0, y0, tEnd: 20 }, { rtol: 1e-12, atol: 1e-14 }, 'dop853');
      expect(sol.status).to.equal('ok');
      const after = race.model.invariants(sol.yEnd);
      expect(race.model.invariantNames).to.have.length(2);
      before.forEach((v, i) => expect(Math.abs(after[i]! - v)).to.be.below(1e-9));
      // And the flow moved: the mode learned something.
      expect(Math.abs(sol.yEnd[2]! - 0.3)).to.be.above(0.1);
    }
  });
});
