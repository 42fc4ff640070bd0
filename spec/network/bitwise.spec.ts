/**
 * The default rule is the engines of before the rule seam, bit for bit (issue 12): SHA-256 prefixes of the
 * raw bits of the flow vector at t = 0, of θ after 40 gradient-descent steps, and of train()'s records (times,
 * losses, full K_a) for gradient descent and gradient flow, as the engines of commit 33ee117 (where the
 * backward pass was built into each engine) produced them on Node 20. Linear pathways on the WebAssembly and
 * the JavaScript kernels, whitened, non-whitened and hierarchical tasks, four init kinds, ReLU and tanh.
 * (IEEE arithmetic is deterministic here: no fused multiply-adds in the kernels, V8's fdlibm Math.tanh.) A
 * change of any of these hashes means the default path no longer computes what it did: intended changes must
 * say so and update them.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { createEngine } from '../../src/network/engine.ts';
import { fromRows } from '../../src/network/matrix.ts';
import { createNetwork, type NetworkInit, type Nonlinearity } from '../../src/network/network.ts';
import { datasetTask, hierarchicalTask, singularValueTask, type Task } from '../../src/network/task.ts';
import { train, type TrainResult } from '../../src/network/train.ts';
import { createRandom } from '../../src/util/random.ts';

const hash = (x: Float64Array): string => createHash('sha256').update(Buffer.from(x.buffer, x.byteOffset, x.byteLength)).digest('hex').slice(0, 16);
const records = (r: TrainResult): string => hash(Float64Array.from(r.records.flatMap((x) => [x.time, x.loss, ...x.modes.flatMap((m) => Array.from(m.data))])));

const random = createRandom(5);
const rows = (r: number, c: number): number[][] => Array.from({ length: r }, () => Array.from({ length: c }, () => random.normal()));
const TASKS: Record<string, Task> = {
  svdRandom: singularValueTask([3, 2, 1, 0.5], 'random', 4),
  hier: hierarchicalTask(),
  dataMean: datasetTask(fromRows(rows(9, 4)), fromRows(rows(9, 3)), 'mean'),
};
const DEPTHS = [1, 3, 2];
const INITS: Record<string, NetworkInit> = {
  gaussian: { kind: 'gaussian', sigma: 0.9, seed: 3 },
  orthogonal: { kind: 'orthogonal', sigma: 0.8, seed: 4 },
  lowRank: { kind: 'lowRank', sigma: 0.9, rank: 2, seed: 5 },
  aligned: { kind: 'aligned', seed: 6, layers: DEPTHS.map((D) => Array.from({ length: D }, (_, d) => Array.from({ length: 4 }, (_, m) => 0.3 + 0.1 * m + 0.05 * d))) },
};

/** [task, init, nonlinearity, kernels] → [flow at t = 0, θ after 40 steps, GD records, flow records (null: not run)] */
const EXPECTED: [string, string, Nonlinearity, 'auto' | 'js', string, string, string, string | null][] = [
  ['svdRandom', 'gaussian', 'linear', 'auto', 'bc07807e96b593a4', '8f62cc2beb13bd85', '776f83a094d752ac', '31e54755485e8814'],
  ['svdRandom', 'gaussian', 'linear', 'js', 'b7bf3b35f06dda44', '58711046e766f26c', 'f9d32094df0a935e', 'f684b81c3b7c08ac'],
  // ReLU's flow runs into its step budget (a pre-activation held at the kink): its vectors and GD only.
  ['svdRandom', 'gaussian', 'relu', 'auto', '969efcbb80bbbed0', 'bb7f72afa2972ece', 'fbdb290ea5d5d6eb', null],
  ['svdRandom', 'gaussian', 'tanh', 'auto', '2ad0c22a1ce667be', 'a674fedd6c1f6ebd', '43a9dd080d7a2fd4', '70cfe46012e88875'],
  ['svdRandom', 'aligned', 'linear', 'auto', '203667d971d3f652', '46d1da87051b33cb', '8cf419ed7f0d6a47', '31cc188a2364f681'],
  ['hier', 'orthogonal', 'tanh', 'auto', '8eb8f8cf7149cc08', 'e80ab6f5bfe79ded', 'e51b9bbcefc06dd3', 'a1197d22eea82e2f'],
  ['hier', 'lowRank', 'linear', 'js', '79dfcbe079ce2e8c', 'bcd2c8779aa2fd20', '695708e1ed305e5f', 'f2633db4594dbb62'],
  ['dataMean', 'orthogonal', 'linear', 'auto', '4bd8917630e709cf', 'cb8da120cae3558b', '8c36a0b881754a26', 'fd8f661253d4106d'],
];

describe('default rule: bit for bit the engines before the rule seam', () => {
  for (const [taskName, initName, nonlinearity, kernels, flow0, gd40, trainGd, trainFlow] of EXPECTED) {
    it(`${taskName}, ${initName}, ${nonlinearity}, kernels ${kernels}`, () => {
      const task = TASKS[taskName]!;
      const width = taskName === 'hier' ? 12 : 9;
      const make = () => createEngine(createNetwork(task, { depths: DEPTHS, width, nonlinearity }, INITS[initName]!), task, { kernels });
      const e = make();
      const f = new Float64Array(e.theta.length);
      e.refresh();
      e.flowInto(f);
      expect(hash(f), 'flow vector at t = 0').to.equal(flow0);
      for (let s = 0; s < 40; s++) e.step(0.01);
      expect(hash(e.theta), 'θ after 40 steps').to.equal(gd40);
      expect(records(train(make(), { method: 'gd', learningRate: 0.02, steps: 25, recordEvery: 10 })), 'GD records').to.equal(trainGd);
      if (trainFlow !== null) {
        const run = train(make(), { method: 'flow', times: [0, 0.3, 0.7], solver: { maxSteps: 1500 } });
        expect(records(run), 'flow records').to.equal(trainFlow);
      }
    });
  }
});
