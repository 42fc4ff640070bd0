/**
 * Initial connectivity for rich/lazy studies (Liu et al., ICLR 2024; Dominé et al., ICLR 2025): low rank at a
 * matched Frobenius norm, low rank aligned (fully or partly) with the task's modes, λ-balanced two-layer pairs
 * with a given product, Dale's-law sign-constrained matrices, and the projection of any two-layer init onto
 * the task's modes with the share of it that the mode reduction cannot describe. Plain `number[][]` in and
 * out (row-major), seeded draws from src/util/random.ts.
 */
import { Matrix } from 'ml-matrix';
import { ValidationError } from '../util/errors.ts';
import { createRandom, type Random } from '../util/random.ts';
import { expectNumber, expectRecord, rejectUnknownKeys } from '../util/validation.ts';
import { readMatrix, type MatrixRows } from './measures.ts';
import { sortedSvd } from './svd.ts';

const SEED = { integer: true, min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };
const DIM = { integer: true, min: 1, max: 8192 };

function gaussianMatrix(rows: number, cols: number, std: number, random: Random): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, std * random.normal());
  return m;
}

/**
 * n×k orthonormal columns whose first columns are `start` (orthonormal, n×r) and the rest random directions
 * orthogonal to them (Gram–Schmidt twice on Gaussian draws, so QᵀQ = I to round-off).
 */
function completeFrame(start: Matrix | null, n: number, k: number, random: Random): Matrix {
  const q = new Matrix(n, k);
  const r = start?.columns ?? 0;
  for (let c = 0; c < r; c++) q.setColumn(c, start!.getColumn(c));
  for (let c = r; c < k; c++) {
    // A draw (almost) inside the span so far leaves a residual of round-off: draw again (e.g. when the caller's
    // matrix came from the same seed, so the draw lies in its row space).
    for (;;) {
      const v = Array.from({ length: n }, () => random.normal());
      const size = Math.hypot(...v);
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < c; p++) {
          let dot = 0;
          for (let i = 0; i < n; i++) dot += q.get(i, p) * v[i]!;
          for (let i = 0; i < n; i++) v[i] -= dot * q.get(i, p);
        }
      }
      const norm = Math.hypot(...v);
      if (!(norm > 1e-6 * size)) continue;
      q.setColumn(c, v.map((x) => x / norm));
      break;
    }
  }
  return q;
}

function frobenius(m: Matrix): number {
  return Math.sqrt(m.to1DArray().reduce((s, x) => s + x * x, 0));
}

/**
 * Liu et al.'s low-rank init at a matched norm (their code): W₀ = g Z/√cols with Z ~ N(0, 1), its SVD
 * truncated to the top `rank` triplets, then rescaled to ‖W₀‖_F — so rank changes the structure, not the scale.
 */
export function truncatedLowRank(input: { rows: number; cols: number; rank: number; gain?: number; seed: number }): number[][] {
  const o = expectRecord(input, 'init', '{ rows, cols, rank, gain?, seed }');
  rejectUnknownKeys(o, ['rows', 'cols', 'rank', 'gain', 'seed'], 'init');
  const rows = expectNumber(o['rows'], 'init.rows', DIM);
  const cols = expectNumber(o['cols'], 'init.cols', DIM);
  const rank = expectNumber(o['rank'], 'init.rank', { integer: true, min: 1, max: Math.min(rows, cols) });
  const gain = o['gain'] === undefined ? 1 : expectNumber(o['gain'], 'init.gain', { exclusiveMin: 0, max: 1e100 });
  const random = createRandom(expectNumber(o['seed'], 'init.seed', SEED));
  const w0 = gaussianMatrix(rows, cols, gain / Math.sqrt(cols), random);
  const { u, s, v } = sortedSvd(w0);
  const kept = u.subMatrix(0, rows - 1, 0, rank - 1).mmul(Matrix.diag(s.slice(0, rank))).mmul(v.subMatrix(0, cols - 1, 0, rank - 1).transpose());
  return kept.mul(frobenius(w0) / frobenius(kept)).to2DArray();
}

