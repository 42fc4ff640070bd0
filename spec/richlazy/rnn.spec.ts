/**
 * Recurrent networks (issue 16, item 5): the BPTT gradient and the recurrent tangent kernel against central
 * finite differences of an independent forward pass written here with nested arrays, the task's conventions,
 * training that lowers the loss, the initial connectivity shared across ranks, spec validation naming the field,
 * and a smoke test of the rank effect on the kernel alignment.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { ValidationError } from '../../src/util/errors.ts';
import { createRandom } from '../../src/util/random.ts';
import { truncatedLowRank } from '../../src/richlazy/init.ts';
import { gram, recurrentJacobian, recurrentTangentKernel } from '../../src/richlazy/rnn/jacobian.ts';
import { batchLoss, lossAndGradient, RnnWorkspace, rnnWeights, zeroGradient, type RnnWeights } from '../../src/richlazy/rnn/network.ts';
import { drawDecisionBatch, parseDecisionTask, type DecisionBatch } from '../../src/richlazy/rnn/task.ts';
import { initialWeights, parseRnnSpec, trainRnn } from '../../src/richlazy/rnn/train.ts';

/** The RNN written out plainly (nested arrays, no shared code): outputs y[t][b][k] and every pre-activation. */
function reference(w: RnnWeights, batch: DecisionBatch): { y: number[][][]; pre: number[] } {
  const { n, alpha } = w;
  const at = (m: Float64Array, cols: number, i: number, j: number): number => m[i * cols + j]!;
  const y: number[][][] = [];
  const pre: number[] = [];
  let h: number[][] = Array.from({ length: batch.batch }, () => new Array<number>(n).fill(0));
  for (let t = 0; t < batch.steps; t++) {
    const next = h.map((hb, b) =>
      Array.from({ length: n }, (_, i) => {
        let drive = 0;
        for (let c = 0; c < 3; c++) drive += at(w.wIn, 3, i, c) * batch.inputs[(t * batch.batch + b) * 3 + c]!;
        for (let j = 0; j < n; j++) drive += at(w.wRec, n, i, j) * hb[j]!;
        const u = (1 - alpha) * hb[i]! + alpha * drive;
        pre.push(u);
        return Math.max(0, u);
      }),
    );
    y.push(next.map((hb) => [0, 1, 2].map((k) => hb.reduce((s, v, i) => s + at(w.wOut, n, k, i) * v, 0))));
    h = next;
  }
  return { y, pre };
}

/** Mean cross-entropy of the reference outputs over the steps from `from` on. */
function referenceLoss(w: RnnWeights, batch: DecisionBatch, from: number): number {
  const { y } = reference(w, batch);
  let total = 0;
  let count = 0;
  for (let t = from; t < batch.steps; t++) {
    for (let b = 0; b < batch.batch; b++) {
      const z = y[t]![b]!;
      const top = Math.max(...z);
      total += top + Math.log(z.reduce((s, v) => s + Math.exp(v - top), 0)) - z[batch.targets[t * batch.batch + b]!]!;
      count++;
    }
  }
  return total / count;
}

/** A small random RNN whose pre-activations all keep |u| ≥ margin (so a 1e-6 step crosses no ReLU kink). */
function tinyNetwork(n: number, alpha: number, seed: number, margin: number): { w: RnnWeights; batch: DecisionBatch } {
  const task = parseDecisionTask({ fixation: 1, stimulus: 3, decision: 2 });
  for (let s = seed; ; s++) {
    const r = createRandom(s);
    const draw = (len: number, std: number): Float64Array => Float64Array.from({ length: len }, () => std * r.normal());
    const w = rnnWeights(n, alpha, draw(3 * n, 0.6), draw(n * n, 1.25 / Math.sqrt(n)), draw(3 * n, 0.5));
    const batch = drawDecisionBatch(task, 3, r);
    if (reference(w, batch).pre.every((u) => Math.abs(u) >= margin)) return { w, batch };
  }
}

