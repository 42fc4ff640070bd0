import { expect } from 'chai';
import { createEngine } from '../../src/network/engine.ts';
import { createNetwork } from '../../src/network/network.ts';
import { hierarchicalTask } from '../../src/network/task.ts';
import { snapshot, train } from '../../src/network/train.ts';

describe('nonlinear pathways', () => {
  const task = hierarchicalTask();

  it('read-out: K_a = Uᵀ Ω_a V with Ω_a’s columns the pathway’s outputs on the one-hot items', () => {
    const net = createNetwork(task, { depths: [2, 3], width: 10, nonlinearity: 'relu' }, { kind: 'gaussian', sigma: 1.2, seed: 4 });
    const snap = snapshot(createEngine(net, task), 0);
    const relu = (x: number) => Math.max(0, x);
    net.pathways.forEach((p, a) => {
      // Ω_a column j: push e_j through every layer, ReLU after each one (the last included).
      const omega: number[][] = Array.from({ length: 15 }, () => new Array<number>(8).fill(0));
      for (let j = 0; j < 8; j++) {
        let h: number[] = Array.from({ length: 8 }, (_, i) => (i === j ? 1 : 0));
        for (const layer of p.layers) {
          h = Array.from({ length: layer.rows }, (_, r) => relu(h.reduce((s, x, c) => s + layer.data[r * layer.cols + c]! * x, 0)));
        }
        h.forEach((x, i) => (omega[i]![j] = x));
      }
      const K = 8;
      for (let al = 0; al < K; al++) {
        for (let be = 0; be < K; be++) {
          let s = 0;
          for (let i = 0; i < 15; i++) for (let j = 0; j < 8; j++) s += task.u.data[i * K + al]! * omega[i]![j]! * task.v.data[j * K + be]!;
          expect(snap.modes[a]!.data[al * K + be]).to.be.closeTo(s, 1e-13);
        }
      }
    });
  });

  it('tanh pathways learn the hierarchical dataset exactly; ReLU pathways all but their dead outputs', () => {
    for (const nonlinearity of ['relu', 'tanh'] as const) {
      const net = createNetwork(task, { depths: [2, 2], width: 32, nonlinearity }, { kind: 'gaussian', sigma: 1, seed: 2 });
      const run = train(createEngine(net, task), { method: 'gd', learningRate: 0.05, steps: 600, recordEvery: 300 });
      const [first, , last] = run.records;
      expect(run.status).to.equal('ok');
      if (nonlinearity === 'tanh') {
        expect(last!.loss).to.be.below(1e-8 * first!.loss);
      } else {
        // With a ReLU after the last layer, an output unit whose pre-activation is negative on an item in every
        // pathway gets no gradient: each such (item, feature) with target 1 leaves ½ in the loss for good.
        // Here exactly one is stuck, so the loss settles at 0.5 (it is ≈ 12 at the start).
        expect(last!.loss).to.be.closeTo(0.5, 1e-6);
      }
      // Loss is (1/2)Σ‖y − ŷ‖² over the 8 items: 16 ones in Y give ½·32 = 16 for the zero network.
      expect(first!.loss).to.be.within(5, 40);
    }
  });
});
