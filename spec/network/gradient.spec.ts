/**
 * The flow direction −∂L/∂θ of both engines against central finite differences of the loss, and the
 * thin-product linear engine against backpropagation through the dataset (two independent methods).
 */
import { expect } from 'chai';
import { BackpropEngine, LinearEngine, createEngine, type Engine } from '../../src/network/engine.ts';
import { fromRows } from '../../src/network/matrix.ts';
import { cloneNetwork, createNetwork, type Network } from '../../src/network/network.ts';
import { datasetTask, hierarchicalTask, singularValueTask, type Task } from '../../src/network/task.ts';
import { createRandom } from '../../src/util/random.ts';

/** Central differences of the loss at a handful of random coordinates: O(h²) truncation + O(ε/h) round-off. */
function checkAgainstFiniteDifferences(engine: Engine, coordinates = 25, seed = 1): void {
  const grad = new Float64Array(engine.theta.length);
  engine.refresh();
  engine.flowInto(grad);
  const random = createRandom(seed);
  const h = 1e-5;
  for (let c = 0; c < coordinates; c++) {
    const i = random.integer(0, engine.theta.length - 1);
    const keep = engine.theta[i]!;
    engine.theta[i] = keep + h;
    engine.refresh();
    const up = engine.loss();
    engine.theta[i] = keep - h;
    engine.refresh();
    const down = engine.loss();
    engine.theta[i] = keep;
    engine.refresh();
    const fd = -(up - down) / (2 * h);
    // Truncation h²·|L'''|/6 ≲ 1e-10 for these O(1) losses; round-off ε·L/h ≈ 1e-11·L.
    expect(grad[i]!, `coordinate ${i}`).to.be.closeTo(fd, 1e-7 * Math.max(1, Math.abs(fd)));
  }
}

function gaussianNet(task: Task, depths: number[], width: number, nonlinearity: 'linear' | 'relu' | 'tanh' = 'linear'): Network {
  return createNetwork(task, { depths, width, nonlinearity }, { kind: 'gaussian', sigma: 0.9, seed: 11 });
}

describe('network gradients', () => {
  it('linear engine, whitened task: −∂L/∂θ matches finite differences of ½‖Σ^{yx} − Ω‖²', () => {
    const task = singularValueTask([2, 1.5, 0.5], 'random', 3);
    checkAgainstFiniteDifferences(new LinearEngine(gaussianNet(task, [1, 2, 4], 6), task));
  });

  it('linear engine, non-whitened dataset (mean loss): matches finite differences', () => {
    const random = createRandom(5);
    const rows = (r: number, c: number) => Array.from({ length: r }, () => Array.from({ length: c }, () => random.normal()));
    const task = datasetTask(fromRows(rows(7, 3)), fromRows(rows(7, 4)), 'mean');
    expect(task.whitened).to.equal(false);
    checkAgainstFiniteDifferences(new LinearEngine(gaussianNet(task, [3, 2], 5), task));
  });

  it('relu and tanh pathways: backpropagation matches finite differences of the dataset loss', () => {
    const task = hierarchicalTask();
    // ReLU is not differentiable at 0, but no pre-activation of a Gaussian net sits within h = 1e-5 of 0.
    checkAgainstFiniteDifferences(createEngine(gaussianNet(task, [2, 3], 7, 'relu'), task), 25, 2);
    checkAgainstFiniteDifferences(createEngine(gaussianNet(task, [3, 1], 7, 'tanh'), task), 25, 3);
  });

  it('thin products and backpropagation through the dataset give the same flow and the same GD trajectory', () => {
    const random = createRandom(9);
    const rows = (r: number, c: number) => Array.from({ length: r }, () => Array.from({ length: c }, () => random.normal()));
    const task = datasetTask(fromRows(rows(9, 4)), fromRows(rows(9, 3)), 'sum');
    const net = gaussianNet(task, [2, 3, 1], 8);
    const thin = new LinearEngine(cloneNetwork(net), task);
    const back = new BackpropEngine(cloneNetwork(net), task);
    const g1 = new Float64Array(thin.theta.length);
    const g2 = new Float64Array(back.theta.length);
    thin.flowInto(g1);
    back.flowInto(g2);
    const scale = Math.max(...g2.map(Math.abs));
    // Same quantity by different association orders: agreement to round-off (1e-12 relative).
    g1.forEach((g, i) => expect(g).to.be.closeTo(g2[i]!, 1e-12 * scale));
    for (let s = 0; s < 20; s++) {
      thin.step(0.002);
      back.step(0.002);
    }
    expect(thin.loss()).to.be.closeTo(back.loss(), 1e-10 * back.loss());
    thin.theta.forEach((w, i) => expect(w).to.be.closeTo(back.theta[i]!, 1e-11));
  });
});

describe('kernel sets', () => {
  it('WebAssembly SIMD and JavaScript kernels give the same gradient-descent trajectory (odd and even K)', () => {
    for (const S of [[2, 1.5, 0.5], [3, 2, 1, 0.5]]) {
      const task = singularValueTask(S, 'random', 4);
      const net = createNetwork(task, { depths: [3, 2, 4], width: 9 }, { kind: 'gaussian', sigma: 0.9, seed: 6 });
      const wasm = createEngine(cloneNetwork(net), task);
      const js = createEngine(cloneNetwork(net), task, { kernels: 'js' });
      expect((wasm as LinearEngine).kernelKind).to.contain('wasm');
      expect((js as LinearEngine).kernelKind).to.not.contain('wasm');
      for (let s = 0; s < 50; s++) {
        wasm.step(0.05);
        js.step(0.05);
      }
      // Same arithmetic in a different summation order: round-off only, amplified mildly over 50 steps.
      wasm.theta.forEach((w, i) => expect(w).to.be.closeTo(js.theta[i]!, 1e-12));
      expect(wasm.loss()).to.be.closeTo(js.loss(), 1e-12);
    }
  });
});