const maxAbs = (v: ArrayLike<number>): number => Array.from(v).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe('recurrent networks (rich/lazy, Liu et al.)', () => {
  it('the forward pass equals the plain reference and the BPTT gradient equals central differences (≤ 1e-6 relative)', () => {
    for (const [alpha, lossFrom] of [[1, 0], [0.6, 0], [1, 4], [0.35, 4]] as const) {
      const { w, batch } = tinyNetwork(5, alpha, 10, 1e-3);
      const grad = zeroGradient(w);
      const ws = new RnnWorkspace(5, batch.steps, batch.batch);
      const { loss } = lossAndGradient(w, batch, lossFrom, 4, ws, grad);
      // The same sums in another order: agreement to round-off.
      expect(loss).to.be.closeTo(referenceLoss(w, batch, lossFrom), 1e-13);
      for (const key of ['wIn', 'wRec', 'wOut'] as const) {
        const fd = Array.from(w[key], (_, q) => {
          // Central differences, ε = 1e-6: truncation O(ε²·L''') ~ 1e-12 and round-off ~ 1e-16·L/ε ~ 1e-10, both far
          // below the 1e-6 asked; |u| ≥ 1e-3 keeps every unit on its side of the ReLU kink across ±ε.
          const eps = 1e-6;
          const old = w[key][q]!;
          w[key][q] = old + eps;
          const up = referenceLoss(w, batch, lossFrom);
          w[key][q] = old - eps;
          const down = referenceLoss(w, batch, lossFrom);
          w[key][q] = old;
          return (up - down) / (2 * eps);
        });
        const err = maxAbs(fd.map((x, q) => x - grad[key][q]!));
        expect(err, `${key}, α = ${alpha}, loss from step ${lossFrom}`).to.be.at.most(1e-6 * maxAbs(fd));
        expect(maxAbs(fd)).to.be.above(1e-4); // a gradient that is not trivially zero
      }
    }
  });

  it('J Jᵀ from the per-output backward passes equals the kernel of a finite-difference Jacobian (≤ 1e-7 relative)', () => {
    for (const alpha of [1, 0.5]) {
      const { w, batch } = tinyNetwork(4, alpha, 40, 1e-3);
      const n = w.n;
      const rows = batch.steps * batch.batch * 3;
      const fd = new Float64Array(rows * n * n);
      for (let q = 0; q < n * n; q++) {
        // Outputs are polynomials of W_rec on a fixed activation pattern: central differences are exact up to
        // O(ε²) of the cubic and higher terms (~1e-12) plus round-off ~ 1e-16/ε ~ 1e-10 relative.
        const eps = 1e-6;
        const old = w.wRec[q]!;
        w.wRec[q] = old + eps;
        const up = reference(w, batch).y;
        w.wRec[q] = old - eps;
        const down = reference(w, batch).y;
        w.wRec[q] = old;
        for (let t = 0; t < batch.steps; t++) {
          for (let b = 0; b < batch.batch; b++) {
            for (let k = 0; k < 3; k++) fd[((t * batch.batch + b) * 3 + k) * n * n + q] = (up[t]![b]![k]! - down[t]![b]![k]!) / (2 * eps);
          }
        }
      }
      const J = recurrentJacobian(w, batch);
      expect(maxAbs(J.map((x, i) => x - fd[i]!)), 'J entrywise, authors’ row order (t, b, k)').to.be.at.most(1e-7 * maxAbs(fd));
      const K = recurrentTangentKernel(w, batch);
      expect(K.size).to.equal(rows);
      const Kfd = gram(fd, rows, n * n);
      // gram itself against a plain double loop on a few entries (it is shared by both sides above).
      for (const [a, c] of [[0, 0], [5, rows - 1], [rows - 1, 7]] as const) {
        let s = 0;
        for (let q = 0; q < n * n; q++) s += fd[a * n * n + q]! * fd[c * n * n + q]!;
        expect(Kfd[a * rows + c]!).to.be.closeTo(s, 1e-12 * Math.max(1, Math.abs(s)));
      }
      expect(maxAbs(K.kernel.map((x, i) => x - Kfd[i]!))).to.be.at.most(1e-7 * maxAbs(Kfd));
      expect(maxAbs(Kfd)).to.be.above(1e-3);
    }
  });

  it('the task follows neurogym’s conventions and is fixed by its seed', () => {
    const task = parseDecisionTask({ fixation: 2, stimulus: 5, decision: 2, coherences: [51.2], noise: 0.1 });
    const a = drawDecisionBatch(task, 400, createRandom(7));
    const b = drawDecisionBatch(task, 400, createRandom(7));
    expect(Array.from(a.inputs)).to.deep.equal(Array.from(b.inputs));
    const B = a.batch;
    let agree = 0;
    for (let i = 0; i < B; i++) {
      const choice = a.choices[i]!;
      expect([1, 2]).to.include(choice);
      let diff = 0;
      for (let t = 0; t < a.steps; t++) {
        const o = (t * B + i) * 3;
        expect(a.inputs[o], `fixation input at t = ${t}`).to.equal(t < 7 ? 1 : 0);
        expect(a.targets[t * B + i], `target at t = ${t}`).to.equal(t >= 7 ? choice : 0);
        if (t < 2 || t >= 7) expect([a.inputs[o + 1], a.inputs[o + 2]]).to.deep.equal([0, 0]);
        else diff += a.inputs[o + 1]! - a.inputs[o + 2]!;
      }
      // Mean difference 2·0.256 per step, noise √2·0.1: five steps carry the sign almost surely (z ≈ 8).
      if (Math.sign(diff) === (choice === 1 ? 1 : -1)) agree++;
      expect(diff / 5).to.be.closeTo(choice === 1 ? 0.512 : -0.512, 0.3);
    }
    expect(agree).to.equal(B);
    const ones = Array.from(a.choices).filter((c) => c === 1).length;
    expect(ones).to.be.within(160, 240); // Binomial(400, ½): ±4 standard deviations
  });

  it('W_rec(0): the full-rank init is truncatedLowRank’s draw and a rank-r init keeps its Frobenius norm', () => {
    const n = 12;
    const full = initialWeights(parseRnnSpec({ hidden: n, train: { iterations: 1 }, seed: 42 }));
    const viaSvd = truncatedLowRank({ rows: n, cols: n, rank: n, gain: 1.25, seed: 42 }).flat();
    // The SVD reconstruction and its rescaling round off at ~1e-15 of the entries.
    expect(maxAbs(full.wRec.map((x, q) => x - viaSvd[q]!))).to.be.below(1e-12);
    const low = initialWeights(parseRnnSpec({ hidden: n, rank: 2, train: { iterations: 1 }, seed: 42 }));
    const fro = (v: Float64Array): number => Math.hypot(...v);
    expect(fro(low.wRec)).to.be.closeTo(fro(full.wRec), 1e-12 * fro(full.wRec));
    const s = new SingularValueDecomposition(new Matrix(Array.from({ length: n }, (_, i) => Array.from(low.wRec.subarray(i * n, (i + 1) * n))))).diagonal.sort((x, y) => y - x);
    expect(s[2]!).to.be.below(1e-12 * s[0]!);
    // W_in and W_out do not depend on the rank (paired comparisons across ranks).
    expect(Array.from(low.wIn)).to.deep.equal(Array.from(full.wIn));
    expect(Array.from(low.wOut)).to.deep.equal(Array.from(full.wOut));
  });

  it('training lowers the loss and raises the accuracy (n = 32, 300 iterations, seeded)', function () {
    this.timeout(20000);
    const r = trainRnn({ hidden: 32, train: { iterations: 300, learningRate: 0.01, recordEvery: 10 }, probe: { trials: 64, kernel: false }, seed: 1 });
    expect(r.status).to.equal('ok');
    expect(r.losses).to.have.length(30);
    const first = r.losses[0]!;
    const last = r.losses.slice(-5).reduce((s, x) => s + x, 0) / 5;
    // Chance is ln 3 ≈ 1.1 per step; the fixate steps are learned first, then the choice.
    expect(last).to.be.below(0.3 * first);
    expect(r.probeLoss.end!).to.be.below(0.3 * r.probeLoss.start);
    expect(r.accuracy.end!).to.be.above(0.7);
    expect(r.measures!.weightChange).to.be.above(0);
    expect(r.measures!.kernelAlignment).to.equal(null);
    expect(r.timing.secondsPerIteration).to.be.above(0);
    // Same seed, same run.
    const again = trainRnn({ hidden: 32, train: { iterations: 300, learningRate: 0.01, recordEvery: 10 }, probe: { trials: 64, kernel: false }, seed: 1 });
    expect(again.losses).to.deep.equal(r.losses);
  });

  it('a diverging run reports failed, with no non-finite measure', () => {
    const r = trainRnn({ hidden: 8, gain: 3, train: { iterations: 200, learningRate: 1e5 }, probe: { kernel: false }, seed: 2 });
    expect(r.status).to.equal('failed');
    expect(r.message).to.match(/diverged/);
    expect(r.measures).to.equal(null);
    expect(r.losses.every(Number.isFinite)).to.equal(true);
  });

  it('refuses bad specs naming the field (fast-check, seeded)', () => {
    const base = (): Record<string, unknown> => ({
      hidden: 6,
      rank: 2,
      task: { fixation: 1, stimulus: 2, decision: 1, coherences: [0, 51.2], noise: 0.1, lossOn: 'all' },
      train: { iterations: 3, learningRate: 0.01, momentum: 0.9, batch: 4, recordEvery: 1 },
      probe: { trials: 2, kernel: false },
      seed: 1,
    });
    const bad: readonly [string, readonly unknown[]][] = [
      ['hidden', [0, 2049, 1.5, '6', null, Number.NaN]],
      ['rank', [0, 7, 1.5]],
      ['gain', [0, -1, Number.POSITIVE_INFINITY]],
      ['alpha', [0, 1.5, -0.2]],
      ['seed', [0.5, '1', 2 ** 60]],
      ['task.stimulus', [0, -1, 1001]],
      ['task.decision', [0, 2.5]],
      ['task.fixation', [-1]],
      ['task.coherences', [[], 'x']],
      ['task.coherences[1]', [[0, 101], [0, -3], [0, Number.NaN]]],
      ['task.noise', [-0.1]],
      ['task.lossOn', ['last', 1]],
      ['train.iterations', [-1, 1.5]],
      ['train.learningRate', [0, -1]],
      ['train.momentum', [1, -0.1]],
      ['train.batch', [0, 0.5]],
      ['train.recordEvery', [0]],
      ['probe.trials', [0]],
      ['probe.kernel', ['yes', 1]],
    ];
    const set = (o: Record<string, unknown>, path: string, v: unknown): void => {
      const parts = path.split('.');
      let at = o;
      for (const p of parts.slice(0, -1)) at = at[p] as Record<string, unknown>;
      const last = parts.at(-1)!;
      const m = /^(\w+)\[(\d+)\]$/.exec(last);
      if (m) at[m[1]!] = v; // the whole array replaced: the bad element sits at the index named
      else at[last] = v;
    };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bad.length - 1 }), fc.nat(), (which, pick) => {
        const [path, values] = bad[which]!;
        const spec = base();
        set(spec, path, values[pick % values.length]);
        let caught: unknown;
        try {
          trainRnn(spec);
        } catch (err) {
          caught = err;
        }
        expect(caught, path).to.be.instanceOf(ValidationError);
        expect((caught as ValidationError).field).to.equal(`spec.${path}`);
      }),
      { seed: 1651, numRuns: 150 },
    );
    // Unknown and missing fields, and work past the limits (named at the spec, with the estimate).
    expect(() => trainRnn({ ...base(), hiden: 5 })).to.throw(ValidationError, /spec\.hiden/);
    expect(() => trainRnn({ ...base(), train: { learningRate: 0.1 } })).to.throw(ValidationError, /spec\.train\.iterations/);
    expect(() => trainRnn({ ...base(), hidden: 2048, rank: 1, train: { iterations: 1e6 } })).to.throw(ValidationError, /^spec: got "an estimated .* s of work/);
    expect(() => trainRnn({ ...base(), hidden: 400, probe: { trials: 200 } })).to.throw(ValidationError, /GiB/);
    expect(() => trainRnn(base(), { limits: { seconds: 0 } })).to.throw(ValidationError, /options\.limits\.seconds/);
    expect(() => trainRnn(base(), { limits: { seconds: 1e-9 } })).to.throw(ValidationError, /raise the limit/);
    expect(trainRnn(base()).status).to.equal('ok');
  });

  it('smoke: at matched norm the kernel of a full-rank W_rec(0) moves less than of rank 1 (n = 50, 3 seeds)', function () {
    // Reliable at this size for the kernel alignment (6 of 6 seeds at 300 and at 1000 iterations when this was
    // written); the weight change's direction is not (3 of 6), so it is left to bench/rnn/run.ts (n = 100).
    this.timeout(60000);
    for (const seed of [0, 1, 2]) {
      const ka = [1, 50].map((rank) => {
        const r = trainRnn({ hidden: 50, rank, train: { iterations: 300, learningRate: 0.01 }, probe: { trials: 8 }, seed });
        expect(r.status).to.equal('ok');
        return r.measures!.kernelAlignment!;
      });
      expect(ka[1]!, `seed ${seed}: KA rank 50 vs rank 1`).to.be.above(ka[0]!);
    }
  });
});