/**
 * A rank-r matrix with r equal singular values norm/√r whose right singular vectors lie at overlap ρ with given
 * directions (cols × ≥ r, orthonormal columns, e.g. the task's input modes V): R = ρ V_r + √(1 − ρ²) P with P
 * random orthonormal directions orthogonal to V_r, so RᵀR = I and ‖V_rᵀR‖²_F / r = ρ². ρ = 1 is the task-aligned
 * exception of Liu et al. (lazy), ρ = 0 a random low-rank init; the left singular vectors are random.
 */
export function alignedLowRank(input: {
  rows: number;
  cols: number;
  rank: number;
  norm: number;
  directions: MatrixRows;
  overlap?: number;
  seed: number;
}): number[][] {
  const o = expectRecord(input, 'init', '{ rows, cols, rank, norm, directions, overlap?, seed }');
  rejectUnknownKeys(o, ['rows', 'cols', 'rank', 'norm', 'directions', 'overlap', 'seed'], 'init');
  const rows = expectNumber(o['rows'], 'init.rows', DIM);
  const cols = expectNumber(o['cols'], 'init.cols', DIM);
  const rank = expectNumber(o['rank'], 'init.rank', { integer: true, min: 1, max: Math.min(rows, cols) });
  const norm = expectNumber(o['norm'], 'init.norm', { min: 0, max: 1e100 });
  const rho = o['overlap'] === undefined ? 1 : expectNumber(o['overlap'], 'init.overlap', { min: 0, max: 1 });
  const dirs = readMatrix(o['directions'], 'init.directions', { rows: cols });
  if (dirs.columns < rank) throw new ValidationError('init.directions', `${dirs.rows}×${dirs.columns}`, `at least rank = ${rank} columns`);
  const gram = dirs.transpose().mmul(dirs);
  for (let i = 0; i < dirs.columns; i++) {
    for (let j = 0; j < dirs.columns; j++) {
      if (Math.abs(gram.get(i, j) - (i === j ? 1 : 0)) > 1e-9) throw new ValidationError('init.directions', `column ${j}`, 'orthonormal columns (VᵀV = I to 1e-9)');
    }
  }
  const random = createRandom(expectNumber(o['seed'], 'init.seed', SEED));
  const target = dirs.subMatrix(0, cols - 1, 0, rank - 1);
  // Random directions orthogonal to the task's: the frame's columns after the given ones.
  const rest = rho < 1 ? completeFrame(dirs, cols, Math.min(cols, dirs.columns + rank), random) : null;
  if (rest !== null && rest.columns < dirs.columns + rank) {
    throw new ValidationError('init.overlap', rho, `1 (no room for ${rank} directions orthogonal to the ${dirs.columns} given in ${cols} dimensions)`);
  }
  const perp = rest === null ? null : rest.subMatrix(0, cols - 1, dirs.columns, dirs.columns + rank - 1);
  const right = perp === null ? target : Matrix.add(target.clone().mul(rho), perp.mul(Math.sqrt(1 - rho * rho)));
  const left = completeFrame(null, rows, rank, random);
  return left.mul(norm / Math.sqrt(rank)).mmul(right.transpose()).to2DArray();
}

/**
 * A λ-balanced pair with a given product (Dominé et al.; research §4b): W₂W₁ = P and W₂ᵀW₂ − W₁W₁ᵀ = λI.
 * With P = U S Vᵀ, W₂ = U S₂ Rᵀ and W₁ = R S₁ Vᵀ for a random orthogonal hidden frame R, where
 * S₂ = √((√(λ² + 4S²) + λ)/2), S₁ = √((√(λ² + 4S²) − λ)/2) (hidden directions beyond the rank take S = 0:
 * √λ in W₂ for λ > 0, √|λ| in W₁ for λ < 0). λ > 0 therefore needs n_out ≥ hidden, λ < 0 needs n_in ≥ hidden.
 */
