/**
 * The ml-matrix reference engine (src/network/ml-engine.ts, the textbook equations) as the ground truth of the
 * fast engines — WebAssembly SIMD and JavaScript thin products for linear pathways, backpropagation for ReLU
 * and tanh — for every update rule, every initialisation kind, gradient-descent steps and gradient flow.
 * Plus: the rule seam against hand-computed updates, and the kernels option's validation and registry.
 *
 * Tolerances. The engines compute the same quantities in different association orders (thin suffix products
 * and kernels summing in blocks of rows against ml-matrix's plain products), so they differ by round-off only:
 * an entry of G Hᵀ comes out of ≤ D = 3 chained products of ≤ N = 5 terms and a sum over ≤ P = 7 columns, each
 * operation contributing ≲ (terms)·ε relative to the magnitudes summed, ≈ 30ε ≈ 7e-15 relative to the largest
 * entry; cancellation can make an entry smaller than its terms, hence tolerances relative to the vector's largest
 * entry, with a margin of ~100: 1e-12 for one evaluation. Over 12 steps of η = 0.05 on these O(1) networks
 * the map θ ↦ θ + η F(θ) amplifies differences by at most (1 + η‖∂F‖)^12 ≈ 2–5, so θ after the steps is
 * checked at 1e-11 of max|θ|. Gradient flow: both engines integrate with dopri5 at rtol 1e-11; with the same
 * accepted and rejected steps (asserted: right-hand sides that differ in their last bits leave the controller's
 * decisions alone) a record is the same Runge–Kutta combination of right-hand sides that agree to round-off,
 * carried over t ≤ 1 by a flow with O(1) Lipschitz constant: 1e-12 of the largest strength.
 * Measured worst cases over all the cases below (relative to the largest entry): flow vector at t = 0 1.9e-16,
 * θ after 12 steps 6.2e-16, flow vector after them 3.5e-15, Ω_a 1.5e-15, flow records 1.6e-15.
 */
import { expect } from 'chai';
import { createEngine, LinearEngine, BackpropEngine, kernelChoices, type Engine, type EngineOptions } from '../../src/network/engine.ts';
import { gradientRule } from '../../src/network/gradient-rule.ts';
import { fromRows } from '../../src/network/matrix.ts';
import { MatrixEngine } from '../../src/network/ml-engine.ts';
import { cloneNetwork, createNetwork, type Network, type NetworkInit, type Nonlinearity } from '../../src/network/network.ts';
import { registerEngine } from '../../src/network/registry.ts';
import type { UpdateRule } from '../../src/network/rule.ts';
import { parseSimulationSpec } from '../../src/network/spec.ts';
import { simulate } from '../../src/network/simulate.ts';
import { datasetTask, singularValueTask, type Task } from '../../src/network/task.ts';
import { train } from '../../src/network/train.ts';
import { ValidationError } from '../../src/util/errors.ts';
import { createRandom } from '../../src/util/random.ts';
import { randomDirectFeedback, rhoFeedbackAlignment } from '../../src/network/rules/index.ts';

/** B = W(0) (ρ = 1: no random part), random B (ρ = 0), DFA: the rules of src/network/rules. */
const feedbackAlignment = (source: 'initial' | { seed: number }) => (source === 'initial' ? rhoFeedbackAlignment(1, 0) : rhoFeedbackAlignment(0, source.seed));
const directFeedback = randomDirectFeedback;

const random = createRandom(17);
const rows = (r: number, c: number): number[][] => Array.from({ length: r }, () => Array.from({ length: c }, () => random.normal()));
/** Linear pathways: a whitened task in a random basis and a non-whitened dataset (mean loss). */
const LINEAR_TASKS: Record<string, Task> = {
  whitened: singularValueTask([2, 1.2, 0.5], 'random', 3),
  dataset: datasetTask(fromRows(rows(7, 3)), fromRows(rows(7, 4)), 'mean'),
};
/** Nonlinear pathways: a small dataset with the summed loss (P = 6 samples). */
const NONLINEAR_TASK = datasetTask(fromRows(rows(6, 3)), fromRows(rows(6, 2)), 'sum');

