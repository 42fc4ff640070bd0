/**
 * The gated linear network rule (issue 15, items 1 and 2; research/other-seeds.md §3(a)): hidden outputs gated
 * by Θ(M x) with frozen M, trained by the exact gradient of the gated network. Checked against a gated network
 * written here (its loss, differentiated by central differences), against the ml-matrix reference engine,
 * in its exact limit (all gates open = gradient descent), on a task no linear network can fit, and for its
 * lazy kernel scale D·2^{1−D} (the layer-count convention, pinned against the simulator).
 */
import { expect } from 'chai';
import { createEngine } from '../../src/network/engine.ts';
import type { Mat } from '../../src/network/matrix.ts';
import { createNetwork } from '../../src/network/network.ts';
import { createRule, parseRuleSpec, type RuleSpec } from '../../src/network/rules/index.ts';
import { simulate } from '../../src/network/simulate.ts';
import { datasetTask, singularValueTask, type Task } from '../../src/network/task.ts';
import { train } from '../../src/network/train.ts';
import { lazyKernelScale } from '../../src/rules/entk.ts';
import { ValidationError } from '../../src/util/errors.ts';
import { createRandom, type Random } from '../../src/util/random.ts';

const gaussian = (rows: number, cols: number, s: number, random: Random): Mat => ({ rows, cols, data: Float64Array.from({ length: rows * cols }, () => s * random.normal()) });
const copyLayers = (layers: Mat[][]): Mat[][] => layers.map((ws) => ws.map((w) => ({ rows: w.rows, cols: w.cols, data: Float64Array.from(w.data) })));

function layersFor(depths: readonly number[], nIn: number, nOut: number, N: number, random: Random, scale = 1): Mat[][] {
  return depths.map((D) => {
    const dims = [nIn, ...new Array<number>(D - 1).fill(N), nOut];
    return Array.from({ length: D }, (_, d) => gaussian(dims[d + 1]!, dims[d]!, scale / Math.sqrt(dims[d]!), random));
  });
}

/** The gated network's loss (c/2)Σ_μ‖y_μ − f(x_μ)‖², written plainly from the definition. */
function gatedLoss(layers: Mat[][], gates: Mat[][], task: Task): number {
  const { x, y, weight } = task.dataset;
  let loss = 0;
  for (let mu = 0; mu < x.rows; mu++) {
    const xm = Array.from(x.data.subarray(mu * x.cols, (mu + 1) * x.cols));
    const out = new Array<number>(y.cols).fill(0);
    layers.forEach((ws, a) => {
      let h = xm;
      ws.forEach((w, d) => {
        const z = Array.from({ length: w.rows }, (_, r) => h.reduce((s, v, k) => s + w.data[r * w.cols + k]! * v, 0));
        if (d < ws.length - 1) {
          const M = gates[a]![d]!;
          h = z.map((v, r) => (xm.reduce((s, xv, k) => s + M.data[r * M.cols + k]! * xv, 0) > 0 ? v : 0));
        } else h = z;
      });
      h.forEach((v, i) => (out[i]! += v));
    });
    out.forEach((v, i) => (loss += 0.5 * weight * (y.data[mu * y.cols + i]! - v) ** 2));
  }
  return loss;
}

function flowOf(task: Task, layers: Mat[][], spec: RuleSpec, kernels = 'auto'): Float64Array {
  const depths = layers.map((ws) => ws.length);
  const net = createNetwork(task, { depths, width: layers[0]![0]!.rows }, { kind: 'weights', layers: copyLayers(layers) });
  const engine = createEngine(net, task, { rule: createRule(spec), kernels });
  const out = new Float64Array(engine.theta.length);
  engine.flowInto(out);
  return out;
}