export function lambdaBalancedPair(input: { product: MatrixRows; lambda: number; hidden: number; seed: number }): { w1: number[][]; w2: number[][] } {
  const o = expectRecord(input, 'init', '{ product, lambda, hidden, seed }');
  rejectUnknownKeys(o, ['product', 'lambda', 'hidden', 'seed'], 'init');
  const P = readMatrix(o['product'], 'init.product');
  const lambda = expectNumber(o['lambda'], 'init.lambda', { min: -1e100, max: 1e100 });
  const hidden = expectNumber(o['hidden'], 'init.hidden', DIM);
  const random = createRandom(expectNumber(o['seed'], 'init.seed', SEED));
  const [nOut, nIn] = [P.rows, P.columns];
  if (lambda > 0 && hidden > nOut) throw new ValidationError('init.hidden', hidden, `≤ n_out = ${nOut} for λ > 0 (W₂ᵀW₂ − W₁W₁ᵀ = λI needs W₂ of full column rank)`);
  if (lambda < 0 && hidden > nIn) throw new ValidationError('init.hidden', hidden, `≤ n_in = ${nIn} for λ < 0 (W₂ᵀW₂ − W₁W₁ᵀ = λI needs W₁ of full row rank)`);
  const { u, s, v } = sortedSvd(P);
  const rank = s.filter((x) => x > 1e-14 * (s[0] ?? 0)).length;
  if (rank > hidden) throw new ValidationError('init.hidden', hidden, `≥ rank of the product (${rank})`);
  // Complete U and V to as many directions as the hidden layer has (the extra ones carry S = 0).
  const U = completeFrame(rank === 0 ? null : u.subMatrix(0, nOut - 1, 0, rank - 1), nOut, Math.min(nOut, hidden), random);
  const V = completeFrame(rank === 0 ? null : v.subMatrix(0, nIn - 1, 0, rank - 1), nIn, Math.min(nIn, hidden), random);
  const R = completeFrame(null, hidden, hidden, random);
  const w2 = new Matrix(nOut, hidden);
  const w1 = new Matrix(hidden, nIn);
  for (let i = 0; i < hidden; i++) {
    const S = i < rank ? s[i]! : 0;
    const root = Math.sqrt(lambda * lambda + 4 * S * S);
    // The larger of the two directly; the other as S over it (s₁s₂ = S): (root ∓ λ)/2 cancels for |λ| ≫ S.
    let s1: number;
    let s2: number;
    if (lambda >= 0) {
      s2 = Math.sqrt((root + lambda) / 2);
      s1 = s2 > 0 ? S / s2 : 0;
    } else {
      s1 = Math.sqrt((root - lambda) / 2);
      s2 = s1 > 0 ? S / s1 : 0;
    }
    const r = R.getColumn(i);
    if (i < U.columns && s2 !== 0) {
      const col = U.getColumn(i);
      for (let a = 0; a < nOut; a++) for (let h = 0; h < hidden; h++) w2.set(a, h, w2.get(a, h) + s2 * col[a]! * r[h]!);
    }
    if (i < V.columns && s1 !== 0) {
      const col = V.getColumn(i);
      for (let h = 0; h < hidden; h++) for (let b = 0; b < nIn; b++) w1.set(h, b, w1.get(h, b) + s1 * r[h]! * col[b]!);
    }
  }
  return { w1: w1.to2DArray(), w2: w2.to2DArray() };
}

/**
 * A Dale's-law recurrent matrix (n×n): the first round(f_E·n) units excitatory (their columns ≥ 0), the rest
 * inhibitory (≤ 0); |W_ij| = g|Z_ij|/√n, inhibitory columns scaled by f_E/(1 − f_E) so that each unit's expected
 * input sums to zero (a balanced network).
 */
export function daleMatrix(input: { n: number; excitatoryFraction?: number; gain?: number; seed: number }): number[][] {
  const o = expectRecord(input, 'init', '{ n, excitatoryFraction?, gain?, seed }');
  rejectUnknownKeys(o, ['n', 'excitatoryFraction', 'gain', 'seed'], 'init');
  const n = expectNumber(o['n'], 'init.n', { integer: true, min: 2, max: 8192 });
  const fE = o['excitatoryFraction'] === undefined ? 0.8 : expectNumber(o['excitatoryFraction'], 'init.excitatoryFraction', { exclusiveMin: 0, max: 1 });
  const gain = o['gain'] === undefined ? 1 : expectNumber(o['gain'], 'init.gain', { exclusiveMin: 0, max: 1e100 });
  const random = createRandom(expectNumber(o['seed'], 'init.seed', SEED));
  const nE = Math.round(fE * n);
  if (nE === 0 || nE === n) throw new ValidationError('init.excitatoryFraction', fE, `a fraction leaving at least one excitatory and one inhibitory unit of ${n}`);
  const inhibitoryScale = nE / (n - nE);
  return Array.from({ length: n }, () =>
    Array.from({ length: n }, (_, j) => {
      const magnitude = (gain * Math.abs(random.normal())) / Math.sqrt(n);
      return j < nE ? magnitude : -inhibitoryScale * magnitude;
    }),
  );
}

