/**
 * Initial connectivity (issue 16, item 2): each construction checked against the property that defines it —
 * norms, ranks, overlaps, the λ-balance and the product, signs — and the projection onto the task's modes
 * against inits whose alignment is known by construction.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { ValidationError } from '../../src/util/errors.ts';
import { createRandom } from '../../src/util/random.ts';
import { alignedLowRank, daleMatrix, lambdaBalancedPair, projectOntoTaskModes, truncatedLowRank } from '../../src/richlazy/init.ts';

const fro = (m: number[][]): number => Math.sqrt(m.flat().reduce((s, x) => s + x * x, 0));
const singular = (m: number[][]): number[] => new SingularValueDecomposition(new Matrix(m), { autoTranspose: true }).diagonal.sort((a, b) => b - a);

function orthogonal(n: number, seed: number): Matrix {
  const r = createRandom(seed);
  return new QrDecomposition(new Matrix(Array.from({ length: n }, () => Array.from({ length: n }, () => r.normal())))).orthogonalMatrix;
}

describe('rich/lazy initial connectivity', () => {
  it('truncatedLowRank keeps the Gaussian draw’s Frobenius norm and has exactly the rank asked', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 30 }), fc.integer({ min: 2, max: 30 }), fc.integer({ min: 0, max: 1e6 }), (rows, cols, seed) => {
        const rank = 1 + (seed % Math.min(rows, cols));
        const w = truncatedLowRank({ rows, cols, rank, gain: 1.25, seed });
        const full = truncatedLowRank({ rows, cols, rank: Math.min(rows, cols), gain: 1.25, seed });
        // Same draw, same norm: the full-rank truncation is the draw itself (round-off of the SVD, ~1e-14).
        expect(fro(w)).to.be.closeTo(fro(full), 1e-12 * fro(full));
        const s = singular(w);
        expect(s[rank - 1]!).to.be.above(1e-8 * s[0]!);
        if (rank < s.length) expect(s[rank]!).to.be.below(1e-12 * s[0]!);
      }),
      { seed: 1621, numRuns: 40 },
    );
  });

  it('alignedLowRank: equal singular values norm/√r and overlap ρ² with the task directions', () => {
    const V = orthogonal(10, 3).subMatrix(0, 9, 0, 1); // two task input modes
    for (const rho of [1, 0.6, 0]) {
      const w = alignedLowRank({ rows: 30, cols: 10, rank: 1, norm: 1.2, directions: V.to2DArray(), overlap: rho, seed: 9 });
      const s = singular(w);
      expect(s[0]!).to.be.closeTo(1.2, 1e-12);
      expect(s[1]!).to.be.below(1e-12);
      // The right singular vector's overlap with the first task direction: ‖W v₁‖/‖W‖ = ρ.
      const wv = new Matrix(w).mmul(V.getColumnVector(0));
      expect(Math.sqrt(wv.to1DArray().reduce((t, x) => t + x * x, 0)) / 1.2).to.be.closeTo(rho, 1e-12);
    }
  });

  it('lambdaBalancedPair: W₂W₁ = P and W₂ᵀW₂ − W₁W₁ᵀ = λI, for λ of either sign', () => {
    fc.assert(
      fc.property(fc.double({ min: -3, max: 3, noNaN: true }), fc.integer({ min: 0, max: 1e6 }), (lambda, seed) => {
        const r = createRandom(seed);
        const [nOut, nIn] = [4, 5];
        const hidden = lambda > 0 ? 4 : lambda < 0 ? 5 : 6;
        const P = Array.from({ length: nOut }, () => Array.from({ length: nIn }, () => r.normal()));
        // The same seed as P on purpose: the frame completion must survive draws lying in P’s row space.
        const { w1, w2 } = lambdaBalancedPair({ product: P, lambda, hidden, seed });
        const W1 = new Matrix(w1);
        const W2 = new Matrix(w2);
        const prod = W2.mmul(W1);
        const balance = W2.transpose().mmul(W2).sub(W1.mmul(W1.transpose()));
        // Round-off of products of O(1 + |λ|) matrices: ~1e-14.
        for (let i = 0; i < nOut; i++) for (let j = 0; j < nIn; j++) expect(prod.get(i, j)).to.be.closeTo(P[i]![j]!, 1e-12);
        for (let i = 0; i < hidden; i++) for (let j = 0; j < hidden; j++) expect(balance.get(i, j)).to.be.closeTo(i === j ? lambda : 0, 1e-12);
      }),
      { seed: 1622, numRuns: 60 },
    );
    expect(() => lambdaBalancedPair({ product: [[1, 0]], lambda: 1, hidden: 2, seed: 1 })).to.throw(ValidationError, /init\.hidden.*n_out/);
    expect(() => lambdaBalancedPair({ product: [[1], [0]], lambda: -1, hidden: 2, seed: 1 })).to.throw(ValidationError, /init\.hidden.*n_in/);
  });

  it('daleMatrix: column signs by cell type, balanced expected input', () => {
    const W = daleMatrix({ n: 200, excitatoryFraction: 0.8, gain: 1.5, seed: 4 });
    const nE = 160;
    W.forEach((row) => row.forEach((x, j) => expect(j < nE ? x >= 0 : x <= 0).to.equal(true)));
    // Balance: E[Σ_j W_ij] = 0; the sample mean over 200 rows of 200 |Z| terms has sd ≈ g·0.6·√(1 + 16)/√200 per row sum.
    const rowSums = W.map((row) => row.reduce((s, x) => s + x, 0));
    const mean = rowSums.reduce((s, x) => s + x, 0) / rowSums.length;
    expect(Math.abs(mean)).to.be.below(0.25);
    expect(() => daleMatrix({ n: 3, excitatoryFraction: 0.1, seed: 1 })).to.throw(ValidationError, /excitatoryFraction/);
  });

  it('projectOntoTaskModes: 0 misalignment and exact for an aligned init, large for a random one', () => {
    const U = orthogonal(5, 5);
    const V = orthogonal(10, 6);
    const R = orthogonal(30, 7);
    const S = U.subMatrix(0, 4, 0, 0).mul(3).mmul(V.subMatrix(0, 9, 0, 0).transpose()); // rank-1 task 3uvᵀ
    const W1 = R.subMatrix(0, 29, 0, 0).mul(0.4).mmul(V.subMatrix(0, 9, 0, 0).transpose());
    const W2 = U.subMatrix(0, 4, 0, 0).mul(0.7).mmul(R.subMatrix(0, 29, 0, 0).transpose());
    const aligned = projectOntoTaskModes(W1.to2DArray(), W2.to2DArray(), S.to2DArray());
    expect(aligned.misalignment).to.be.below(1e-12);
    expect(aligned.exact).to.equal(true);
    expect(aligned.first[0]!).to.be.closeTo(0.4, 1e-12);
    expect(Math.abs(aligned.second[0]!)).to.be.closeTo(0.7, 1e-12);
    const r = createRandom(8);
    const g = (rows: number, cols: number) => Array.from({ length: rows }, () => Array.from({ length: cols }, () => r.normal() / Math.sqrt(30)));
    const random = projectOntoTaskModes(g(30, 10), g(5, 30), S.to2DArray());
    expect(random.misalignment).to.be.above(0.8);
    expect(random.exact).to.equal(false);
  });

  it('refuses garbage naming the field', () => {
    expect(() => truncatedLowRank({ rows: 3, cols: 3, rank: 4, seed: 1 })).to.throw(ValidationError, /init\.rank/);
    expect(() => alignedLowRank({ rows: 3, cols: 3, rank: 1, norm: 1, directions: [[1], [1], [0]], seed: 1 })).to.throw(ValidationError, /init\.directions/);
    expect(() => lambdaBalancedPair({ product: [[NaN]], lambda: 0, hidden: 1, seed: 1 })).to.throw(ValidationError, /init\.product\[0\]\[0\]/);
    expect(() => projectOntoTaskModes([[1, 2]], [[1]], [[1, 0, 0]])).to.throw(ValidationError, /w1\[0\]/);
    expect(() => daleMatrix({ n: 4, seed: 1.5 })).to.throw(ValidationError, /init\.seed/);
  });
});
