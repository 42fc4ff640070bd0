/**
 * Flat row-major matrices and the few kernels the simulator spends its time in.
 *
 * A training step only ever multiplies a wide N×N weight by a thin N×k block (k = the task's input or output
 * dimension) or adds a rank-k outer product to it, so every kernel here is O(N² k) and walks the wide matrix
 * row by row (contiguous memory). ml-matrix is used only for SVD (tasks) where its speed does not matter.
 */
import { Matrix as MlMatrix, SingularValueDecomposition } from 'ml-matrix';
import type { Random } from '../util/random.ts';

export interface Mat {
  readonly rows: number;
  readonly cols: number;
  /** Entry (i, j) at data[i * cols + j]. */
  readonly data: Float64Array;
}

export function zeros(rows: number, cols: number): Mat {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function identity(n: number): Mat {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

export function fromRows(rows: readonly (readonly number[])[]): Mat {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0]!.length;
  const m = zeros(r, c);
  rows.forEach((row, i) => row.forEach((v, j) => (m.data[i * c + j] = v)));
  return m;
}



export function transpose(m: Mat): Mat {
  const t = zeros(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) t.data[j * m.rows + i] = m.data[i * m.cols + j]!;
  return t;
}

/** out = A·B for any shapes (plain i-k-j loop; only used off the hot path or with thin B). */
export function mulInto(out: Float64Array, a: Float64Array, b: Float64Array, m: number, k: number, n: number): void {
  out.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const oi = i * n;
    for (let l = 0; l < k; l++) {
      const ail = a[i * k + l]!;
      if (ail === 0) continue;
      const bl = l * n;
      for (let j = 0; j < n; j++) out[oi + j] += ail * b[bl + j]!;
    }
  }
}

export function mul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new RangeError(`mul: shapes ${a.rows}×${a.cols} and ${b.rows}×${b.cols} do not chain`);
  const out = zeros(a.rows, b.cols);
  mulInto(out.data, a.data, b.data, a.rows, a.cols, b.cols);
  return out;
}

/**
 * out (r×n) = Q (r×m) · W (m×n) with r small: each row of W is read once and scattered into r output rows.
 */
export function thinLeftMulInto(out: Float64Array, q: Float64Array, w: Float64Array, r: number, m: number, n: number): void {
  out.fill(0, 0, r * n);
  for (let i = 0; i < m; i++) {
    const wi = i * n;
    for (let s = 0; s < r; s++) {
      const qsi = q[s * m + i]!;
      if (qsi === 0) continue;
      const os = s * n;
      for (let j = 0; j < n; j++) out[os + j] += qsi * w[wi + j]!;
    }
  }
}

/** out (m×k) = Aᵀ (m×r) · B (r×k) for A (r×m): a small product used for Qᵀ E. */
export function transposeMulInto(out: Float64Array, a: Float64Array, b: Float64Array, r: number, m: number, k: number): void {
  out.fill(0, 0, m * k);
  for (let s = 0; s < r; s++) {
    for (let i = 0; i < m; i++) {
      const asi = a[s * m + i]!;
      if (asi === 0) continue;
      const oi = i * k;
      const bs = s * k;
      for (let l = 0; l < k; l++) out[oi + l] += asi * b[bs + l]!;
    }
  }
}

/** W (m×n) += η A (m×k) Bᵀ (B is n×k): the plain-loop rank-k update (reference for the generated kernels). */
export function rankUpdate(w: Float64Array, a: Float64Array, b: Float64Array, eta: number, m: number, n: number, k: number): void {
  for (let i = 0; i < m; i++) {
    const wi = i * n;
    const ai = i * k;
    for (let j = 0; j < n; j++) {
      let s = 0;
      const bj = j * k;
      for (let l = 0; l < k; l++) s += a[ai + l]! * b[bj + l]!;
      w[wi + j] += eta * s;
    }
  }
}


export function gaussian(rows: number, cols: number, std: number, random: Random): Mat {
  const m = zeros(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = std * random.normal();
  return m;
}

/**
 * An n×k matrix with orthonormal columns (k ≤ n), from Gaussian draws by modified Gram–Schmidt applied twice
 * (the second pass removes the round-off of the first, so QᵀQ = I to ~1e-15).
 */
export function orthonormalColumns(n: number, k: number, random: Random): Mat {
  if (k > n) throw new RangeError(`orthonormalColumns: ${k} columns do not fit in dimension ${n}`);
  const q = gaussian(n, k, 1, random);
  const d = q.data;
  for (let c = 0; c < k; c++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < c; p++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += d[i * k + p]! * d[i * k + c]!;
        for (let i = 0; i < n; i++) d[i * k + c] -= dot * d[i * k + p]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += d[i * k + c]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) d[i * k + c] /= norm;
  }
  return q;
}

export interface ThinSvd {
  /** Left singular vectors, rows×K. */
  readonly u: Mat;
  readonly s: number[];
  /** Right singular vectors, cols×K. */
  readonly v: Mat;
}

/**
 * Thin SVD keeping singular values above rtol·s_max, sorted descending. Signs are fixed so that the largest
 * entry of each right singular vector is positive, which makes the basis reproducible.
 */
export function thinSvd(m: Mat, rtol = 1e-12): ThinSvd {
  const svd = new SingularValueDecomposition(MlMatrix.from1DArray(m.rows, m.cols, Array.from(m.data)), {
    autoTranspose: true,
  });
  const sAll = svd.diagonal;
  const U = svd.leftSingularVectors;
  const V = svd.rightSingularVectors;
  const order = sAll.map((_, i) => i).sort((i, j) => sAll[j]! - sAll[i]!);
  const smax = sAll[order[0]!] ?? 0;
  const keep = order.filter((i) => sAll[i]! > rtol * smax && sAll[i]! > 0);
  const K = keep.length;
  const u = zeros(m.rows, K);
  const v = zeros(m.cols, K);
  keep.forEach((col, c) => {
    let big = 0;
    for (let i = 0; i < m.cols; i++) if (Math.abs(V.get(i, col)) > Math.abs(big)) big = V.get(i, col);
    const sign = big < 0 ? -1 : 1;
    for (let i = 0; i < m.rows; i++) u.data[i * K + c] = sign * U.get(i, col);
    for (let i = 0; i < m.cols; i++) v.data[i * K + c] = sign * V.get(i, col);
  });
  return { u, s: keep.map((i) => sAll[i]!), v };
}