export interface TaskProjection {
  /** first[α] = ‖W₁ v_α‖: the first layer's amplitude on input mode α. */
  readonly first: number[];
  /** second[α] = u_αᵀ W₂ r_α with r_α = W₁v_α/‖W₁v_α‖: the second layer's amplitude on the same hidden direction. */
  readonly second: number[];
  /**
   * √(‖W − Ŵ‖²_F / ‖W‖²_F) over both layers, Ŵ the aligned reconstruction from the amplitudes: 0 when the init
   * is of the decoupled (aligned) form the mode reduction describes exactly, up to 1 when nothing of it is.
   */
  readonly misalignment: number;
  /** Misalignment below 1e-10 and the hidden directions r_α orthonormal: the mode ODEs are exact from this init. */
  readonly exact: boolean;
}

/**
 * Projects a two-layer init onto the task's modes Σʸˣ = U S Vᵀ (research §2(b)): how much of it is the
 * decoupled form W₁ = R diag(first) Vᵀ, W₂ = U diag(second) Rᵀ for which the aligned mode solutions hold.
 */
export function projectOntoTaskModes(w1In: unknown, w2In: unknown, sigmaYX: unknown): TaskProjection {
  const S = readMatrix(sigmaYX, 'sigmaYX');
  const w1 = readMatrix(w1In, 'w1', { cols: S.columns });
  const w2 = readMatrix(w2In, 'w2', { rows: S.rows, cols: w1.rows });
  const { u, s, v } = sortedSvd(S);
  const K = s.filter((x) => x > 1e-12 * (s[0] ?? 0)).length;
  if (K === 0) throw new ValidationError('sigmaYX', 0, 'a task with a non-zero singular value');
  const first: number[] = [];
  const second: number[] = [];
  const w1Hat = new Matrix(w1.rows, w1.columns);
  const w2Hat = new Matrix(w2.rows, w2.columns);
  const frame: number[][] = [];
  for (let a = 0; a < K; a++) {
    const va = v.getColumnVector(a);
    const ua = u.getColumnVector(a);
    const h = w1.mmul(va).getColumn(0);
    const amp = Math.hypot(...h);
    // A mode the first layer does not reach has no hidden direction; its aligned part is zero.
    const r = amp > 0 ? h.map((x) => x / amp) : h.map(() => 0);
    const c = amp > 0 ? ua.transpose().mmul(w2).mmul(Matrix.columnVector(r)).get(0, 0) : 0;
    first.push(amp);
    second.push(c);
    frame.push(r);
    const R = Matrix.columnVector(r);
    w1Hat.add(R.mmul(va.transpose()).mul(amp));
    w2Hat.add(ua.mmul(R.transpose()).mul(c));
  }
  const total = frobenius(w1) ** 2 + frobenius(w2) ** 2;
  const off = frobenius(Matrix.sub(w1, w1Hat)) ** 2 + frobenius(Matrix.sub(w2, w2Hat)) ** 2;
  const misalignment = total > 0 ? Math.sqrt(off / total) : 0;
  let orthonormal = true;
  for (let a = 0; a < K; a++) {
    for (let b = 0; b < K; b++) {
      if (first[a]! === 0 || first[b]! === 0) continue;
      const dot = frame[a]!.reduce((t, x, i) => t + x * frame[b]![i]!, 0);
      if (Math.abs(dot - (a === b ? 1 : 0)) > 1e-10) orthonormal = false;
    }
  }
  return { first, second, misalignment, exact: misalignment < 1e-10 && orthonormal };
}
