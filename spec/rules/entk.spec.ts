/**
 * The effective NTK under a learning rule (issue 15, item 2): its linear response against a small step of the
 * simulator trained by that rule (an independent implementation of the same update), its exact cases, and
 * the lazy-limit scale c (GD D, ρ-FA (1 − ρ^D)/(1 − ρ), DFA and Hebb 1) approached as O(1/√N) with width.
 */
import { expect } from 'chai';
import { createEngine } from '../../src/network/engine.ts';
import type { Mat } from '../../src/network/matrix.ts';
import { createNetwork } from '../../src/network/network.ts';
import { createRule, type RuleSpec } from '../../src/network/rules/index.ts';
import { singularValueTask } from '../../src/network/task.ts';
import { train } from '../../src/network/train.ts';
import { effectiveKernel, lazyKernelScale, type KernelRule } from '../../src/rules/entk.ts';
import { ValidationError } from '../../src/util/errors.ts';
import { createRandom, type Random } from '../../src/util/random.ts';

function gaussian(rows: number, cols: number, s: number, random: Random): Mat {
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => s * random.normal()) };
}

function product(layers: readonly Mat[]): Mat {
  // Ω = W_D⋯W_1, plainly (the reference for the simulator's map).
  let out = layers[0]!;
  for (const w of layers.slice(1)) {
    const data = new Float64Array(w.rows * out.cols);
    for (let i = 0; i < w.rows; i++) for (let k = 0; k < w.cols; k++) for (let j = 0; j < out.cols; j++) data[i * out.cols + j] += w.data[i * w.cols + k]! * out.data[k * out.cols + j]!;
    out = { rows: w.rows, cols: out.cols, data };
  }
  return out;
}

/** A random linear network: pathways of `depths`, n_in = n_out = n, hidden width N, fan-in-scaled Gaussians. */
function network(depths: readonly number[], n: number, N: number, random: Random): Mat[][] {
  return depths.map((D) => {
    const dims = [n, ...new Array<number>(D - 1).fill(N), n];
    return Array.from({ length: D }, (_, d) => gaussian(dims[d + 1]!, dims[d]!, 1 / Math.sqrt(dims[d]!), random));
  });
}

/** ρ-FA backward matrices B = ρW + √(1 − ρ²)W̃ with W̃ at W's scale, and DFA projections at the scale of the true backward map. */
function feedbackFor(layers: Mat[][], rho: number, random: Random): Mat[][] {
  return layers.map((ws) => ws.slice(1).map((w) => ({ rows: w.rows, cols: w.cols, data: w.data.map((x) => rho * x + (Math.sqrt(1 - rho * rho) * random.normal()) / Math.sqrt(w.cols)) })));
}
function projectionsFor(layers: Mat[][], nOut: number, random: Random): Mat[][] {
  return layers.map((ws) => ws.slice(0, -1).map((w) => gaussian(w.rows, nOut, 1 / Math.sqrt(w.rows), random)));
}