const DEPTHS = [1, 3, 2];
const WIDTH = 5;

function inits(task: Task): NetworkInit[] {
  const K = task.singularValues.length;
  const aligned = DEPTHS.map((D, a) => Array.from({ length: D }, (_, d) => Array.from({ length: K }, (_, m) => 0.5 + 0.1 * a - 0.08 * m + 0.05 * d)));
  return [
    { kind: 'gaussian', sigma: 0.9, seed: 3 },
    { kind: 'orthogonal', sigma: 0.8, seed: 4 },
    { kind: 'lowRank', sigma: 0.9, rank: 2, seed: 5 },
    { kind: 'aligned', layers: aligned, seed: 6 },
  ];
}

const RULES: (() => UpdateRule)[] = [
  () => gradientRule,
  () => feedbackAlignment('initial'),
  () => feedbackAlignment({ seed: 8 }),
  () => directFeedback(9),
];

/** The fast engines of a nonlinearity (by kernels option), each checked against ml-matrix. */
function fastKernels(nonlinearity: Nonlinearity): ('auto' | 'js')[] {
  return nonlinearity === 'linear' ? ['auto', 'js'] : ['auto'];
}

interface Case {
  label: string;
  task: Task;
  net: Network;
  nonlinearity: Nonlinearity;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const [name, task] of Object.entries(LINEAR_TASKS)) {
    for (const init of inits(task)) {
      out.push({ label: `linear, ${name}, ${init.kind}`, task, nonlinearity: 'linear', net: createNetwork(task, { depths: DEPTHS, width: WIDTH }, init) });
    }
  }
  for (const nonlinearity of ['relu', 'tanh'] as const) {
    for (const init of inits(NONLINEAR_TASK)) {
      out.push({
        label: `${nonlinearity}, dataset, ${init.kind}`,
        task: NONLINEAR_TASK,
        nonlinearity,
        net: createNetwork(NONLINEAR_TASK, { depths: DEPTHS, width: WIDTH, nonlinearity }, init),
      });
    }
  }
  return out;
}

const maxAbs = (x: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
};

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relative: number, what: string): void {
  expect(actual.length, what).to.equal(expected.length);
  const tol = relative * Math.max(1e-300, maxAbs(expected));
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol)) {
      expect.fail(`${what}: entry ${i} is ${actual[i]}, reference ${expected[i]} (tolerance ${tol})`);
    }
  }
}

function flow(engine: Engine): Float64Array {
  const out = new Float64Array(engine.theta.length);
  engine.refresh();
  engine.flowInto(out);
  return out;
}

const make = (c: Case, options: EngineOptions): Engine => createEngine(cloneNetwork(c.net), c.task, options);

