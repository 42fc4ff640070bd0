/**
 * The gated network and its race reduction against independent references: the multi-pathway solver
 * (solveReduced, per-layer form) for chains and parallel chains, the authors' own three-scalar routing map
 * (their notebook's Euler update, research/companions-sources.md §1.2), their figure's losses (decoded), and a
 * quadrature of the routing scalar ODE.
 */
import { expect } from 'chai';
import { solveReduced } from '../../src/reduced/solve.ts';
import { initialWeights, solveGated, type GatedResult } from '../../src/gated/solve.ts';
import { parseGatedProblem } from '../../src/gated/problem.ts';
import { authorsLossFactor, kPathGraph, routingProblem } from '../../src/gated/routing.ts';
import { orthogonal } from '../../src/gated/modes.ts';
import { createRandom } from '../../src/util/random.ts';
import { ValidationError } from '../../src/util/errors.ts';

/** One whitened context: X = √n I (so (1/P) X Xᵀ = I) and Y = √n U diag(S) Vᵀ (so Σ^{yx} = U S Vᵀ). */
function whitenedContext(n: number, S: readonly number[], seed: number): Record<string, unknown> {
  const random = createRandom(seed);
  const U = orthogonal(n, random);
  const V = orthogonal(n, random);
  const r = Math.sqrt(n);
  const X = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? r : 0)));
  const Y = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let a = 0; a < n; a++) s += U.data[i * n + a]! * (S[a] ?? 0) * V.data[j * n + a]!;
      return r * s;
    }),
  );
  return { weight: 1, inputs: { x: X }, targets: { y: Y } };
}

function topSingular(result: GatedResult, edge: string, k: number): number[] {
  return result.records.map((r) => r.edges[edge]!.singularValues[k]!);
}