describe('the gated linear network rule (issue 15)', () => {
  const random = createRandom(2023);
  const nIn = 3;
  const x: Mat = gaussian(6, nIn, 1, random);
  const y: Mat = gaussian(6, 2, 1, random);
  const task = datasetTask(x, y, 'mean');
  const depths = [3, 2];
  const layers = layersFor(depths, nIn, 2, 5, random);
  const gates = depths.map((D) => Array.from({ length: D - 1 }, () => gaussian(5, nIn, 1, random)));

  it('its flow is minus the gradient of the gated network’s loss (central differences of a loss written here)', () => {
    const flow = flowOf(task, layers, { kind: 'gln', gates });
    const h = 1e-6;
    let k = 0;
    layers.forEach((ws, a) =>
      ws.forEach((w, d) => {
        for (let i = 0; i < w.data.length; i++, k++) {
          const plus = copyLayers(layers);
          const minus = copyLayers(layers);
          plus[a]![d]!.data[i] += h;
          minus[a]![d]!.data[i] -= h;
          const derivative = (gatedLoss(plus, gates, task) - gatedLoss(minus, gates, task)) / (2 * h);
          // Central differences: O(h²) truncation (the loss is a polynomial of degree 2D in each weight, ~1e-12
          // here) plus round-off ε·L/h ≈ 1e-10: 1e-7 absolute is far above both and far below the entries (~0.1).
          expect(flow[k]!, `pathway ${a} layer ${d} entry ${i}`).to.be.closeTo(-derivative, 1e-7);
        }
      }),
    );
  });

  it('the backpropagation engine equals the ml-matrix reference engine (random gates from a seed)', () => {
    const fast = flowOf(task, layers, { kind: 'gln', seed: 5 });
    const reference = flowOf(task, layers, { kind: 'gln', seed: 5 }, 'ml-matrix');
    const scale = Math.max(...Array.from(reference, Math.abs));
    // The same sums in a different order: round-off only.
    fast.forEach((v, i) => expect(v).to.be.closeTo(reference[i]!, 1e-12 * scale));
    // And the gates matter: the flow differs from gradient descent's on the ungated network.
    const gd = flowOf(task, layers, 'gd');
    expect(Math.max(...Array.from(fast, (v, i) => Math.abs(v - gd[i]!)))).to.be.above(1e-3 * scale);
  });

  it('all gates open (M > 0 on one-hot inputs) is gradient descent on the thin-product engine, exactly', () => {
    const oneHot = singularValueTask([3, 2, 1], 'random', 4);
    const ls = layersFor([3, 2], 3, 3, 6, random);
    const open = [3, 2].map((D) => Array.from({ length: D - 1 }, () => ({ rows: 6, cols: 3, data: Float64Array.from({ length: 18 }, () => 0.5 + random.uniform()) })));
    const gln = flowOf(oneHot, ls, { kind: 'gln', gates: open });
    const gd = flowOf(oneHot, ls, 'gd');
    const scale = Math.max(...Array.from(gd, Math.abs));
    // Covariance form against sample form of the same products: round-off.
    gln.forEach((v, i) => expect(v).to.be.closeTo(gd[i]!, 1e-12 * scale));
  });

  it('fits a task no linear network can: y = x₁x₂ + x₁/2 on (±1, ±1, 1)', () => {
    const inputs: Mat = { rows: 4, cols: 3, data: Float64Array.from([1, 1, 1, 1, -1, 1, -1, 1, 1, -1, -1, 1]) };
    const targets: Mat = { rows: 4, cols: 1, data: Float64Array.from([1.5, -1.5, -0.5, 0.5]) };
    const xor = datasetTask(inputs, targets, 'mean');
    const run = (rule: RuleSpec): number => {
      const net = createNetwork(xor, { depths: [2], width: 32 }, { kind: 'gaussian', sigma: 0.5, seed: 8 });
      const engine = createEngine(net, xor, { rule: createRule(rule) });
      train(engine, { method: 'gd', learningRate: 0.05, steps: 4000, recordEvery: 4000 });
      return engine.loss();
    };
    // x₁x₂ is orthogonal to every linear function of (x₁, x₂, 1): the best linear fit is x₁/2, loss ½·mean((x₁x₂)²) = 0.5.
    expect(run('gd')).to.be.above(0.5 - 1e-9);
    expect(run({ kind: 'gln', seed: 1 })).to.be.below(1e-6);
  });

  it('lazy kernel scale D·2^{1−D}: the initial loss decay against GD’s approaches 2^{1−D} as O(1/√N) (depth 3, 6 seeds)', () => {
    expect(lazyKernelScale({ rule: 'gln', depth: 1 })).to.equal(1);
    expect(lazyKernelScale({ rule: 'gln', depth: 3 })).to.equal(0.75);
    const D = 3;
    const expected = lazyKernelScale({ rule: 'gln', depth: D }) / lazyKernelScale({ rule: 'gd', depth: D });
    // A large target makes the error E ≈ Σʸˣ for both networks (the ratio is of quadratic forms in E).
    const big = singularValueTask([1e4, 1e4, 1e4, 1e4], 'identity');
    const errors: number[] = [];
    for (const N of [64, 1024]) {
      let err = 0;
      for (let seed = 0; seed < 6; seed++) {
        const r = createRandom(77 * N + seed);
        const ls = layersFor([D], 4, 4, N, r);
        // Gradient flow of either network: −dL/dt = ‖flow‖².
        const norm = (v: Float64Array): number => v.reduce((s, t) => s + t * t, 0);
        const ratio = norm(flowOf(big, ls, { kind: 'gln', seed })) / norm(flowOf(big, ls, 'gd'));
        err += Math.abs(ratio - expected) / 6;
      }
      errors.push(err);
      // O(1/√N): each hidden gate layer halves a unit's contribution with fluctuation ~1/√N per layer.
      expect(err, `N = ${N}`).to.be.below((2 * expected * D) / Math.sqrt(N));
    }
    expect(errors[1]!).to.be.below(errors[0]! / 2);
  });

  it('is a `dln simulate` rule: runs with status ok; bad specs are refused by field', () => {
    const result = simulate({ task: { singularValues: [3, 1] }, depths: [3, 2], width: 8, init: { kind: 'gaussian', sigma: 0.5, seed: 2 }, train: { method: 'gd', learningRate: 0.05, steps: 200, recordEvery: 100, rule: { kind: 'gln', seed: 4 } } });
    expect(result.status).to.equal('ok');
    expect(result.loss[result.loss.length - 1]!).to.be.below(result.loss[0]!);
    expect(() => parseRuleSpec({ kind: 'gln' }, [3])).to.throw(ValidationError, /train\.rule\.seed/);
    expect(() => parseRuleSpec({ kind: 'gln', seed: 1, rho: 0 }, [3])).to.throw(ValidationError, /rho/);
    expect(() => parseRuleSpec({ kind: 'gln', gates: [[[[1]]]] }, [3])).to.throw(ValidationError, /train\.rule\.gates\[0\]/);
    expect(() => flowOf(task, layers, { kind: 'gln', gates: [[gates[0]![0]!, gates[0]![0]!], [{ rows: 2, cols: 3, data: new Float64Array(6) }]] })).to.throw(ValidationError, /train\.rule\.gates\[1\]\[0\]/);
    // The thin-product engine cannot gate: asking for it by name is an error naming the rule.
    expect(() => createEngine(createNetwork(task, { depths, width: 5 }, { kind: 'weights', layers: copyLayers(layers) }), task, { rule: createRule({ kind: 'gln', seed: 1 }), kernels: 'js' })).not.to.throw();
  });
});
