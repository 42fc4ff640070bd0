/**
 * Feedback alignment in gated networks (issue 15, item 1, "where it applies"): the error travels back through
 * fixed B_e instead of W_e. Checked against the multi-pathway simulator's feedback alignment (an independent
 * engine) on a chain, the fast engine against the textbook one on a gated graph, ρ = 1 against gradient
 * descent's first step, and bad rules by field.
 */
import { expect } from 'chai';
import { GatedEngine } from '../../src/gated/engine.ts';
import { lossAndGradient } from '../../src/gated/network.ts';
import { parseGatedProblem } from '../../src/gated/problem.ts';
import { solveGated } from '../../src/gated/solve.ts';
import { createEngine } from '../../src/network/engine.ts';
import type { Mat } from '../../src/network/matrix.ts';
import { createNetwork } from '../../src/network/network.ts';
import { createRule } from '../../src/network/rules/index.ts';
import { datasetTask } from '../../src/network/task.ts';
import { ValidationError } from '../../src/util/errors.ts';
import { createRandom } from '../../src/util/random.ts';
import { GATED } from '../fuzz/entries.ts';

const random = createRandom(515);
const matrix = (rows: number, cols: number, s = 0.5): number[][] => Array.from({ length: rows }, () => Array.from({ length: cols }, () => s * random.normal()));
const flat = (m: number[][]): Float64Array => Float64Array.from(m.flat());

