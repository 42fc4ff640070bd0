/**
 * Tasks for the full network (DESIGN §2.1): Σ^{yx} = U S Vᵀ and Σ^x, plus the dataset itself for
 * nonlinear training.
 *
 * Convention: a dataset (X: P×n_in rows are samples, Y: P×n_out) with weight c gives
 *     Σ^x = c XᵀX,  Σ^{yx} = c YᵀX,  loss = (c/2) Σ_p ‖y_p − ŷ_p‖²,
 * c = 1/P for a sample average (DESIGN's ⟨·⟩) and c = 1 for a sum. A task posed by singular values is the
 * dataset X = I, Y = Σ^{yxᵀ}, c = 1 (whitened, loss ½‖Σ^{yx} − Ω‖²), and so is the hierarchical dataset:
 * its one-hot items with the summed loss are exactly whitened, with Σ^{yx} = Yᵀ.
 */
import { createRandom } from '../util/random.ts';
import { ValidationError } from '../util/validation.ts';
import { fromRows, identity, mul, orthonormalColumns, thinSvd, transpose, zeros, type Mat } from './matrix.ts';

export interface Dataset {
  /** P×n_in, one sample per row. */
  readonly x: Mat;
  /** P×n_out. */
  readonly y: Mat;
  /** c in Σ^x = c XᵀX, loss (c/2) Σ‖y − ŷ‖². */
  readonly weight: number;
}

export interface Task {
  readonly inputDim: number;
  readonly outputDim: number;
  /** n_out×n_in */
  readonly sigmaYX: Mat;
  /** n_in×n_in */
  readonly sigmaX: Mat;
  /** Σ^x = I to round-off: the reduced model's λ_α are all 1. */
  readonly whitened: boolean;
  /** S_1 ≥ … ≥ S_K > 0 */
  readonly singularValues: number[];
  /** n_out×K */
  readonly u: Mat;
  /** n_in×K */
  readonly v: Mat;
  /** λ_α = v_αᵀ Σ^x v_α, the input variance along each mode. */
  readonly inputVariances: number[];
  readonly dataset: Dataset;
  /** (c/2)‖Y‖²: the loss of the zero network. */
  readonly targetEnergy: number;
}

/** Builds a task from Σ^{yx}, Σ^x and the dataset; U, S, V from a thin SVD of Σ^{yx}. */
function makeTask(sigmaYX: Mat, sigmaX: Mat, dataset: Dataset, basis?: { u: Mat; s: number[]; v: Mat }): Task {
  const { u, s, v } = basis ?? thinSvd(sigmaYX);
  const n = sigmaX.rows;
  let whitened = true;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (Math.abs(sigmaX.data[i * n + j]! - (i === j ? 1 : 0)) > 1e-12) whitened = false;
    }
  }
  const K = s.length;
  const inputVariances: number[] = [];
  for (let a = 0; a < K; a++) {
    let lam = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) lam += v.data[i * K + a]! * sigmaX.data[i * n + j]! * v.data[j * K + a]!;
    inputVariances.push(lam);
  }
  return {
    inputDim: sigmaYX.cols,
    outputDim: sigmaYX.rows,
    sigmaYX,
    sigmaX,
    whitened,
    singularValues: s,
    u,
    v,
    inputVariances,
    dataset,
    targetEnergy: 0.5 * dataset.weight * dataset.y.data.reduce((acc, v) => acc + v * v, 0),
  };
}

export type Basis = 'identity' | 'random';

/**
 * Σ^{yx} = U diag(S) Vᵀ with n_in = n_out = K and U = V = I, or U, V random orthogonal from `seed`.
 * Singular values must be positive and non-increasing (the read-out order is the mode order).
 */
export function singularValueTask(singularValues: readonly number[], basis: Basis = 'identity', seed = 0): Task {
  const K = singularValues.length;
  if (K === 0) throw new ValidationError('task.singularValues', singularValues, 'at least one singular value');
  singularValues.forEach((s, i) => {
    if (!(Number.isFinite(s) && s > 0)) throw new ValidationError(`task.singularValues[${i}]`, s, 'a finite number > 0');
    if (i > 0 && s > singularValues[i - 1]!) {
      throw new ValidationError(`task.singularValues[${i}]`, s, `non-increasing values (≤ ${singularValues[i - 1]})`);
    }
  });
  let u: Mat;
  let v: Mat;
  if (basis === 'identity') {
    u = identity(K);
    v = identity(K);
  } else {
    const random = createRandom(seed);
    u = orthonormalColumns(K, K, random);
    v = orthonormalColumns(K, K, random);
  }
  const us = zeros(K, K);
  for (let i = 0; i < K; i++) for (let a = 0; a < K; a++) us.data[i * K + a] = u.data[i * K + a]! * singularValues[a]!;
  const sigmaYX = mul(us, transpose(v));
  return makeTask(sigmaYX, identity(K), { x: identity(K), y: transpose(sigmaYX), weight: 1 }, {
    u,
    s: [...singularValues],
    v,
  });
}

/**
 * The hierarchical dataset of Saxe et al. / Shi et al.: 8 items, 15 binary features from a three-level binary
 * tree (1 feature shared by all, 2 by halves, 4 by quarters, 8 item-specific). Y is 8×15, rows are items.
 */
export function hierarchicalTargets(): number[][] {
  const rows: number[][] = [];
  for (let item = 0; item < 8; item++) {
    const row = new Array<number>(15).fill(0);
    row[0] = 1;
    row[1 + (item >> 2)] = 1;
    row[3 + (item >> 1)] = 1;
    row[7 + item] = 1;
    rows.push(row);
  }
  return rows;
}

/** One-hot items with the summed loss: whitened, Σ^{yx} = Yᵀ, singular values √15, √7, √3, √3, 1, 1, 1, 1. */
export function hierarchicalTask(): Task {
  const y = fromRows(hierarchicalTargets());
  return makeTask(transpose(y), identity(8), { x: identity(8), y, weight: 1 });
}

export type Reduction = 'mean' | 'sum';

/** A user dataset (rows are samples). `mean` (default) weights the loss by 1/P, `sum` by 1. */
export function datasetTask(x: Mat, y: Mat, reduction: Reduction = 'mean'): Task {
  if (x.rows !== y.rows || x.rows === 0) {
    throw new ValidationError('task.x', `${x.rows} samples`, `as many samples (rows) as task.y has (${y.rows}), at least 1`);
  }
  const weight = reduction === 'mean' ? 1 / x.rows : 1;
  const xt = transpose(x);
  const sigmaX = mul(xt, x);
  const sigmaYX = mul(transpose(y), x);
  for (let i = 0; i < sigmaX.data.length; i++) sigmaX.data[i] *= weight;
  for (let i = 0; i < sigmaYX.data.length; i++) sigmaYX.data[i] *= weight;
  const task = makeTask(sigmaYX, sigmaX, { x, y, weight });
  if (task.singularValues.length === 0) throw new ValidationError('task.y', 'Σ^{yx} = 0', 'a dataset whose input–output covariance is nonzero');
  return task;
}