describe('ml-matrix reference engine vs the fast engines', () => {
  it('is what createEngine builds for kernels "ml-matrix", for linear and nonlinear pathways', () => {
    for (const c of [cases()[0]!, cases().at(-1)!]) expect(make(c, { kernels: 'ml-matrix' })).to.be.instanceOf(MatrixEngine);
    expect(kernelChoices()).to.include.members(['auto', 'js', 'ml-matrix']);
  });

  it('every rule × every init kind × linear (wasm, js) and relu/tanh pathways: flow vectors, 12 GD steps, loss and read-out agree to round-off', function () {
    this.timeout(120_000);
    let checked = 0;
    for (const c of cases()) {
      for (const rule of RULES) {
        for (const kernels of fastKernels(c.nonlinearity)) {
          const what = `${c.label}, ${rule().name}, ${kernels}`;
          const fast = make(c, { kernels, rule: rule() });
          const ref = make(c, { kernels: 'ml-matrix', rule: rule() });
          if (c.nonlinearity === 'linear') expect(fast, what).to.be.instanceOf(LinearEngine);
          else expect(fast, what).to.be.instanceOf(BackpropEngine);
          expect((fast as LinearEngine).kernelKind ?? 'backprop', what).to.satisfy((k: string) => (kernels === 'auto' ? k === 'backprop' || k.includes('wasm') : !k.includes('wasm')));
          expectClose(flow(fast), flow(ref), 1e-12, `${what}: flow vector at t = 0`);
          for (let s = 0; s < 12; s++) {
            fast.step(0.05);
            ref.step(0.05);
          }
          expectClose(fast.theta, ref.theta, 1e-11, `${what}: θ after 12 steps`);
          // The flow vector away from the initial state (where FA with B = W(0) no longer equals the gradient).
          expectClose(flow(fast), flow(ref), 1e-11, `${what}: flow vector after 12 steps`);
          // Loss: the covariance form (linear) against the dataset's sum of squares: round-off of the zero
          // network's loss (c/2)‖Y‖² at most (cancellation in ½tr(ΩΣ^xΩᵀ) − tr(Σ^{yxᵀ}Ω) + (c/2)‖Y‖²).
          expect(fast.loss(), what).to.be.closeTo(ref.loss(), 1e-12 * Math.max(ref.loss(), c.task.targetEnergy));
          fast.pathwayMaps().forEach((m, a) => expectClose(m.data, ref.pathwayMaps()[a]!.data, 1e-11, `${what}: Ω_${a}`));
          checked++;
        }
      }
    }
    // 2 linear tasks × 4 inits × 4 rules × 2 kernel sets + 2 nonlinearities × 4 inits × 4 rules.
    expect(checked).to.equal(2 * 4 * 4 * 2 + 2 * 4 * 4);
  });

  it('gradient flow: train() records of every rule, every init kind, on every fast engine match the reference (linear, tanh)', function () {
    this.timeout(120_000);
    const solver = { rtol: 1e-11, atol: 1e-13 };
    // Linear: both tasks, every init kind; tanh: every init kind of the dataset. ReLU pathways only through
    // their flow vectors (test above): their flow is not smooth — a pre-activation held at the kink makes
    // dopri5 exhaust 100 000 steps before t = 0.02 on every engine, the reference included.
    for (const c of cases().filter((x) => x.nonlinearity !== 'relu')) {
      const times = [0, 0.5, 1];
      for (const rule of RULES) {
        const t0 = performance.now();
        const ref = train(make(c, { kernels: 'ml-matrix', rule: rule() }), { method: 'flow', times, solver });
        if (process.env['DEBUG_FLOW']) console.log(c.label, rule().name, ref.status, ref.solverSteps, (performance.now() - t0).toFixed(0), 'ms');
        expect(ref.status, `${c.label}, ${rule().name}: ${ref.message}`).to.equal('ok');
        const scale = Math.max(...ref.records.flatMap((r) => r.modes.flatMap((m) => Array.from(m.data, Math.abs))));
        for (const kernels of fastKernels(c.nonlinearity)) {
          const what = `${c.label}, ${rule().name}, ${kernels}`;
          const fast = train(make(c, { kernels, rule: rule() }), { method: 'flow', times, solver });
          expect(fast.status, what).to.equal('ok');
          expect(fast.solverSteps, `${what}: the same dopri5 steps`).to.equal(ref.solverSteps);
          expect(fast.records.map((r) => r.time), what).to.deep.equal(times);
          fast.records.forEach((rec, r) => {
            rec.modes.forEach((m, a) =>
              m.data.forEach((k, i) => expect(k, `${what}: K_${a}[${i}] at t = ${rec.time}`).to.be.closeTo(ref.records[r]!.modes[a]!.data[i]!, 1e-12 * scale)),
            );
            expect(rec.loss, what).to.be.closeTo(ref.records[r]!.loss, 1e-12 * Math.max(ref.records[0]!.loss, c.task.targetEnergy));
          });
        }
      }
    }
  });

  it('the rules are in use: FA with B = W(0) takes exactly the gradient step first and departs after; random FA and DFA differ from it', () => {
    for (const c of [cases()[0]!, cases()[9]!, cases().at(-4)!]) {
      for (const kernels of [...fastKernels(c.nonlinearity), 'ml-matrix'] as const) {
        const what = `${c.label}, ${kernels}`;
        const gd = make(c, { kernels });
        const fa = make(c, { kernels, rule: feedbackAlignment('initial') });
        gd.step(0.05);
        fa.step(0.05);
        // Exactly: the same kernels on bit-identical copies of W(0).
        gd.theta.forEach((w, i) => expect(fa.theta[i], `${what}: first step, θ_${i}`).to.equal(w));
        gd.step(0.05);
        fa.step(0.05);
        const second = maxAbs(gd.theta.map((w, i) => w - fa.theta[i]!));
        expect(second, `${what}: second step`).to.be.above(1e-8);
        for (const rule of [feedbackAlignment({ seed: 8 }), directFeedback(9)]) {
          const other = make(c, { kernels, rule });
          const g0 = flow(make(c, { kernels }));
          const r0 = flow(other);
          expect(maxAbs(g0.map((g, i) => g - r0[i]!)), `${what}, ${rule.name}`).to.be.above(1e-3 * maxAbs(g0));
        }
      }
    }
  });
});

