/**
 * Learning rules in the simulator (issue 15, item 1): each rule's fast forms (thin kernels, backpropagation)
 * against its ml-matrix form; one GD step of FA, DFA and Hebb against a plain-loop implementation written here
 * from the formulas of the issue; the limits that tie FA to GD; bad rule specs refused naming the field.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { runSimulation, simulate } from '../../src/network/simulate.ts';
import { ValidationError } from '../../src/util/errors.ts';
import { createRandom } from '../../src/util/random.ts';

type Rows = number[][];
const mm = (a: Rows, b: Rows): Rows => a.map((r) => b[0]!.map((_, j) => r.reduce((s, x, k) => s + x * b[k]![j]!, 0)));
const tr = (a: Rows): Rows => a[0]!.map((_, j) => a.map((r) => r[j]!));
const eye = (n: number): Rows => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
const gauss = (rows: number, cols: number, r: ReturnType<typeof createRandom>, s: number): Rows => Array.from({ length: rows }, () => Array.from({ length: cols }, () => s * r.normal()));
const toRows = (m: { rows: number; cols: number; data: Float64Array }): Rows => Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));

/** A small two-pathway network (depths 3 and 2, width 4) on Σʸˣ = diag(3, 1), with its weights given. */
function setup(seed: number) {
  const r = createRandom(seed);
  const layers = [
    [gauss(4, 2, r, 0.4), gauss(4, 4, r, 0.4), gauss(2, 4, r, 0.4)],
    [gauss(4, 2, r, 0.4), gauss(2, 4, r, 0.4)],
  ];
  const base = { task: { singularValues: [3, 1] }, depths: [3, 2], width: 4, init: { kind: 'weights', layers } };
  return { r, layers, base };
}

/** E = Σʸˣ − Σ_a Ω_a for the whitened task diag(3, 1). */
function residual(layers: Rows[][]): Rows {
  const omega = layers.map((p) => p.reduce((acc, w) => mm(w, acc), eye(2)));
  return [0, 1].map((i) => [0, 1].map((j) => (i === j ? [3, 1][i]! : 0) - omega.reduce((s, o) => s + o[i]![j]!, 0)));
}

const prefix = (p: Rows[], d: number): Rows => p.slice(0, d).reduce((acc, w) => mm(w, acc), eye(2));
const step = (w: Rows, g: Rows, eta: number): Rows => w.map((row, i) => row.map((x, j) => x + eta * g[i]![j]!));

function trainedLayers(spec: Record<string, unknown>): Rows[][] {
  return runSimulation(spec).network.pathways.map((p) => p.layers.map(toRows));
}

function close(a: Rows[][], b: Rows[][], tol: number): void {
  a.forEach((p, i) => p.forEach((w, d) => w.forEach((row, r) => row.forEach((x, c) => expect(x, `W[${i}][${d}][${r}][${c}]`).to.be.closeTo(b[i]![d]![r]![c]!, tol)))));
}

