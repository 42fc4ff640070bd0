import { expect } from 'chai';
import { createEngine } from '../../src/network/engine.ts';
import { fromRows } from '../../src/network/matrix.ts';
import { cloneNetwork, createNetwork } from '../../src/network/network.ts';
import { weightInvariants } from '../../src/network/invariants.ts';
import { datasetTask, hierarchicalTask, singularValueTask } from '../../src/network/task.ts';
import {
  flowTimeToTorchEpochs,
  torchLossRatio,
  torchRunToFlowTime,
  torchStepToFlowTime,
  torchToPackageLearningRate,
} from '../../src/network/time.ts';
import { train } from '../../src/network/train.ts';
import { createRandom } from '../../src/util/random.ts';

function invariantDrift(before: ReturnType<typeof weightInvariants>, after: ReturnType<typeof weightInvariants>): number {
  let worst = 0;
  before.forEach((p, a) => p.forEach((m, d) => m.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - after[a]![d]!.data[i]!))))));
  return worst;
}

describe('weight invariant W^{d+1ᵀ}W^{d+1} − W^d W^{dᵀ}', () => {
  const task = singularValueTask([2, 1], 'random', 1);
  const base = createNetwork(task, { depths: [3, 2], width: 6 }, { kind: 'gaussian', sigma: 1, seed: 5 });

  it('is conserved by gradient flow (to the integrator tolerance) while the weights move by O(1)', () => {
    const net = cloneNetwork(base);
    const before = weightInvariants(net);
    const start = Float64Array.from(createEngine(cloneNetwork(base), task).theta);
    const engine = createEngine(net, task);
    train(engine, { method: 'flow', times: [0, 3], solver: { rtol: 1e-10, atol: 1e-12 } });
    let moved = 0;
    engine.theta.forEach((w, i) => (moved = Math.max(moved, Math.abs(w - start[i]!))));
    expect(moved).to.be.above(0.1);
    // Global error of the weights ~1e-9 (rtol 1e-10 over a few hundred steps); the invariant is quadratic in
    // O(1) weights, so its drift is of the same order. 1e-7 leaves two orders of margin.
    expect(invariantDrift(before, weightInvariants(net))).to.be.below(1e-7);
  });

  it('changes under gradient descent by O(η) over a fixed time (O(η²) per step): halving η halves the drift', () => {
    const drift = (eta: number) => {
      const net = cloneNetwork(base);
      const before = weightInvariants(net);
      train(createEngine(net, task), { method: 'gd', learningRate: eta, steps: Math.round(1 / eta), recordEvery: Math.round(1 / eta) });
      return invariantDrift(before, weightInvariants(net));
    };
    const coarse = drift(0.02);
    const fine = drift(0.01);
    expect(coarse).to.be.above(1e-6);
    // Leading order ∝ η; the next order is O(η²)/O(η) = a few per cent at these steps.
    expect(coarse / fine).to.be.closeTo(2, 0.2);
  });
});

describe('PyTorch run ↔ flow time', () => {
  /** The PyTorch-style loss h·f·Σ_p‖y_p − ŷ_p‖², written independently of src/network/time.ts. */
  function torchLoss(reduction: 'sum' | 'mean' | 'elementwiseMean', halved: boolean, residuals: number[][]): number {
    const P = residuals.length;
    const nOut = residuals[0]!.length;
    const sq = residuals.flat().reduce((s, r) => s + r * r, 0);
    const f = reduction === 'sum' ? 1 : reduction === 'mean' ? 1 / P : 1 / (P * nOut);
    return (halved ? 0.5 : 1) * f * sq;
  }

  it('ρ = L_pt / L: the gradient of the PyTorch loss is ρ times the package gradient (finite differences)', () => {
    const random = createRandom(3);
    const rows = (r: number, c: number) => Array.from({ length: r }, () => Array.from({ length: c }, () => random.normal()));
    const X = rows(5, 3);
    const Y = rows(5, 2);
    for (const datasetReduction of ['mean', 'sum'] as const) {
      const task = datasetTask(fromRows(X), fromRows(Y), datasetReduction);
      const net = createNetwork(task, { depths: [2], width: 4 }, { kind: 'gaussian', sigma: 1, seed: 8 });
      const engine = createEngine(net, task);
      const grad = new Float64Array(engine.theta.length);
      engine.flowInto(grad);
      const lossAt = (reduction: 'sum' | 'mean' | 'elementwiseMean', halved: boolean) => {
        const [w1, w2] = net.pathways[0]!.layers;
        const residuals = X.map((x, p) => {
          const h = Array.from({ length: 4 }, (_, i) => x.reduce((s, xj, j) => s + w1!.data[i * 3 + j]! * xj, 0));
          return Y[p]!.map((y, o) => y - h.reduce((s, hi, i) => s + w2!.data[o * 4 + i]! * hi, 0));
        });
        return torchLoss(reduction, halved, residuals);
      };
      for (const reduction of ['sum', 'mean', 'elementwiseMean'] as const) {
        for (const halved of [false, true]) {
          const rho = torchLossRatio({ reduction, halved, samples: 5, outputDim: 2, datasetWeight: task.dataset.weight });
          for (const i of [0, 5, 13, 17]) {
            const keep = engine.theta[i]!;
            const h = 1e-6;
            engine.theta[i] = keep + h;
            const up = lossAt(reduction, halved);
            engine.theta[i] = keep - h;
            const down = lossAt(reduction, halved);
            engine.theta[i] = keep;
            // ∂L_pt/∂θ = ρ ∂L/∂θ = −ρ·(flow); central differences are accurate to ~1e-9 here.
            expect((up - down) / (2 * h)).to.be.closeTo(-rho * grad[i]!, 1e-6 * Math.max(1, Math.abs(rho * grad[i]!)));
          }
        }
      }
    }
  });

  it('Shi et al.: summed squared error without ½, lr 0.01, hierarchical data → Δt = 0.02 per epoch', () => {
    const task = hierarchicalTask();
    const run = { learningRate: 0.01, reduction: 'sum' as const, samples: 8, outputDim: 15, datasetWeight: task.dataset.weight };
    expect(torchStepToFlowTime(run)).to.be.closeTo(0.02, 1e-15);
    expect(torchRunToFlowTime({ ...run, epochs: 1000 })).to.be.closeTo(20, 1e-12);
    expect(flowTimeToTorchEpochs(20, run)).to.be.closeTo(1000, 1e-9);
    expect(torchToPackageLearningRate(run)).to.be.closeTo(0.02, 1e-15);
    // nn.MSELoss() default (mean over all 8·15 elements) makes each step 120 times shorter in flow time.
    expect(torchStepToFlowTime({ ...run, reduction: 'elementwiseMean' })).to.be.closeTo(0.02 / 120, 1e-15);
    // τ stretches flow time: Δt = ρ·lr·τ.
    expect(torchStepToFlowTime({ ...run, tau: 2 })).to.be.closeTo(0.04, 1e-15);
  });

  it('rejects a bad reduction, naming the field', () => {
    expect(() => torchLossRatio({ reduction: 'avg' as 'sum', samples: 1, outputDim: 1, datasetWeight: 1 })).to.throw('reduction: got "avg"');
  });
});
