/**
 * Rich/lazy measures (issue 16, item 1) against independent computations: the two-layer tangent kernel against
 * finite differences of the network output, the mode-amplitude kernel alignment against the matrix route,
 * effective ranks against spectra built by hand, and the invariances each measure must have.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Matrix, QrDecomposition } from 'ml-matrix';
import { ComputationError, ValidationError } from '../../src/util/errors.ts';
import { createRandom } from '../../src/util/random.ts';
import {
  effectiveRank,
  kernelAlignment,
  kernelDistance,
  kernelTargetAlignment,
  linearNtk,
  modeKernelAlignment,
  representationAlignment,
  signSimilarity,
  weightChange,
} from '../../src/richlazy/measures.ts';

function gaussianRows(rows: number, cols: number, seed: number, scale = 1): number[][] {
  const r = createRandom(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * r.normal()));
}

/** A random orthogonal n×n matrix (QR of a Gaussian one). */
function orthogonal(n: number, seed: number): Matrix {
  return new QrDecomposition(new Matrix(gaussianRows(n, n, seed))).orthogonalMatrix;
}

function refusal(f: () => unknown): ValidationError {
  try {
    f();
  } catch (err) {
    expect(err).to.be.instanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('rich/lazy measures', () => {
  it('linearNtk is J Jᵀ of f = W₂W₁X, J by central differences over every weight', () => {
    const [nIn, h, nOut, P] = [3, 4, 2, 5];
    const w1 = gaussianRows(h, nIn, 1);
    const w2 = gaussianRows(nOut, h, 2);
    const x = gaussianRows(nIn, P, 3);
    const out = (a: number[][], b: number[][]): number[] => {
      const f = new Matrix(b).mmul(new Matrix(a)).mmul(new Matrix(x));
      const v: number[] = [];
      for (let i = 0; i < nOut; i++) for (let p = 0; p < P; p++) v.push(f.get(i, p));
      return v;
    };
    const columns: number[][] = [];
    const eps = 1e-3;
    for (const [which, m] of [[0, w1], [1, w2]] as const) {
      m.forEach((row, i) =>
        row.forEach((_, j) => {
          const plus = m.map((r) => [...r]);
          const minus = m.map((r) => [...r]);
          plus[i]![j]! += eps;
          minus[i]![j]! -= eps;
          const fp = which === 0 ? out(plus, w2) : out(w1, plus);
          const fm = which === 0 ? out(minus, w2) : out(w1, minus);
          columns.push(fp.map((v, k) => (v - fm[k]!) / (2 * eps)));
        }),
      );
    }
    const J = new Matrix(columns).transpose();
    const expected = J.mmul(J.transpose());
    const K = linearNtk(w1, w2, x);
    // f is linear in each weight, so the central difference is exact up to round-off (~1e-13 / eps).
    for (let r = 0; r < K.length; r++) for (let c = 0; c < K.length; c++) expect(K[r]![c]).to.be.closeTo(expected.get(r, c), 1e-9);
  });

  it('modeKernelAlignment equals KA of the matrix kernels of aligned networks (mode amplitudes only)', () => {
    const [nIn, h, nOut] = [4, 6, 3];
    const V = orthogonal(nIn, 11);
    const U = orthogonal(nOut, 12);
    const R = orthogonal(h, 13).subMatrix(0, h - 1, 0, 2);
    const net = (a: readonly number[], c: readonly number[]) => {
      const W1 = R.mmul(Matrix.diag(a)).mmul(V.subMatrix(0, nIn - 1, 0, 2).transpose());
      const W2 = U.mmul(Matrix.diag(c)).mmul(R.transpose());
      return linearNtk(W1.to2DArray(), W2.to2DArray());
    };
    const s = { first: [0.3, 0.1, 0.05], second: [0.2, 0.2, 0.01] };
    const e = { first: [1.7, 0.9, 0.05], second: [1.5, 1.1, 0.02] };
    // Round-off of the 12×12 kernels' products: ~1e-15 per entry.
    expect(modeKernelAlignment(s, e, nIn, nOut)).to.be.closeTo(kernelAlignment(net(s.first, s.second), net(e.first, e.second)), 1e-12);
    expect(modeKernelAlignment(s, s, nIn, nOut)).to.be.closeTo(1, 1e-15);
  });

  it('kernel alignment is a cosine: 1 for a rescaled kernel, symmetric, in [−1, 1]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (n, seed, c) => {
        const a = gaussianRows(n, n, seed);
        const b = gaussianRows(n, n, seed + 1);
        const scaled = a.map((r) => r.map((x) => c * x));
        expect(kernelAlignment(a, scaled)).to.be.closeTo(1, 1e-14);
        expect(kernelAlignment(a, b)).to.be.closeTo(kernelAlignment(b, a), 1e-15);
        const ka = kernelAlignment(a, b);
        expect(ka).to.be.within(-1, 1);
        expect(kernelDistance(a, b)).to.be.closeTo(1 - ka, 1e-15);
      }),
      { seed: 16, numRuns: 100 },
    );
    // By hand: ⟨diag(1, 0), diag(1, 1)⟩ = 1, norms 1 and √2.
    expect(kernelAlignment([[1, 0], [0, 0]], [[1, 0], [0, 1]])).to.be.closeTo(1 / Math.SQRT2, 1e-15);
  });

  it('representation alignment ignores a rotation of the units; sign similarity counts unchanged signs', () => {
    const H = gaussianRows(7, 5, 21);
    const Q = orthogonal(5, 22);
    const rotated = new Matrix(H).mmul(Q).to2DArray();
    expect(representationAlignment(H, rotated)).to.be.closeTo(1, 1e-13);
    expect(signSimilarity([[1, -2], [0, 3]], [[2, 1], [0, -1]])).to.equal(2 / 4);
    expect(signSimilarity(H, H)).to.equal(1);
  });

  it('weight change: ‖W_f − W₀‖_F, over layers in squares, relative to ‖W₀‖_F', () => {
    expect(weightChange([[1, 0], [0, 1]], [[1, 3], [4, 1]])).to.be.closeTo(5, 1e-15);
    expect(weightChange([[[3]], [[0, 0]]], [[[0]], [[4, 0]]])).to.be.closeTo(5, 1e-15);
    expect(weightChange([[3, 4]], [[6, 8]], { relative: true })).to.be.closeTo(1, 1e-15);
    expect(weightChange(new Matrix([[1, 2]]), [[1, 2]])).to.equal(0);
  });

  it('effective ranks of spectra built by hand', () => {
    const U = orthogonal(6, 31);
    const V = orthogonal(6, 32);
    const withSpectrum = (s: number[]) => U.mmul(Matrix.diag(s)).mmul(V.transpose()).to2DArray();
    // r equal singular values: entropy and participation ranks are exactly r (up to the SVD's round-off).
    for (const r of [1, 3, 6]) {
      const m = withSpectrum(Array.from({ length: 6 }, (_, i) => (i < r ? 2.5 : 0)));
      expect(effectiveRank(m, 'entropy')).to.be.closeTo(r, 1e-10);
      expect(effectiveRank(m, 'participation')).to.be.closeTo(r, 1e-10);
    }
    // σ = (1, 1/2): p = (2/3, 1/3), entropy rank exp(ln 3 − (2/3) ln 2); participation (5/4)² / (17/16) = 25/17.
    const m = withSpectrum([1, 0.5, 0, 0, 0, 0]);
    expect(effectiveRank(m, 'entropy')).to.be.closeTo(Math.exp(Math.log(3) - (2 / 3) * Math.log(2)), 1e-12);
    expect(effectiveRank(m, 'participation')).to.be.closeTo(25 / 17, 1e-12);
    // Eigenvalue form: identity 1; a rank-1 matrix 1/N; a rotation by θ (eigenvalues e^{±iθ}, |λ| = 1) 1.
    expect(effectiveRank([[1, 0, 0], [0, 1, 0], [0, 0, 1]], 'eigenvalue')).to.be.closeTo(1, 1e-14);
    expect(effectiveRank([[1, 2], [2, 4]], 'eigenvalue')).to.be.closeTo(0.5, 1e-14);
    expect(effectiveRank([[Math.cos(1), -Math.sin(1)], [Math.sin(1), Math.cos(1)]], 'eigenvalue')).to.be.closeTo(1, 1e-14);
  });

  it('kernel–target alignment: 1 for K = yyᵀ in both conventions; 1/√n and 1/n for K = I', () => {
    const y = [1, -2, 0.5];
    const yy = y.map((a) => y.map((b) => a * b));
    expect(kernelTargetAlignment(yy, y)).to.be.closeTo(1, 1e-15);
    expect(kernelTargetAlignment(yy, y, 'trace')).to.be.closeTo(1, 1e-15);
    const I = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    expect(kernelTargetAlignment(I, y)).to.be.closeTo(1 / Math.sqrt(3), 1e-15);
    expect(kernelTargetAlignment(I, y, 'trace')).to.be.closeTo(1 / 3, 1e-15);
  });

  it('refuses garbage naming the argument and the entry', () => {
    expect(refusal(() => kernelAlignment([[1, 2]], [[1]])).message).to.match(/k1\[0\]/);
    expect(refusal(() => kernelAlignment([[1, NaN]], [[1, 2]])).message).to.match(/k0\[0\]\[1\]/);
    expect(refusal(() => kernelAlignment([[0]], [[1]])).message).to.match(/k0/);
    expect(refusal(() => kernelAlignment([], [[1]])).message).to.match(/k0/);
    expect(refusal(() => kernelAlignment([[1], [1, 2]], [[1]])).message).to.match(/k0\[1\]/);
    expect(refusal(() => effectiveRank([[1, 2]], 'eigenvalue')).message).to.match(/square/);
    expect(refusal(() => effectiveRank([[1]], 'nuclear' as never)).message).to.match(/method/);
    expect(refusal(() => linearNtk([[1, 2]], [[1, 2]])).message).to.match(/w2\[0\]/);
    expect(refusal(() => weightChange([[1]], [[1, 2]])).message).to.match(/w1/);
    expect(refusal(() => kernelTargetAlignment([[1]], [1, 2])).message).to.match(/^y/);
    expect(refusal(() => modeKernelAlignment({ first: [1, 2, 3], second: [1] }, { first: [1], second: [1] }, 2, 1)).message).to.match(/start\.first/);
    fc.assert(
      fc.property(fc.anything(), (v) => {
        if (Array.isArray(v) && v.length > 0 && v.every((r) => Array.isArray(r) && r.length > 0 && r.every((x) => typeof x === 'number' && Number.isFinite(x)))) return;
        refusal(() => kernelAlignment(v, [[1]]));
        refusal(() => effectiveRank(v));
      }),
      { seed: 160, numRuns: 300 },
    );
  });

  it('entries near the ends of the double range: scale-free measures unchanged, a true overflow is a ComputationError', () => {
    const k0 = [
      [2, 1],
      [1, 3],
    ];
    const k1 = [
      [1, 0.5],
      [0.2, 4],
    ];
    const times = (m: number[][], c: number): number[][] => m.map((r) => r.map((x) => x * c));
    // The measures are invariant under positive scaling (a closed-form property): 1e300 and 1e-300 multiply
    // entries whose squares (1e600, 1e-600) are not doubles. The unscaled values agree to round-off (1e-15).
    for (const c of [1e300, 1e-300]) {
      expect(kernelAlignment(times(k0, c), times(k1, c))).to.be.closeTo(kernelAlignment(k0, k1), 1e-15);
      expect(representationAlignment(times(k0, c), times(k1, c))).to.be.closeTo(representationAlignment(k0, k1), 1e-15);
      expect(effectiveRank(times(k0, c))).to.be.closeTo(effectiveRank(k0), 1e-14);
      expect(weightChange(times(k0, c), times(k1, c), { relative: true })).to.be.closeTo(weightChange(k0, k1, { relative: true }), 1e-15);
    }
    // ‖W₁ − W₀‖ = 2e308 is no double: refused as a computation, not returned as Infinity; relative it is exactly 2.
    expect(() => weightChange([[1e308]], [[-1e308]])).to.throw(ComputationError, /weightChange/);
    expect(weightChange([[1e308]], [[-1e308]], { relative: true })).to.equal(2);
  });
});