describe('update rules against hand-computed updates (scalar chains)', () => {
  // One input, one output, width 1, one depth-2 pathway: W¹ = w1, W² = w2 are numbers.
  const s = 1.7;
  const eta = 0.1;
  function scalarNet(task: Task, nonlinearity: Nonlinearity): Network {
    const net = createNetwork(task, { depths: [2], width: 1, nonlinearity }, { kind: 'gaussian', sigma: 1, seed: 1 });
    net.pathways[0]!.layers[0]!.data[0] = 0.6;
    net.pathways[0]!.layers[1]!.data[0] = -0.4;
    return net;
  }

  it('linear: GD and FA (B = w2(0)) over two steps, on wasm, js and ml-matrix', () => {
    const task = singularValueTask([s]);
    // L = ½(s − w2 w1)²: −∂L/∂w1 = w2 (s − w2 w1), −∂L/∂w2 = w1 (s − w2 w1); FA replaces w2 by b = w2(0).
    const gdStep = ([w1, w2]: number[]): number[] => [w1! + eta * w2! * (s - w2! * w1!), w2! + eta * w1! * (s - w2! * w1!)];
    const faStep = ([w1, w2]: number[], b: number): number[] => [w1! + eta * b * (s - w2! * w1!), w2! + eta * w1! * (s - w2! * w1!)];
    const gd2 = gdStep(gdStep([0.6, -0.4]));
    const fa2 = faStep(faStep([0.6, -0.4], -0.4), -0.4);
    for (const kernels of ['auto', 'js', 'ml-matrix']) {
      for (const [rule, expected] of [[gradientRule, gd2], [feedbackAlignment('initial'), fa2]] as const) {
        const e = createEngine(scalarNet(task, 'linear'), task, { kernels, rule });
        e.step(eta);
        e.step(eta);
        // A handful of operations on O(1) numbers: a few ulps (4e-15 ≈ 18 ulp at 1).
        Array.from(e.theta).forEach((w, i) => expect(w, `${kernels}, ${rule.name}, w${i + 1}`).to.be.closeTo(expected[i]!, 4e-15));
      }
    }
  });

  it('tanh: GD, FA and DFA signals equal the hand-written backpropagation, on the backprop and ml-matrix engines', () => {
    const task = datasetTask(fromRows([[1]]), fromRows([[0.8]]), 'sum');
    const [w1, w2] = [0.6, -0.4];
    // z1 = w1 x, h1 = tanh z1, z2 = w2 h1, ŷ = tanh z2, δ = y − ŷ; g2 = δ (1 − ŷ²), −∂L/∂w2 = g2 h1 (every
    // rule: the top layer keeps its gradient); g1 = w2 g2 (1 − h1²) for GD and for FA with B = W(0) at t = 0,
    // g1 = b δ (1 − h1²) for DFA (the output error projected straight to the hidden layer); dw1/dt = g1 x.
    const h1 = Math.tanh(w1 * 1);
    const yhat = Math.tanh(w2 * h1);
    const delta = 0.8 - yhat;
    const g2 = delta * (1 - yhat * yhat);
    const dfaB = createRandom(9).normal(); // randomDirectFeedback(9)'s only draw: F ~ N(0, 1/n_out), n_out = 1
    for (const kernels of ['auto', 'ml-matrix']) {
      for (const [rule, g1] of [[gradientRule, w2 * g2], [feedbackAlignment('initial'), w2 * g2], [directFeedback(9), dfaB * delta]] as const) {
        const f = flow(createEngine(scalarNet(task, 'tanh'), task, { kernels, rule }));
        expect(f[0], `${kernels}, ${rule.name}: dw1/dt`).to.be.closeTo(g1 * (1 - h1 * h1), 4e-15);
        expect(f[1], `${kernels}, ${rule.name}: dw2/dt`).to.be.closeTo(g2 * h1, 4e-15);
      }
    }
  });
});