describe('gated networks: the race reduction against independent references', () => {
  const S = [3, 2, 1];
  const n = 3;
  const b0 = 0.3;
  const times = [0, 0.25, 0.5, 1, 2, 4, 8];

  it('a chain graph equals solveReduced in the per-layer form to 1e-10 (reduced engine, gradient flow)', () => {
    const D = 3;
    const problem = {
      graph: kPathGraph(1, D, { input: n, hidden: n, output: n }),
      contexts: [whitenedContext(n, S, 7)],
      init: { decoupled: { scale: b0, seed: 3 } },
      train: { method: 'flow', times },
      engine: 'reduced',
    };
    const gated = solveGated(problem);
    expect(gated.status).to.equal('ok');
    // Shared modes hold to round-off for one context with whitened inputs.
    expect(gated.sharedModeResidual!).to.be.below(1e-12);
    const reference = solveReduced({
      singularValues: S,
      depths: [D],
      init: { layers: [Array.from({ length: D }, () => S.map(() => b0))] },
      times,
      solver: { method: 'dop853', rtol: 1e-13, atol: 1e-15 },
    }).toJSON();
    // Every layer of the chain starts equal and stays equal (balance), so K_α = (b^α)^D of any edge; modes with
    // larger S stay larger, so sorted singular values are the modes in order.
    gated.records.forEach((rec, t) => {
      for (let a = 0; a < S.length; a++) {
        const K = rec.edges['p0_0']!.singularValues[a]! * rec.edges['p0_1']!.singularValues[a]! * rec.edges['p0_2']!.singularValues[a]!;
        // 1e-10: both solvers run at rtol ≤ 1e-12 on O(1) strengths.
        expect(Math.abs(K - reference.strengths[t]![0]![a]!)).to.be.below(1e-10);
      }
    });
  });

  it('two parallel chains of depths 2 and 3 equal the multi-pathway model (shared residual) to 1e-10', () => {
    const depths = [2, 3];
    const problem = {
      graph: kPathGraph(2, depths, { input: n, hidden: n, output: n }),
      contexts: [whitenedContext(n, S, 11)],
      init: { decoupled: { scale: b0, seed: 5 } },
      train: { method: 'flow', times },
      engine: 'reduced',
    };
    const gated = solveGated(problem);
    const reference = solveReduced({
      singularValues: S,
      depths,
      init: { layers: depths.map((D) => Array.from({ length: D }, () => S.map(() => b0))) },
      times,
      solver: { method: 'dop853', rtol: 1e-13, atol: 1e-15 },
    }).toJSON();
    gated.records.forEach((rec, t) => {
      depths.forEach((D, p) => {
        for (let a = 0; a < S.length; a++) {
          let K = 1;
          for (let l = 0; l < D; l++) K *= rec.edges[`p${p}_${l}`]!.singularValues[a]!;
          expect(Math.abs(K - reference.strengths[t]![p]![a]!)).to.be.below(1e-10);
        }
      });
    });
  });

  it('the full network under gradient flow agrees with the race from the decoupled start (to 1e-9)', () => {
    const base = {
      graph: kPathGraph(2, [2, 3], { input: n, hidden: n, output: n }),
      contexts: [whitenedContext(n, S, 11)],
      init: { decoupled: { scale: b0, seed: 5 } },
      train: { method: 'flow', times: [0, 0.5, 1, 2, 4] },
    };
    const net = solveGated({ ...base, engine: 'network' });
    const red = solveGated({ ...base, engine: 'reduced' });
    expect(net.status).to.equal('ok');
    net.records.forEach((r, i) => {
      // 1e-9: the network's flow at rtol 1e-11 over ~30 weights; the race at 1e-12.
      expect(Math.abs(r.loss - red.records[i]!.loss)).to.be.below(1e-9);
      for (const id of Object.keys(r.edges)) {
        r.edges[id]!.singularValues.forEach((v, k) => expect(Math.abs(v - red.records[i]!.edges[id]!.singularValues[k]!)).to.be.below(1e-9));
      }
    });
  });

  describe('the routing task (M = 7 domains, K = 4 trained outputs per input, hidden 64)', () => {
    const steps = 500;
    const train = { method: 'gd', learningRate: 8 * 0.02, steps, recordEvery: 25 };
    let network: GatedResult;
    let reduced: GatedResult;
    before(function () {
      this.timeout(120000);
      network = solveGated(routingProblem({ train, engine: 'network' }));
      reduced = solveGated(routingProblem({ train, engine: 'reduced' }));
    });

    it('full network from the decoupled start b0 = 0.08 and the reduced map agree to 1e-9 over 500 epochs', () => {
      expect(network.status).to.equal('ok');
      expect(reduced.status).to.equal('ok');
      expect(network.records.map((r) => r.step)).to.deep.equal(reduced.records.map((r) => r.step));
      network.records.forEach((r, i) => {
        const q = reduced.records[i]!;
        // 1e-9 relative to the starting loss: both are the same GD map, the network's in 9,000 weights.
        expect(Math.abs(r.loss - q.loss)).to.be.below(1e-9 * network.records[0]!.loss);
        for (const id of ['enc0', 'shared', 'dec3']) {
          r.edges[id]!.singularValues.forEach((v, k) => expect(Math.abs(v - q.edges[id]!.singularValues[k]!)).to.be.below(1e-9));
        }
      });
    });

    it("equals the authors' three-scalar Euler map per mode (their loss and rate converted), step for step", () => {
      // The notebook's update (research §1.2), one Euler step per epoch with dt = lr·3.5, lr = 0.02:
      // b1 += (K/M²) b3 b2 e dt, b2 += (K/M) b3 b1 e dt, b3 += (K/M²) b2 b1 e dt, e = s − b1 b2 b3;
      // their loss is (K·M)/(n_out·P) Σ_a e² = Σ_a e² here.
      const s = [Math.sqrt(185), Math.sqrt(41), 3, 3];
      const M = 7;
      const K = 4;
      const dt = 0.02 * 3.5;
      const b = s.map(() => [0.08, 0.08, 0.08]);
      const theirs: number[] = [];
      for (let step = 0; step <= steps; step++) {
        if (step % 25 === 0) theirs.push(b.reduce((acc, [b1, b2, b3], a) => acc + (s[a]! - b1! * b2! * b3!) ** 2, 0));
        for (const m of b) {
          const [b1, b2, b3] = m as [number, number, number];
          const e = s[b.indexOf(m)]! - b1 * b2 * b3;
          m[0] = b1 + (K / M ** 2) * b3 * b2 * e * dt;
          m[1] = b2 + (K / M) * b3 * b1 * e * dt;
          m[2] = b3 + (K / M ** 2) * b2 * b1 * e * dt;
        }
      }
      const factor = authorsLossFactor(28, 7);
      expect(factor).to.equal(8);
      reduced.records.forEach((r, i) => {
        // Round-off of 500 steps on losses of order 100.
        expect(Math.abs(factor * r.loss - theirs[i]!)).to.be.below(1e-9 * 244);
      });
    });

    it("matches the authors' figure (decoded): loss 58.80 / 17.86 / 16.04 at epochs 100 / 200 / 300", () => {
      const at = (step: number): number => 8 * network.records.find((r) => r.step === step)!.loss;
      // Read off a plotted curve: 0.5 % covers the line width of the decoded PDF (our map: 58.85 / 17.906 / 16.07).
      expect(at(100)).to.be.closeTo(58.8, 0.005 * 58.8);
      expect(at(200)).to.be.closeTo(17.86, 0.005 * 17.86);
      expect(at(300)).to.be.closeTo(16.04, 0.005 * 16.04);
      expect(8 * network.records[0]!.loss).to.be.closeTo(243.97, 0.01);
    });

    it('every mode ends at its fixed point b_in b_h b_out = s; modes the inputs cannot reach keep b0', () => {
      const final = reduced.records[reduced.records.length - 1]!.edges;
      [Math.sqrt(185), Math.sqrt(41), 3, 3].forEach((s, a) => {
        const product = final['enc0']!.singularValues[a]! * final['shared']!.singularValues[a]! * final['dec0']!.singularValues[a]!;
        // Converged geometrically by epoch 500 (the slowest mode's contraction per epoch is < 0.9).
        expect(product).to.be.closeTo(s, 1e-9 * s);
      });
      expect(final['shared']!.singularValues[10]).to.equal(0.08);
    });
  });

  describe('routing under gradient flow: t_half, the 1/K scaling and the conserved quantity', () => {
    const M = 7;
    const b0 = 0.08;
    const c0 = (M - 1) * b0 * b0;
    const s = Math.sqrt(185);
    /** t_half by quadrature of τ db_h/dt = (K/M²)(b_h² + c0)(s − b_h(b_h² + c0)/M), composite Gauss–Legendre. */
    function tHalf(K: number): { t: number; bh: number } {
      const g = (x: number): number => x * (x * x + c0) / M - s / 2;
      let lo = b0;
      let hi = 20;
      for (let i = 0; i < 200; i++) {
        const mid = (lo + hi) / 2;
        if (g(mid) > 0) hi = mid;
        else lo = mid;
      }
      const bh = (lo + hi) / 2;
      const f = (x: number): number => 1 / ((x * x + c0) * (s - (x * (x * x + c0)) / M));
      const nodes = [-0.906179845938664, -0.5384693101056831, 0, 0.5384693101056831, 0.906179845938664];
      const weights = [0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665, 0.2369268850561891];
      const panels = 4000;
      let sum = 0;
      for (let k = 0; k < panels; k++) {
        const a = b0 + ((bh - b0) * k) / panels;
        const c = b0 + ((bh - b0) * (k + 1)) / panels;
        for (let q = 0; q < 5; q++) sum += ((c - a) / 2) * weights[q]! * f((a + c) / 2 + ((c - a) / 2) * nodes[q]!);
      }
      return { t: ((M * M) / K) * sum, bh };
    }

    it('mode 1 is half learned at t_half = 5.2702 τ, and at exactly twice that with K = 2', () => {
      const four = tHalf(4);
      expect(four.t).to.be.closeTo(5.2702, 5e-5);
      for (const [offsets, K] of [[[-1, 0, 1, 2], 4], [[0, 1], 2]] as const) {
        const t = tHalf(K).t;
        expect(t).to.be.closeTo((four.t * 4) / K, 1e-9 * t);
        // Every pair drawn with probability 1/M², untrained pairs unscored; whitened items (scale 2).
        const res = solveGated(
          routingProblem({ weighting: 'all pairs', scale: 2, offsets, hidden: 8, engine: 'reduced', init: { decoupled: { scale: b0, seed: 2 } }, train: { method: 'flow', times: [0, t] } }),
        );
        expect(res.status).to.equal('ok');
        const bh = res.records[1]!.edges['shared']!.singularValues[0]!;
        // Quadrature to ~1e-12 and the race at rtol 1e-12: the half-learned point to 1e-8.
        expect(bh * (bh * bh + c0) / M).to.be.closeTo(s / 2, 1e-8 * s);
      }
    });

    it('flows to the closed-form fixed point b_h(b_h² + c0) = M s of every mode', () => {
      const res = solveGated(
        routingProblem({ weighting: 'all pairs', scale: 2, hidden: 8, engine: 'reduced', init: { decoupled: { scale: b0, seed: 2 } }, train: { method: 'flow', times: [0, 2000] } }),
      );
      const sv = res.records[1]!.edges['shared']!.singularValues;
      [s, Math.sqrt(41), 3, 3].forEach((sa, a) => expect(sv[a]! * (sv[a]! ** 2 + c0)).to.be.closeTo(M * sa, 1e-8 * M * sa));
    });

    it('conserves M b_in² − b_h² = (M − 1) b0² per mode, in the network and the race', () => {
      const times = [0, 1, 2, 4, 6, 10];
      for (const engine of ['reduced', 'network'] as const) {
        const res = solveGated(
          routingProblem({ weighting: 'all pairs', scale: 2, hidden: 8, engine, init: { decoupled: { scale: b0, seed: 2 } }, train: { method: 'flow', times } }),
        );
        expect(res.status).to.equal('ok');
        const bin = topSingular(res, 'enc0', 0);
        const bh = topSingular(res, 'shared', 0);
        bin.forEach((x, i) => expect(M * x * x - bh[i]! ** 2).to.be.closeTo(c0, 1e-8));
      }
    });
  });

  describe('refusals of the reduced engine', () => {
    it('names the path and the residual when the statistics share no modes', () => {
      const problem = routingProblem({ engine: 'reduced', hidden: 8, train: { method: 'gd', learningRate: 0.1, steps: 1, recordEvery: 1 } });
      // A second target matrix for one output breaks the shared modes of that output's paths.
      const contexts = problem['contexts'] as Record<string, unknown>[];
      contexts[0] = { ...contexts[0], targets: { y6: [[1, 0, 0, 0], [0, 2, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 5]] } };
      try {
        solveGated(problem);
        expect.fail('expected a ValidationError');
      } catch (err) {
        expect(err).to.be.instanceOf(ValidationError);
        expect((err as ValidationError).field).to.equal('contexts');
        expect((err as ValidationError).value as number).to.be.above(1e-3);
        expect((err as Error).message).to.match(/largest off-diagonal entry is Σyx of path enc\d→shared→dec\d entry/);
      }
    });

    it('refuses a random orthogonal start (not decoupled), naming init and the edge', () => {
      const problem = routingProblem({ engine: 'reduced', hidden: 8, init: { orthogonal: { gain: 0.5, seed: 1 } }, train: { method: 'gd', learningRate: 0.1, steps: 1, recordEvery: 1 } });
      expect(() => solveGated(problem)).to.throw(ValidationError, /^init: got 0\.\d+; allowed: .*condition A2.* init weight of edge/);
    });

    it('accepts explicit weights of the decoupled form (hidden bases recovered by transport) and reproduces the decoupled run', () => {
      const train = { method: 'gd', learningRate: 0.16, steps: 60, recordEvery: 20 };
      const decoupled = routingProblem({ engine: 'reduced', hidden: 8, train });
      const start = initialWeights(parseGatedProblem(decoupled));
      const ids = ((decoupled['graph'] as { edges: { id: string }[] }).edges).map((e) => e.id);
      const weights = Object.fromEntries(ids.map((id, i) => {
        const m = start[i]!;
        return [id, Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)))];
      }));
      const a = solveGated(decoupled);
      const b = solveGated(routingProblem({ engine: 'reduced', hidden: 8, train, init: { weights } }));
      expect(b.status).to.equal('ok');
      a.records.forEach((r, i) => {
        // Round-off of rebuilding W from bases and reading the b back.
        expect(Math.abs(r.loss - b.records[i]!.loss)).to.be.below(1e-12 * a.records[0]!.loss);
        expect(b.records[i]!.edges['shared']!.singularValues[0]).to.be.closeTo(r.edges['shared']!.singularValues[0]!, 1e-12);
      });
    });
  });
});
