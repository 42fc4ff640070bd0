/**
 * The gated training step on the SIMD kernels, on the JavaScript kernels and in plain loops
 * (network.ts's lossAndGradient, the textbook form) gives one loss and gradient, for gated, multi-input,
 * multi-output graphs with items P = 1 … 7.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { GatedEngine } from '../../src/gated/engine.ts';
import { lossAndGradient } from '../../src/gated/network.ts';
import { parseGatedProblem } from '../../src/gated/problem.ts';
import { initialWeights } from '../../src/gated/solve.ts';
import { createRandom } from '../../src/util/random.ts';

function randomProblem(seed: number, P: number): ReturnType<typeof parseGatedProblem> {
  const r = createRandom(seed);
  const m = (rows: number, cols: number): number[][] => Array.from({ length: rows }, () => Array.from({ length: cols }, () => r.normal()));
  const graph = {
    nodes: [
      { id: 'x0', size: 3, kind: 'input' },
      { id: 'x1', size: 2, kind: 'input' },
      { id: 'h1', size: 9 },
      { id: 'h2', size: 5 },
      { id: 'y0', size: 4, kind: 'output' },
      { id: 'y1', size: 1, kind: 'output' },
    ],
    edges: [
      { id: 'a', from: 'x0', to: 'h1' },
      { id: 'b', from: 'x1', to: 'h1' },
      { id: 'c', from: 'h1', to: 'h2' },
      { id: 'd', from: 'x1', to: 'h2' },
      { id: 'e', from: 'h2', to: 'y0' },
      { id: 'f', from: 'h1', to: 'y1' },
      { id: 'g', from: 'h2', to: 'y1' },
    ],
  };
  const contexts = [0, 1, 2].map((i) => ({
    weight: 1 / 3,
    inputs: i === 2 ? { x0: m(3, P) } : { x0: m(3, P), x1: m(2, P) },
    targets: i === 1 ? { y1: m(1, P) } : { y0: m(4, P), y1: m(1, P) },
    gates: { nodes: { h2: i === 0 ? 0.5 : 1 }, edges: { d: i === 1 ? 0 : 2, f: -1 } },
  }));
  return parseGatedProblem({ graph, contexts, init: { gaussian: { sigma: 1, seed }, }, train: { method: 'gd', learningRate: 0.1, steps: 1 } });
}

describe('gated training step: SIMD, JavaScript and plain-loop products agree', () => {
  it('loss and every gradient entry, P = 1 … 7 (seeded)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 7 }), (seed, P) => {
        const problem = randomProblem(seed, P);
        const w0 = initialWeights(problem);
        const plainGrad = w0.map((w) => new Float64Array(w.data.length));
        const plainLoss = lossAndGradient(problem.graph, w0.map((w) => w.data), problem.contexts, plainGrad);
        for (const kernels of ['auto', 'js'] as const) {
          const engine = new GatedEngine(problem.graph, problem.contexts, kernels);
          w0.forEach((w, i) => engine.weights[i]!.set(w.data));
          const loss = engine.lossAndGradient();
          // Round-off of sums of O(10) products of O(1) numbers, summed in another order.
          expect(Math.abs(loss - plainLoss)).to.be.below(1e-12 * Math.max(1, plainLoss));
          engine.gradient.forEach((g, e) => g.forEach((v, i) => expect(Math.abs(v - plainGrad[e]![i]!)).to.be.below(1e-12 * (1 + Math.abs(plainGrad[e]![i]!)))));
        }
      }),
      { seed: 140, numRuns: 60 },
    );
  });

  it('uses the SIMD kernels where this runtime has them, and says which', () => {
    const problem = randomProblem(1, 4);
    expect(new GatedEngine(problem.graph, problem.contexts, 'js').kernels).to.equal('js');
    expect(['wasm', 'js']).to.include(new GatedEngine(problem.graph, problem.contexts).kernels);
    // Node 20 has WebAssembly SIMD: the default is the fast path on the machines this package supports.
    expect(new GatedEngine(problem.graph, problem.contexts).kernels).to.equal('wasm');
  });
});