describe('kernels option and engine registry', () => {
  const task = singularValueTask([2, 1]);
  const net = (nonlinearity: Nonlinearity = 'linear'): Network => createNetwork(task, { depths: [2, 3], width: 4, nonlinearity }, { kind: 'gaussian', sigma: 0.8, seed: 2 });
  const spec = (extra: Record<string, unknown>) => ({
    task: { singularValues: [2, 1] },
    depths: [2, 3],
    width: 4,
    init: { kind: 'gaussian', sigma: 0.8, seed: 2 },
    train: { method: 'gd', learningRate: 0.05, steps: 40, recordEvery: 20 },
    ...extra,
  });

  it('an unknown kernels value is a ValidationError naming the field, the value and the allowed values', () => {
    const check = (fn: () => unknown): void => {
      try {
        fn();
        expect.fail('no error');
      } catch (err) {
        expect(err).to.be.instanceOf(ValidationError);
        const v = err as ValidationError;
        expect(v.field).to.equal('kernels');
        expect(v.value).to.equal('gpu');
        expect(v.allowed).to.contain('"auto"').and.contain('"js"').and.contain('"ml-matrix"');
      }
    };
    check(() => createEngine(net(), task, { kernels: 'gpu' }));
    check(() => parseSimulationSpec(spec({ kernels: 'gpu' })));
    expect(() => parseSimulationSpec(spec({ kernels: 3 }))).to.throw(ValidationError, /^kernels: got 3; allowed: one of "auto", "js", "ml-matrix"/);
  });

  it('a spec selects the kernels: "ml-matrix", "js" and "auto" give the same records to round-off', () => {
    expect(parseSimulationSpec(spec({})).kernels).to.equal('auto');
    expect(parseSimulationSpec(spec({ kernels: 'ml-matrix' })).kernels).to.equal('ml-matrix');
    const ref = simulate(spec({ kernels: 'ml-matrix' }));
    for (const kernels of ['auto', 'js']) {
      const run = simulate(spec({ kernels }));
      expect(run.status).to.equal('ok');
      expect(run.times).to.deep.equal(ref.times);
      // 40 steps of η = 0.05: round-off amplified mildly (see the file's header).
      run.strengths.forEach((rec, r) => rec.forEach((row, a) => expectClose(row, ref.strengths[r]![a]!, 1e-11, `${kernels}: record ${r}, pathway ${a}`)));
      run.loss.forEach((l, r) => expect(l).to.be.closeTo(ref.loss[r]!, 1e-12 * Math.max(1, ref.loss[0]!)));
    }
  });

  it('a rule without the form an engine needs, or an engine given the wrong network, is a ValidationError', () => {
    const thinOnly: UpdateRule = { name: 'thin only', thin: gradientRule.thin! };
    expect(() => createEngine(net(), task, { rule: thinOnly })).to.not.throw();
    for (const [n, kernels] of [['relu', 'auto'], ['linear', 'ml-matrix']] as const) {
      expect(() => createEngine(net(n), task, { kernels, rule: thinOnly }))
        .to.throw(ValidationError, /^rule: got "thin only"; allowed: a rule with a "(samples|matrix)" form/)
        .with.property('field', 'rule');
    }
    expect(() => new LinearEngine(net('tanh'), task)).to.throw(ValidationError).with.property('field', 'nonlinearity');
    expect(() => new LinearEngine(net(), task, { kernels: 'ml-matrix' })).to.throw(ValidationError).with.property('field', 'kernels');
    const bogus = { ...net(), nonlinearity: 'sigmoid' as Nonlinearity };
    expect(() => createEngine(bogus, task)).to.throw(ValidationError, /^nonlinearity: got "sigmoid"; allowed: with kernels "auto": one of "linear", "relu", "tanh"/);
  });

  it('a thin form that allocates more kernel memory than it declared, or hands the WebAssembly kernel foreign memory, is stopped', () => {
    const greedy: UpdateRule = {
      name: 'greedy',
      thin: {
        memory: () => [4],
        bind(setup) {
          setup.allocate(4);
          setup.allocate(1);
          return gradientRule.thin!.bind(setup);
        },
      },
    };
    for (const kernels of ['auto', 'js']) {
      expect(() => createEngine(net(), task, { kernels, rule: greedy })).to.throw(/^rule "greedy": its thin form allocates more than its memory\(\) declares/);
    }
    // The WebAssembly suffix kernel reads the engine's memory by address: a Q outside it is refused, not misread.
    const outside: UpdateRule = {
      name: 'outside',
      thin: {
        bind({ layers, ops, task: t }) {
          ops.suffix(new Float64Array(t.outputDim * layers[0]!.cols), new Float64Array(t.outputDim * layers[0]!.rows), layers[0]!.weights);
          return { signals: () => {} };
        },
      },
    };
    expect(() => createEngine(net(), task, { rule: outside })).to.throw(/^rule "outside": ops.suffix needs Q and W in the engine's memory/);
    expect(() => createEngine(net(), task, { kernels: 'js', rule: outside })).to.not.throw();
  });

  it('registerEngine adds a kernels value that createEngine and the spec accept; undoing it removes it', () => {
    let built = 0;
    const undo = registerEngine({
      name: 'test: JavaScript thin products, counted',
      kernels: ['counted'],
      nonlinearities: ['linear'],
      create: (n, t, o) => {
        built++;
        return new LinearEngine(n, t, { ...o, kernels: 'js' });
      },
    });
    try {
      expect(kernelChoices()).to.include('counted');
      expect(createEngine(net(), task, { kernels: 'counted' })).to.be.instanceOf(LinearEngine);
      expect(simulate(spec({ kernels: 'counted' })).status).to.equal('ok');
      expect(built).to.equal(2);
      expect(() => createEngine(net('relu'), task, { kernels: 'counted' })).to.throw(ValidationError, /^nonlinearity: got "relu"; allowed: with kernels "counted": one of "linear"/);
    } finally {
      undo();
    }
    expect(kernelChoices()).to.not.include('counted');
    expect(() => parseSimulationSpec(spec({ kernels: 'counted' }))).to.throw(ValidationError).with.property('field', 'kernels');
  });
});