describe('learning rules in the simulator', () => {
  const eta = 0.05;
  const gd1 = { method: 'gd', learningRate: eta, steps: 1, recordEvery: 1 };

  it('one FA step with given B equals W^d + η (B^D⋯B^{d+1})ᵀ E (W^{d−1}⋯W^1)ᵀ, the top layer on its true gradient', () => {
    const { r, layers, base } = setup(1);
    const feedback = [[gauss(4, 4, r, 0.5), gauss(2, 4, r, 0.5)], [gauss(2, 4, r, 0.5)]];
    const E = residual(layers);
    const expected = layers.map((p, a) =>
      p.map((w, d) => {
        const suffix = feedback[a]!.slice(d).reduceRight((acc: Rows, B) => mm(acc, B), eye(2)); // B^D ⋯ B^{d+1}
        return step(w, mm(mm(tr(suffix), E), tr(prefix(p, d))), eta);
      }),
    );
    // Round-off of a few 4×4 products: 1e-14; 1e-12 leaves room.
    for (const kernels of ['auto', 'js', 'ml-matrix']) close(trainedLayers({ ...base, kernels, train: { ...gd1, rule: { kind: 'fa', feedback } } }), expected, 1e-12);
  });

  it('one DFA step with given F equals W^d + η F^d E (W^{d−1}⋯W^1)ᵀ, the top layer on its true gradient', () => {
    const { r, layers, base } = setup(2);
    const projections = [[gauss(4, 2, r, 0.5), gauss(4, 2, r, 0.5)], [gauss(4, 2, r, 0.5)]];
    const E = residual(layers);
    const expected = layers.map((p, a) => p.map((w, d) => step(w, mm(mm(d + 1 < p.length ? projections[a]![d]! : eye(2), E), tr(prefix(p, d))), eta)));
    for (const kernels of ['auto', 'js', 'ml-matrix']) close(trainedLayers({ ...base, kernels, train: { ...gd1, rule: { kind: 'dfa', projections } } }), expected, 1e-12);
  });

  it('one Hebb step: hidden layers move by η Σ_μ ‖δ_μ‖² h_μ P_μᵀ (their own output times the squared error)', () => {
    const { layers, base } = setup(3);
    const E = residual(layers);
    const e2 = [0, 1].map((mu) => E[0]![mu]! ** 2 + E[1]![mu]! ** 2);
    const expected = layers.map((p) =>
      p.map((w, d) => {
        const P = prefix(p, d);
        const g = d + 1 < p.length ? mm(w, P).map((row) => row.map((x, mu) => x * e2[mu]!)) : E;
        return step(w, mm(g, tr(P)), eta);
      }),
    );
    for (const kernels of ['auto', 'js', 'ml-matrix']) close(trainedLayers({ ...base, kernels, train: { ...gd1, rule: 'hebb' } }), expected, 1e-12);
  });

  it('ρ = 1 FA and FA with B = W(0) take exactly gradient descent’s first step; "gd" is the default', () => {
    const { layers, base } = setup(4);
    const gd = trainedLayers({ ...base, train: gd1 });
    close(trainedLayers({ ...base, train: { ...gd1, rule: { kind: 'fa', rho: 1, seed: 5 } } }), gd, 1e-14);
    close(trainedLayers({ ...base, train: { ...gd1, rule: { kind: 'fa', feedback: layers.map((p) => p.slice(1)) } } }), gd, 1e-14);
    const train = { method: 'gd', learningRate: eta, steps: 30, recordEvery: 10 };
    expect(simulate({ ...base, train: { ...train, rule: 'gd' } })).to.deep.equal(simulate({ ...base, train }));
    // ρ < 1 takes another step.
    const fa = trainedLayers({ ...base, train: { ...gd1, rule: { kind: 'fa', rho: 0, seed: 5 } } });
    expect(Math.abs(fa[0]![0]![0]![0]! - gd[0]![0]![0]![0]!)).to.be.above(1e-6);
  });

  it('every rule’s fast forms equal its ml-matrix form over seeded networks, linear and tanh, GD and flow', () => {
    const rules: unknown[] = ['hebb', { kind: 'fa', rho: 0, seed: 3 }, { kind: 'fa', rho: 0.5, seed: 4 }, { kind: 'dfa', seed: 5 }];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(...rules), fc.constantFrom('linear', 'tanh'), fc.boolean(), (seed, rule, nonlinearity, flow) => {
        const spec = {
          task: { singularValues: [3, 1] },
          depths: [3, 2],
          width: 5,
          nonlinearity,
          init: { kind: 'gaussian', sigma: 0.6, seed },
          train: flow ? { method: 'flow', times: [0, 0.5, 1], rule } : { method: 'gd', learningRate: 0.05, steps: 20, recordEvery: 10, rule },
        };
        const ref = simulate({ ...spec, kernels: 'ml-matrix' });
        for (const kernels of ['auto', 'js']) {
          const got = simulate({ ...spec, kernels });
          expect(got.status).to.equal(ref.status);
          // Same arithmetic in another order: round-off, amplified over 20 steps (GD) or through the
          // integrator's step-size choices (flow, rtol 1e-8).
          const tol = flow ? 1e-6 : 1e-10;
          got.strengths.forEach((rec, i) => rec.forEach((row, a) => row.forEach((k, m) => expect(k).to.be.closeTo(ref.strengths[i]![a]![m]!, tol))));
        }
      }),
      { seed: 1501, numRuns: 24 },
    );
  });

  it('refuses bad rules and weights naming the field', () => {
    const { base } = setup(6);
    const bad: [unknown, RegExp][] = [
      ['sgd', /train\.rule/],
      [{ kind: 'bp' }, /train\.rule\.kind/],
      [{ kind: 'gln', seed: 1.5 }, /train\.rule\.seed/],
      [{ kind: 'gln', gates: [[[[1, 2]]], [[[1]]]] }, /train\.rule\.gates/],
      [{ kind: 'fa', rho: 2, seed: 1 }, /train\.rule\.rho/],
      [{ kind: 'fa', rho: 0.5 }, /train\.rule\.seed/],
      [{ kind: 'fa', rho: 0.5, seed: 1, extra: 1 }, /train\.rule/],
      [{ kind: 'fa', feedback: [[[[1]]]] }, /train\.rule\.feedback/],
      [{ kind: 'fa', feedback: [[[[1, 2], [3]], [[1]]], [[[1]]]] }, /train\.rule\.feedback\[0\]\[0\]\[1\]/],
      [{ kind: 'fa', feedback: [[[[1]], [[1]]], [[[1]]]] }, /train\.rule\.feedback\[0\]\[0\]/],
      [{ kind: 'dfa', projections: [[[[NaN]], [[1]]], [[[1]]]] }, /train\.rule\.projections\[0\]\[0\]\[0\]\[0\]/],
      [{ kind: 'dfa', seed: 1.5 }, /train\.rule\.seed/],
    ];
    for (const [rule, field] of bad) {
      expect(() => simulate({ ...base, train: { ...gd1, rule } }), JSON.stringify(rule)).to.throw(ValidationError, field);
    }
    expect(() => simulate({ ...base, init: { kind: 'weights', layers: [[[[1]]]] }, train: gd1 })).to.throw(ValidationError, /init\.layers/);
    expect(() => simulate({ ...base, init: { kind: 'weights', layers: [[[[1, 2]], [[1]], [[1]]], [[[1]], [[1]]]] }, train: gd1 })).to.throw(ValidationError, /init\.layers\[0\]\[0\]/);
    expect(() => simulate({ ...base, init: { kind: 'weights', layers: base.init.layers, seed: 1 }, train: gd1 })).to.throw(ValidationError, /init/);
  });
});