describe('feedback alignment in gated networks (issue 15)', () => {
  it('on a chain x → h → y it is the multi-pathway simulator’s feedback alignment (independent engines, 1e-12)', () => {
    const W1 = matrix(5, 3);
    const W2 = matrix(2, 5);
    const B2 = matrix(2, 5);
    const Y = matrix(2, 3, 1);
    const problem = parseGatedProblem({
      graph: { nodes: [{ id: 'x', size: 3, kind: 'input' }, { id: 'h', size: 5 }, { id: 'y', size: 2, kind: 'output' }], edges: [{ id: 'a', from: 'x', to: 'h' }, { id: 'b', from: 'h', to: 'y' }] },
      contexts: [{ weight: 1, inputs: { x: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }, targets: { y: Y } }],
      init: { weights: { a: W1, b: W2 } },
      train: { method: 'gd', learningRate: 0.1, steps: 1, rule: { kind: 'fa', feedback: { a: matrix(5, 3), b: B2 } } },
    });
    const gated = new GatedEngine(problem.graph, problem.contexts);
    gated.weights[0]!.set(flat(W1));
    gated.weights[1]!.set(flat(W2));
    const rule = problem.train.rule;
    if (rule === undefined || rule === 'gd' || !('feedback' in rule)) throw new Error('parsed rule');
    gated.setBackward(rule.feedback.map((b) => b.data));
    gated.lossAndGradient();
    // The same network in the simulator: one-hot items (X = I), mean loss (the context's 1/P), B for layer 2.
    const x: Mat = { rows: 3, cols: 3, data: Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]) };
    const y: Mat = { rows: 3, cols: 2, data: Float64Array.from({ length: 6 }, (_, k) => Y[k % 2]![Math.floor(k / 2)]!) };
    const task = datasetTask(x, y, 'mean');
    const layers = [[{ rows: 5, cols: 3, data: flat(W1) }, { rows: 2, cols: 5, data: flat(W2) }]];
    const net = createNetwork(task, { depths: [2], width: 5 }, { kind: 'weights', layers });
    const engine = createEngine(net, task, { rule: createRule({ kind: 'fa', feedback: [[{ rows: 2, cols: 5, data: flat(B2) }]] }) });
    const flow = new Float64Array(engine.theta.length);
    engine.flowInto(flow);
    const pseudo = [...gated.gradient[0]!, ...gated.gradient[1]!];
    const scale = Math.max(...Array.from(flow, Math.abs));
    // flow = −(pseudo-gradient); covariance form against sample form of the same sums: round-off.
    pseudo.forEach((g, k) => expect(-g, `entry ${k}`).to.be.closeTo(flow[k]!, 1e-12 * scale));
    // And B mattered: the first layer's signal is not gradient descent's.
    gated.setBackward(null);
    gated.lossAndGradient();
    const gd = gated.gradient[0]!;
    expect(Math.max(...pseudo.slice(0, 15).map((g, k) => Math.abs(g - gd[k]!)))).to.be.above(1e-3 * scale);
  });

  it('the fast engine equals the textbook one with fixed B on a gated graph (two contexts, one edge gated off)', () => {
    const problem = parseGatedProblem({ ...GATED, train: { ...GATED.train, rule: { kind: 'fa', rho: 0.3, seed: 9 } } });
    const sizes = problem.graph.edges.map((e) => problem.graph.nodes[e.to]!.size * problem.graph.nodes[e.from]!.size);
    const weights = sizes.map((n) => Float64Array.from({ length: n }, () => random.normal()));
    const backward = sizes.map((n) => Float64Array.from({ length: n }, () => random.normal()));
    const fast = new GatedEngine(problem.graph, problem.contexts);
    weights.forEach((w, e) => fast.weights[e]!.set(w));
    fast.setBackward(backward);
    const lossFast = fast.lossAndGradient();
    const gradient = sizes.map((n) => new Float64Array(n));
    const loss = lossAndGradient(problem.graph, weights, problem.contexts, gradient, backward);
    expect(lossFast).to.be.closeTo(loss, 1e-13 * loss);
    gradient.forEach((g, e) => g.forEach((v, k) => expect(fast.gradient[e]![k]).to.be.closeTo(v, 1e-12 * Math.max(1, Math.abs(v)))));
  });

  it('ρ = 1 (B = W(0)) takes gradient descent’s first step exactly and leaves it afterwards; ρ = 0 learns the task', () => {
    const steps = (rule: unknown, n: number) => solveGated({ ...GATED, train: { method: 'gd', learningRate: 0.1, steps: n, recordEvery: 1, ...(rule === undefined ? {} : { rule }) } });
    const gd = steps(undefined, 60);
    const fa1 = steps({ kind: 'fa', rho: 1, seed: 1 }, 60);
    expect(fa1.records[1]!.loss).to.equal(gd.records[1]!.loss);
    expect(Math.abs(fa1.records[60]!.loss - gd.records[60]!.loss)).to.be.above(1e-9);
    // Plain FA aligns and learns, more slowly than GD (measured after 2000 steps: 6.8e-8 against GD's 1.4e-18,
    // from 0.70).
    const fa = steps({ kind: 'fa', rho: 0, seed: 2 }, 2000);
    expect(fa.status).to.equal('ok');
    expect(fa.records[2000]!.loss).to.be.below(1e-5 * fa.records[0]!.loss);
  });

  it('refuses rules that do not apply, naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [{ kind: 'dfa', seed: 1 }, /train\.rule\.kind/],
      ['hebb', /train\.rule/],
      [{ kind: 'fa', rho: 2, seed: 1 }, /train\.rule\.rho/],
      [{ kind: 'fa' }, /train\.rule\.seed/],
      [{ kind: 'fa', feedback: { a: [[1, 2]] } }, /train\.rule\.feedback\.a/],
      [{ kind: 'fa', feedback: { z: [[1]] } }, /train\.rule\.feedback/],
    ];
    for (const [rule, field] of bad) expect(() => solveGated({ ...GATED, train: { ...GATED.train, rule } }), JSON.stringify(rule)).to.throw(ValidationError, field);
    expect(() => solveGated({ ...GATED, engine: 'reduced', train: { ...GATED.train, rule: { kind: 'fa', seed: 1 } } })).to.throw(ValidationError, /train\.rule/);
  });
});