describe('the effective NTK under a learning rule (issue 15, item 2)', () => {
  it('lazy scales: GD D, ρ-FA (1 − ρ^D)/(1 − ρ) (the paper’s L + 1 = D), DFA and Hebb 1; the FA/GD slope ratio of research §3', () => {
    expect(lazyKernelScale({ rule: 'gd', depth: 4 })).to.equal(4);
    expect(lazyKernelScale({ rule: 'fa', depth: 4, rho: 0.5 })).to.equal(1.875);
    expect(lazyKernelScale({ rule: 'fa', depth: 4, rho: 1 })).to.equal(4);
    expect(lazyKernelScale({ rule: 'fa', depth: 4, rho: 0 })).to.equal(1);
    expect(lazyKernelScale({ rule: 'dfa', depth: 7 })).to.equal(1);
    expect(lazyKernelScale({ rule: 'hebb', depth: 7 })).to.equal(1);
    // L = 3, ρ = 0.5: (1 − ρ^{L+1})/((1 − ρ)(L + 1)) = 0.46875 (other-seeds.md §3(c)).
    expect(lazyKernelScale({ rule: 'fa', depth: 4, rho: 0.5 }) / lazyKernelScale({ rule: 'gd', depth: 4 })).to.equal(0.46875);
    expect(() => lazyKernelScale({ rule: 'fa', depth: 4 })).to.throw(ValidationError, /rho/);
    expect(() => lazyKernelScale({ rule: 'sgd' as never, depth: 4 })).to.throw(ValidationError, /rule/);
    expect(() => lazyKernelScale({ rule: 'gd', depth: 0 })).to.throw(ValidationError, /depth/);
  });

  it('is the simulator’s linear response: one small step of GD, FA and DFA moves Ω by η·𝒦[E] (two pathways, depths 3 and 2)', () => {
    const random = createRandom(41);
    const n = 3;
    const depths = [3, 2];
    const task = singularValueTask([3, 2, 1], 'random', 5);
    const layers = network(depths, n, 7, random);
    const feedback = feedbackFor(layers, 0.3, random);
    const projections = projectionsFor(layers, n, random);
    const cases: [RuleSpec, KernelRule][] = [
      ['gd', 'gd'],
      [{ kind: 'fa', feedback }, { kind: 'fa', feedback }],
      [{ kind: 'dfa', projections }, { kind: 'dfa', projections }],
    ];
    for (const [spec, rule] of cases) {
      const copy = layers.map((ws) => ws.map((w) => ({ rows: w.rows, cols: w.cols, data: Float64Array.from(w.data) })));
      const net = createNetwork(task, { depths, width: 7 }, { kind: 'weights', layers: copy });
      const before = layers.map((ws) => product(ws));
      const omega0 = before.reduce((s, m) => s.map((x, k) => x + m.data[k]!), new Float64Array(n * n));
      const error = { rows: n, cols: n, data: task.sigmaYX.data.map((x, k) => x - omega0[k]!) };
      const eta = 1e-7;
      train(createEngine(net, task, { rule: createRule(spec) }), { method: 'gd', learningRate: eta, steps: 1, recordEvery: 1 });
      const omega1 = net.pathways.map((pw) => product(pw.layers)).reduce((s, m) => s.map((x, k) => x + m.data[k]!), new Float64Array(n * n));
      const predicted = effectiveKernel(layers, rule).apply(error);
      const scale = Math.max(...Array.from(predicted.data, Math.abs));
      // First order in η: the step's O(η²) terms are ~1e-7 of it; float round-off of Ω's difference ~1e-16/η = 1e-9.
      predicted.data.forEach((k, i) => expect((omega1[i]! - omega0[i]!) / eta, `${JSON.stringify(spec).slice(0, 20)} entry ${i}`).to.be.closeTo(k, 1e-5 * scale));
      // The full kernel matrix applies the same map: K·vec(E) with vec index i·n_in + μ.
      const K = effectiveKernel(layers, rule).kernel();
      const viaMatrix = K.map((row) => row.reduce((s, x, j) => s + x * error.data[j]!, 0));
      viaMatrix.forEach((k, i) => expect(k).to.be.closeTo(predicted.data[i]!, 1e-12 * scale));
    }
  });

  it('exact cases: B = W (ρ = 1) is GD, term by term; Hebb and DFA keep only the top layer’s term exactly', () => {
    const random = createRandom(7);
    const layers = network([4], 3, 20, random);
    const gd = effectiveKernel(layers, 'gd');
    const same = effectiveKernel(layers, { kind: 'fa', feedback: [layers[0]!.slice(1)] });
    same.terms.forEach((t, i) => t.outputOverlap.data.forEach((x, k) => expect(x).to.equal(gd.terms[i]!.outputOverlap.data[k])));
    expect(gd.meanFieldScale[0]).to.be.closeTo(4, 1e-12);
    const hebb = effectiveKernel(layers, 'hebb');
    expect(hebb.meanFieldScale[0]).to.equal(1);
    expect(hebb.terms.map((t) => t.alignment)).to.deep.equal([0, 0, 0, 1]);
    const dfa = effectiveKernel(layers, { kind: 'dfa', projections: projectionsFor(layers, 3, random) });
    expect(dfa.terms[3]!.alignment).to.equal(1);
  });

  it('approaches the lazy scale c as O(1/√N): ρ-FA (ρ = 0.5) and DFA at depth 4, N = 64, 256, 1024 (6 seeds each)', () => {
    const D = 4;
    const widths = [64, 256, 1024];
    const errors = { fa: [] as number[], dfa: [] as number[] };
    const cFa = lazyKernelScale({ rule: 'fa', depth: D, rho: 0.5 });
    for (const N of widths) {
      let fa = 0;
      let dfa = 0;
      for (let seed = 0; seed < 6; seed++) {
        const random = createRandom(1000 * N + seed);
        const layers = network([D], 4, N, random);
        fa += Math.abs(effectiveKernel(layers, { kind: 'fa', feedback: feedbackFor(layers, 0.5, random) }).meanFieldScale[0]! - cFa) / 6;
        dfa += Math.abs(effectiveKernel(layers, { kind: 'dfa', projections: projectionsFor(layers, 4, random) }).meanFieldScale[0]! - 1) / 6;
      }
      errors.fa.push(fa);
      errors.dfa.push(dfa);
      // Within the O(1/√N) band: measured mean errors were 0.75–1.3/√N (scan over N = 100…3200, 4 seeds).
      expect(fa, `FA at N = ${N}`).to.be.below((2 * cFa) / Math.sqrt(N));
      expect(dfa, `DFA at N = ${N}`).to.be.below(2 / Math.sqrt(N));
    }
    // And falling: 16× the width, at least 2× closer (√16 = 4 expected).
    expect(errors.fa[2]!).to.be.below(errors.fa[0]! / 2);
    expect(errors.dfa[2]!).to.be.below(errors.dfa[0]! / 2);
  });

  it('refuses bad input by field', () => {
    const random = createRandom(3);
    const layers = network([3], 2, 5, random);
    expect(() => effectiveKernel([], 'gd')).to.throw(ValidationError, /layers/);
    expect(() => effectiveKernel(layers, 'sgd' as never)).to.throw(ValidationError, /rule/);
    expect(() => effectiveKernel(layers, { kind: 'fa', feedback: [[layers[0]![1]!]] })).to.throw(ValidationError, /rule\.feedback\[0\]/);
    expect(() => effectiveKernel(layers, { kind: 'dfa', projections: [[layers[0]![1]!, layers[0]![0]!]] })).to.throw(ValidationError, /rule\.projections\[0\]\[0\]/);
    const bad = layers.map((ws) => ws.map((w) => ({ ...w, data: Float64Array.from(w.data) })));
    bad[0]![1]!.data[0] = NaN;
    expect(() => effectiveKernel(bad, 'gd')).to.throw(ValidationError, /layers\[0\]\[1\]\[0\]\[0\]/);
    expect(() => effectiveKernel(layers, 'gd').apply({ rows: 3, cols: 2, data: new Float64Array(6) })).to.throw(ValidationError, /error/);
  });
});
