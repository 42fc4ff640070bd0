/**
 * The exact λ-balanced two-layer solution (src/richlazy/twolayer.ts) against the package's full network
 * simulator (src/network), an independent implementation of the same gradient flow: a one-pathway depth-2
 * network of hidden width n, started from the same weights, on a task posed by its singular values in random
 * bases (issue 16: exact vs simulator).
 */
import { expect } from 'chai';
import { createEngine } from '../../src/network/engine.ts';
import type { Mat } from '../../src/network/matrix.ts';
import { createNetwork } from '../../src/network/network.ts';
import { singularValueTask } from '../../src/network/task.ts';
import { train } from '../../src/network/train.ts';
import { lambdaBalancedPair } from '../../src/richlazy/init.ts';
import { solveTwoLayer } from '../../src/richlazy/twolayer.ts';
import { createRandom } from '../../src/util/random.ts';

const rowsOf = (m: Mat): number[][] => Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
const matOf = (rows: number[][]): Mat => ({ rows: rows.length, cols: rows[0]!.length, data: Float64Array.from(rows.flat()) });

/** Ω = U K Vᵀ from a record's mode matrix K = UᵀΩV (n_in = n_out = K here, so U and V are square). */
function mapFromModes(k: Mat, u: Mat, v: Mat): number[][] {
  const n = u.rows;
  const out = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      for (let a = 0; a < k.rows; a++) for (let b = 0; b < k.cols; b++) out[i]![j]! += u.data[i * u.cols + a]! * k.data[a * k.cols + b]! * v.data[j * v.cols + b]!;
  return out;
}

describe('two-layer exact solution against the network simulator (issue 16)', () => {
  it('W₂W₁(t) of the exact λ-balanced solution equals the simulator’s gradient flow from the same weights to 1e-7', () => {
    let compared = 0;
    for (let seed = 0; seed < 12 && compared < 6; seed++) {
      const lambda = [0, 0.5, -0.8, 2][seed % 4]!;
      const task = singularValueTask([3, 1.5, 0.5], 'random', 100 + seed);
      const random = createRandom(seed);
      const product = Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => 0.2 * random.normal()));
      const { w1, w2 } = lambdaBalancedPair({ product, lambda, hidden: 3, seed: seed + 1 });
      const times = [0, 0.25, 0.5, 1, 2, 4, 8];
      let exact;
      try {
        exact = solveTwoLayer({ sigmaYX: rowsOf(task.sigmaYX), init: { W1: w1, W2: w2 }, times });
      } catch {
        continue; // a singular Q₊ (about half of random inits at λ = 0): refused by name, tested in twolayer.spec.ts
      }
      const net = createNetwork(task, { depths: [2], width: 3 }, { kind: 'weights', layers: [[matOf(w1), matOf(w2)]] });
      const run = train(createEngine(net, task), { method: 'flow', times, solver: { rtol: 1e-11, atol: 1e-13 } });
      expect(run.status, run.message).to.equal('ok');
      run.records.forEach((rec, i) => {
        const omega = mapFromModes(rec.modes[0]!, task.u, task.v);
        // Both to their tolerances (the simulator's dopri5 at rtol 1e-11, the exact form's round-off ~1e-13)
        // on entries of order S = 3 over t ≤ 8.
        omega.forEach((row, r) => row.forEach((x, c) => expect(x, `seed ${seed}, λ ${lambda}, t = ${times[i]}`).to.be.closeTo(exact.product[i]![r]![c]!, 1e-7)));
      });
      compared++;
    }
    expect(compared).to.be.at.least(4);
  });
});
