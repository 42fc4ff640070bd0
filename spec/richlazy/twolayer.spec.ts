/**
 * The two-layer contract (issue 16, item 3): the closed-form QQᵀ solution against the gradient flow through
 * the package's integrators (a separate code path: the ODE on the weights), against the aligned mode's closed
 * form where the init is decoupled, and its refusals.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Matrix, QrDecomposition } from 'ml-matrix';
import { ValidationError } from '../../src/util/errors.ts';
import { createRandom } from '../../src/util/random.ts';
import { alignedModeSolution } from '../../src/richlazy/aligned.ts';
import { lambdaBalancedPair } from '../../src/richlazy/init.ts';
import { solveTwoLayer } from '../../src/richlazy/twolayer.ts';

const TIMES = [0, 0.05, 0.3, 1, 2.5, 6];

function gaussian(rows: number, cols: number, r: ReturnType<typeof createRandom>, scale = 1): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * r.normal()));
}

function orthogonal(n: number, seed: number): Matrix {
  return new QrDecomposition(new Matrix(gaussian(n, n, createRandom(seed)))).orthogonalMatrix;
}

const maxAbs = (a: number[][], b: number[][]): number => Math.max(...a.flatMap((row, i) => row.map((x, j) => Math.abs(x - b[i]![j]!))));

describe('two-layer networks: exact λ-balanced solution', () => {
  it('equals the gradient flow (rtol 1e-10) to 1e-7 relative, for λ of either sign and zero', () => {
    let solved = 0;
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 4 }), fc.constantFrom(0, 0.5, -0.5, 2, -3), fc.integer({ min: 0, max: 1e6 }), (n, lambda, seed) => {
        const r = createRandom(seed);
        const S = gaussian(n, n, r);
        const { w1, w2 } = lambdaBalancedPair({ product: gaussian(n, n, r, 0.3), lambda, hidden: n, seed: seed + 1 });
        const spec = { sigmaYX: S, init: { W1: w1, W2: w2 }, times: TIMES };
        let exact;
        try {
          exact = solveTwoLayer(spec);
        } catch (err) {
          // About half of zero-balanced random inits have no closed form; the refusal names the init.
          expect(err).to.be.instanceOf(ValidationError);
          expect((err as Error).message).to.match(/^init/);
          return;
        }
        solved++;
        const flow = solveTwoLayer({ ...spec, solver: 'flow' });
        expect(exact.status).to.equal('ok');
        expect(flow.status).to.equal('ok');
        expect(exact.lambda).to.be.closeTo(lambda, 1e-12);
        const scale = Math.max(...S.flat().map(Math.abs));
        // dopri5 at rtol 1e-10 over t ≤ 6 is good to ~1e-9 relative; the closed form to round-off.
        TIMES.forEach((_, k) => {
          expect(maxAbs(exact.product[k]!, flow.product[k]!)).to.be.below(1e-7 * scale);
          expect(exact.kernelAlignment[k]).to.be.closeTo(flow.kernelAlignment[k]!, 1e-7);
          expect(exact.loss[k]).to.be.closeTo(flow.loss[k]!, 1e-7 * Math.max(1, flow.loss[k]!));
        });
        // At t = 0 the closed form returns the init's own product.
        const P0 = new Matrix(w2).mmul(new Matrix(w1)).to2DArray();
        expect(maxAbs(exact.product[0]!, P0)).to.be.below(1e-12);
        expect(exact.kernelAlignment[0]).to.be.closeTo(1, 1e-14);
      }),
      { seed: 1631, numRuns: 40 },
    );
    expect(solved, 'most cases have a closed form').to.be.above(20);
  });

  it('reduces to the aligned mode’s closed form for a decoupled init', () => {
    const n = 3;
    const U = orthogonal(n, 41);
    const V = orthogonal(n, 42);
    const R = orthogonal(n, 43);
    const s = [3, 1.5, 0.5];
    const lambda = 0.8;
    const c = [0.1, 0.4, 0.2];
    const d = c.map((x) => Math.sqrt(x * x + lambda));
    const S = U.mmul(Matrix.diag(s)).mmul(V.transpose()).to2DArray();
    const W1 = R.mmul(Matrix.diag(c)).mmul(V.transpose()).to2DArray();
    const W2 = U.mmul(Matrix.diag(d)).mmul(R.transpose()).to2DArray();
    const exact = solveTwoLayer({ sigmaYX: S, init: { W1, W2 }, times: TIMES });
    TIMES.forEach((t, k) => {
      const modes = U.transpose().mmul(new Matrix(exact.product[k]!)).mmul(V);
      s.forEach((si, i) => {
        const a = alignedModeSolution({ s: si, c0: c[i]!, d0: d[i]! }).at(t).product;
        // Both closed forms, each to round-off: 1e-10 leaves room for the 6×6 solves.
        expect(modes.get(i, i), `mode ${i} at t = ${t}`).to.be.closeTo(a, 1e-10);
      });
      expect(Math.abs(modes.get(0, 1))).to.be.below(1e-10);
    });
  });

  it('learns the task at long times without overflow (the growing exponentials cancel in the form used)', () => {
    const r = createRandom(7);
    const S = gaussian(3, 3, r);
    const { w1, w2 } = lambdaBalancedPair({ product: gaussian(3, 3, r, 0.1), lambda: 0.3, hidden: 3, seed: 8 });
    const res = solveTwoLayer({ sigmaYX: S, init: { W1: w1, W2: w2 }, times: [0, 50, 1e3, 1e8] });
    expect(res.status).to.equal('ok');
    // The slowest mode relaxes at rate ~2Ω_min: at t = 50 the loss is ~1e-17, later round-off (~1e-30).
    expect(res.loss[1]).to.be.below(1e-15);
    expect(res.loss.slice(2).every((l) => l < 1e-25)).to.equal(true);
    expect(maxAbs(res.product[3]!, S)).to.be.below(1e-12);
  });

  it('refuses what it cannot solve exactly, naming the condition; flow takes any init', () => {
    const r = createRandom(9);
    const S = gaussian(3, 3, r);
    const W1 = gaussian(3, 3, r, 0.3);
    const W2 = gaussian(3, 3, r, 0.3);
    expect(() => solveTwoLayer({ sigmaYX: S, init: { W1, W2 }, times: [0, 1] })).to.throw(ValidationError, /λ-balanced/);
    const flow = solveTwoLayer({ sigmaYX: S, init: { W1, W2 }, times: [0, 1], solver: 'flow' });
    expect(flow.status).to.equal('ok');
    expect(flow.lambda).to.equal(null);
    expect(flow.weightChange![0]).to.equal(0);
    const wide = lambdaBalancedPair({ product: gaussian(3, 3, r, 0.3), lambda: 0, hidden: 5, seed: 1 });
    expect(() => solveTwoLayer({ sigmaYX: S, init: { W1: wide.w1, W2: wide.w2 }, times: [0, 1] })).to.throw(ValidationError, /equal sizes/);
    const bad: [unknown, RegExp][] = [
      [{ sigmaYX: S, init: { W1, W2 }, times: [1, 0] }, /times\[1\]/],
      [{ sigmaYX: S, init: { W1, W2 }, times: [] }, /times/],
      [{ sigmaYX: S, init: { W1: [[1, 2]], W2 }, times: [0] }, /init\.W1\[0\]/],
      [{ sigmaYX: S, init: { W1, W2: [[1]] }, times: [0] }, /init\.W2/],
      [{ sigmaYX: S, init: { W1, W2 }, times: [0], solver: 'rk4' }, /solver/],
      [{ sigmaYX: S, init: { W1, W2 }, times: [0], tau: 0 }, /tau/],
      [{ sigmaYX: [[1, 0], [0, 0]], init: { W1: [[0.1, 0], [0, 0.1]], W2: [[0.1, 0], [0, 0.1]] }, times: [0] }, /full-rank/],
      [{ sigmaYX: S, init: { W1, W2 }, times: [0], extra: 1 }, /extra/],
    ];
    for (const [spec, field] of bad) expect(() => solveTwoLayer(spec), String(field)).to.throw(ValidationError, field);
  });
});
