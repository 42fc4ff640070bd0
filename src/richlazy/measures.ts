/**
 * Measures of rich and lazy learning (Liu et al., ICLR 2024; research/other-seeds.md §2, companions-sources.md
 * §2 and §4): how far the weights moved, how much the tangent kernel and the representation turned, and how
 * spread a matrix's spectrum is. Pure functions of row-major nested arrays (`number[][]`, rows first), each
 * validating its input and naming the argument it refuses.
 *
 * Conventions (each is one of several in the literature; the choice is the authors' code's where it exists):
 * - kernel alignment KA(K₀, K₁) = ⟨K₀, K₁⟩_F / (‖K₀‖_F ‖K₁‖_F), the Frobenius cosine of
 *   `Helena-Yuhan-Liu/BioRNN_RichLazy`; kernel distance 1 − KA (Braun, Dominé et al.'s code).
 * - weight change ‖W_f − W₀‖_F, summed in squares over the layers given; relative: over ‖W₀‖_F.
 * - effective rank three ways: `eigenvalue` Σ|λ_i| / (|λ_1| N) of a square matrix (what Liu et al. are quoted using
 *   for their spectra, in (0, 1]), `entropy` exp(−Σ p_i ln p_i) with p_i = σ_i/Σσ_j (Roy & Vetterli), and
 *   `participation` (Σσ_i²)² / Σσ_i⁴.
 * - kernel–target alignment yᵀKy / (‖K‖_F |y|²) (`frobenius`, as Bordelon & Pehlevan's A(K, yyᵀ)) or
 *   yᵀKy / (tr K |y|²) (`trace`, the reviewer's form).
 */
import { EigenvalueDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { ComputationError, ValidationError } from '../util/errors.ts';
import { expectArray, expectNumber, expectOneOf, expectRecord } from '../util/validation.ts';

/** A matrix as row-major nested arrays: m[i][j] is row i, column j. */
export type MatrixRows = readonly (readonly number[])[];

/** Reads a finite rectangular matrix, naming `field` (and the entry) when it is not one. */
export function readMatrix(value: unknown, field: string, shape?: { rows?: number; cols?: number }): Matrix {
  // An ml-matrix Matrix (as a notebook holds) is read through its rows, validated like any other input.
  if (isMlMatrix(value)) value = (value as Matrix).to2DArray();
  const rows = expectArray(value, field, shape?.rows, shape?.rows === undefined ? 'a non-empty array of rows' : `${shape.rows} rows`);
  if (rows.length === 0) throw new ValidationError(field, value, 'a non-empty array of rows');
  let cols = shape?.cols;
  const data = rows.map((row, i) => {
    const r = expectArray(row, `${field}[${i}]`, cols, cols === undefined ? 'a non-empty row of numbers' : `${cols} numbers (the rows' length)`);
    if (r.length === 0) throw new ValidationError(`${field}[${i}]`, row, 'a non-empty row of numbers');
    cols ??= r.length;
    return r.map((x, j) => expectNumber(x, `${field}[${i}][${j}]`));
  });
  return new Matrix(data);
}

/** Matrix.isMatrix reads a property of the value, which a hostile object's getter may throw from. */
function isMlMatrix(value: unknown): boolean {
  try {
    return Matrix.isMatrix(value);
  } catch {
    return false;
  }
}

function maxAbs(m: Matrix): number {
  let top = 0;
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.columns; j++) top = Math.max(top, Math.abs(m.get(i, j)));
  return top;
}

/** m / max|m_ij| (m itself when zero): the measures below are scale-free, and squares of 1e±160 leave range. */
function unitScaled(m: Matrix): Matrix {
  const top = maxAbs(m);
  return top > 0 ? m.clone().div(top) : m;
}

/** ‖m‖_F in units of the largest entry, so that entries near 1e±200 neither overflow nor underflow. */
function frobenius(m: Matrix): number {
  const top = maxAbs(m);
  if (top === 0) return 0;
  let s = 0;
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.columns; j++) s += (m.get(i, j) / top) ** 2;
  return top * Math.sqrt(s);
}

/** A measure whose true value is beyond a double (it would read Infinity) fails, naming the measure. */
function finiteMeasure(value: number, measure: string): number {
  if (!Number.isFinite(value)) throw new ComputationError(`the value exceeds the largest double (${Number.MAX_VALUE.toExponential(3)})`, measure);
  return value;
}

function frobeniusDot(a: Matrix, b: Matrix): number {
  let s = 0;
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.columns; j++) s += a.get(i, j) * b.get(i, j);
  return s;
}

/** ⟨a, b⟩_F / (‖a‖_F ‖b‖_F), refusing a zero matrix (its direction is undefined). */
function cosine(a: Matrix, b: Matrix, names: readonly [string, string]): number {
  a = unitScaled(a);
  b = unitScaled(b);
  const na = frobenius(a);
  const nb = frobenius(b);
  if (!(na > 0)) throw new ValidationError(names[0], 0, 'a matrix that is not zero (‖·‖_F = 0: no direction to compare)');
  if (!(nb > 0)) throw new ValidationError(names[1], 0, 'a matrix that is not zero (‖·‖_F = 0: no direction to compare)');
  // Scaled first: the products of entries near 1e±200 would overflow or underflow.
  const c = frobeniusDot(a.clone().div(na), b.clone().div(nb));
  return Math.max(-1, Math.min(1, c));
}

/** KA(K₀, K₁) = ⟨K₀, K₁⟩_F / (‖K₀‖_F ‖K₁‖_F): 1 when the kernel kept its shape (lazy). */
export function kernelAlignment(k0: unknown, k1: unknown): number {
  const a = readMatrix(k0, 'k0');
  const b = readMatrix(k1, 'k1', { rows: a.rows, cols: a.columns });
  return cosine(a, b, ['k0', 'k1']);
}

/** 1 − KA(K₀, K₁). */
export function kernelDistance(k0: unknown, k1: unknown): number {
  return 1 - kernelAlignment(k0, k1);
}

/** H Hᵀ of activities H (samples × units), up to a positive factor (the alignment is scale-free). */
function gram(h: Matrix): Matrix {
  const u = unitScaled(h);
  return u.mmul(u.transpose());
}

/** KA of the representation kernels H₀H₀ᵀ and H₁H₁ᵀ (H: samples × units, the same samples). */
export function representationAlignment(h0: unknown, h1: unknown): number {
  const a = readMatrix(h0, 'h0');
  const b = readMatrix(h1, 'h1', { rows: a.rows });
  return cosine(gram(a), gram(b), ['h0', 'h1']);
}

/** Fraction of activities whose sign (−, 0, +) is unchanged between H₀ and H₁ (same shape). */
export function signSimilarity(h0: unknown, h1: unknown): number {
  const a = readMatrix(h0, 'h0');
  const b = readMatrix(h1, 'h1', { rows: a.rows, cols: a.columns });
  let same = 0;
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.columns; j++) if (Math.sign(a.get(i, j)) === Math.sign(b.get(i, j))) same++;
  return same / (a.rows * a.columns);
}

/** The layers of a weight-change argument: one matrix, or a list of matrices (all layers of a network). */
function readLayers(value: unknown, field: string): Matrix[] {
  if (isMlMatrix(value)) return [readMatrix(value, field)];
  const list = expectArray(value, field);
  const isOne = list.length > 0 && list.every((r) => Array.isArray(r) && (r as unknown[]).every((x) => typeof x === 'number'));
  return isOne ? [readMatrix(value, field)] : list.map((m, i) => readMatrix(m, `${field}[${i}]`));
}

/**
 * ‖W_f − W₀‖_F (over several layers: the square root of the summed squares); `relative`: divided by ‖W₀‖_F.
 * Either argument is one matrix or a list of layer matrices of matching shapes.
 */
export function weightChange(w0: unknown, w1: unknown, options: { readonly relative?: boolean } = {}): number {
  const a = readLayers(w0, 'w0');
  const b = readLayers(w1, 'w1');
  if (b.length !== a.length) throw new ValidationError('w1', w1, `${a.length} layer(s), as w0`);
  // Per-layer norms combined by hypot, and the difference of halves: no square or difference of finite
  // weights leaves the range of doubles on the way.
  const halfChanges: number[] = [];
  const starts: number[] = [];
  a.forEach((m, l) => {
    const f = b[l]!;
    if (f.rows !== m.rows || f.columns !== m.columns) {
      throw new ValidationError(a.length === 1 ? 'w1' : `w1[${l}]`, `${f.rows}×${f.columns}`, `${m.rows}×${m.columns}, the shape of w0${a.length === 1 ? '' : `[${l}]`}`);
    }
    halfChanges.push(frobenius(Matrix.sub(f.clone().div(2), m.clone().div(2))));
    starts.push(frobenius(m));
  });
  const halfChange = Math.hypot(...halfChanges);
  if (options.relative !== true) return finiteMeasure(2 * halfChange, 'weightChange');
  const start = Math.hypot(...starts);
  if (!(start > 0)) throw new ValidationError('w0', 0, 'weights that are not all zero (a relative change divides by ‖W₀‖_F)');
  return finiteMeasure(2 * (halfChange / start), 'relative weightChange');
}

export type EffectiveRankMethod = 'eigenvalue' | 'entropy' | 'participation';

/** Singular values of a matrix, largest first. */
export function singularValues(m: unknown): number[] {
  const a = readMatrix(m, 'matrix');
  // Decomposed in units of the largest entry (the decomposition squares entries on the way), then scaled back.
  const top = maxAbs(a);
  if (top === 0) return new Array<number>(Math.min(a.rows, a.columns)).fill(0);
  const sv = new SingularValueDecomposition(a.clone().div(top), { computeLeftSingularVectors: false, computeRightSingularVectors: false }).diagonal;
  return sv.map((x) => finiteMeasure(x * top, 'singularValues'));
}

/**
 * Effective rank (see the module comment): `entropy` (default) and `participation` from the singular values,
 * in [1, min(rows, cols)]; `eigenvalue` Σ|λ_i| / (|λ_1| N) from the eigenvalues of a square N×N matrix, in (0, 1].
 */
export function effectiveRank(m: unknown, method: EffectiveRankMethod = 'entropy'): number {
  const kind = expectOneOf(method, 'method', ['eigenvalue', 'entropy', 'participation'] as const);
  // Scale-free: decomposed in units of the largest entry, whose squares stay in range.
  const a = unitScaled(readMatrix(m, 'matrix'));
  if (kind === 'eigenvalue') {
    if (a.rows !== a.columns) throw new ValidationError('matrix', `${a.rows}×${a.columns}`, 'a square matrix (eigenvalues)');
    const e = new EigenvalueDecomposition(a);
    const mods = e.realEigenvalues.map((re, i) => Math.hypot(re, e.imaginaryEigenvalues[i]!));
    const top = Math.max(...mods);
    if (!(top > 0)) throw new ValidationError('matrix', 0, 'a matrix with a non-zero eigenvalue');
    return mods.reduce((s, x) => s + x / top, 0) / a.rows;
  }
  const sv = new SingularValueDecomposition(a, { computeLeftSingularVectors: false, computeRightSingularVectors: false }).diagonal;
  const top = sv[0] ?? 0;
  if (!(top > 0)) throw new ValidationError('matrix', 0, 'a matrix that is not zero');
  // In units of the largest: the sums stay in range for any finite entries.
  const s = sv.map((x) => x / top);
  if (kind === 'participation') {
    const s2 = s.reduce((t, x) => t + x * x, 0);
    const s4 = s.reduce((t, x) => t + x ** 4, 0);
    return (s2 * s2) / s4;
  }
  const total = s.reduce((t, x) => t + x, 0);
  const h = s.reduce((t, x) => (x > 0 ? t - (x / total) * Math.log(x / total) : t), 0);
  return Math.exp(h);
}

/**
 * The tangent kernel of a two-layer linear network f(x) = W₂W₁x on inputs X (n_in × P, one column per sample;
 * default I, the whitened directions): K = I_out ⊗ XᵀW₁ᵀW₁X + W₂W₂ᵀ ⊗ XᵀX, of size (n_out·P)², indexed
 * (output i, sample p) → i·P + p. The first term is the read-out layer's Jacobian, the second the first layer's.
 */
export function linearNtk(w1: unknown, w2: unknown, x?: unknown): number[][] {
  const a = readMatrix(w1, 'w1');
  const b = readMatrix(w2, 'w2', { cols: a.rows });
  const X = x === undefined ? Matrix.eye(a.columns) : readMatrix(x, 'x', { rows: a.columns });
  const hidden = a.mmul(X); // h × P
  const inner = hidden.transpose().mmul(hidden); // XᵀW₁ᵀW₁X
  const xx = X.transpose().mmul(X);
  const out = b.mmul(b.transpose()); // W₂W₂ᵀ
  const nOut = b.rows;
  const P = X.columns;
  const k: number[][] = [];
  for (let i = 0; i < nOut; i++) {
    for (let p = 0; p < P; p++) {
      const row = new Array<number>(nOut * P);
      for (let j = 0; j < nOut; j++) {
        for (let q = 0; q < P; q++) row[j * P + q] = (i === j ? inner.get(p, q) : 0) + out.get(i, j) * xx.get(p, q);
      }
      k.push(row);
    }
  }
  return k;
}

/** First- and second-layer amplitudes of an aligned two-layer network, one per mode (W₁ = R diag(first) Vᵀ, W₂ = U diag(second) Rᵀ). */
export interface ModeAmplitudes {
  readonly first: readonly number[];
  readonly second: readonly number[];
}

/**
 * KA between the tangent kernels of two aligned two-layer networks on whitened inputs, from their mode
 * amplitudes alone: with W₁ = R diag(first) Vᵀ and W₂ = U diag(second) Rᵀ the kernel is diagonal in the task's
 * mode basis with entries second_i² + first_j² (output mode i, input mode j; amplitudes beyond the given ones
 * are 0), so no network is needed. `nIn`, `nOut`: the input and output dimensions.
 */
export function modeKernelAlignment(start: ModeAmplitudes, end: ModeAmplitudes, nIn: number, nOut: number): number {
  const dIn = expectNumber(nIn, 'nIn', { integer: true, min: 1 });
  const dOut = expectNumber(nOut, 'nOut', { integer: true, min: 1 });
  const amps = (v: unknown, field: string, n: number): number[] => {
    const list = expectArray(v, field).map((x, i) => expectNumber(x, `${field}[${i}]`));
    if (list.length > n) throw new ValidationError(field, v, `at most ${n} amplitudes`);
    return Array.from({ length: n }, (_, i) => list[i] ?? 0);
  };
  const s = expectRecord(start, 'start', '{ first: [...], second: [...] }');
  const e = expectRecord(end, 'end', '{ first: [...], second: [...] }');
  const a0 = amps(s['first'], 'start.first', dIn);
  const c0 = amps(s['second'], 'start.second', dOut);
  const a1 = amps(e['first'], 'end.first', dIn);
  const c1 = amps(e['second'], 'end.second', dOut);
  let dot = 0;
  let n0 = 0;
  let n1 = 0;
  for (let i = 0; i < dOut; i++) {
    for (let j = 0; j < dIn; j++) {
      const k0 = c0[i]! ** 2 + a0[j]! ** 2;
      const k1 = c1[i]! ** 2 + a1[j]! ** 2;
      dot += k0 * k1;
      n0 += k0 * k0;
      n1 += k1 * k1;
    }
  }
  if (!(n0 > 0)) throw new ValidationError('start', start, 'amplitudes that are not all zero');
  if (!(n1 > 0)) throw new ValidationError('end', end, 'amplitudes that are not all zero');
  return Math.min(1, dot / Math.sqrt(n0 * n1));
}

/** yᵀKy / (‖K‖_F |y|²) (`frobenius`, default) or yᵀKy / (tr K |y|²) (`trace`). */
export function kernelTargetAlignment(k: unknown, y: unknown, norm: 'frobenius' | 'trace' = 'frobenius'): number {
  const which = expectOneOf(norm, 'norm', ['frobenius', 'trace'] as const);
  const K = readMatrix(k, 'k');
  if (K.rows !== K.columns) throw new ValidationError('k', `${K.rows}×${K.columns}`, 'a square kernel matrix');
  const v = expectArray(y, 'y', K.rows, `${K.rows} targets (one per kernel row)`).map((x, i) => expectNumber(x, `y[${i}]`));
  const y2 = v.reduce((s, x) => s + x * x, 0);
  if (!(y2 > 0)) throw new ValidationError('y', y, 'a target that is not zero');
  let quad = 0;
  for (let i = 0; i < K.rows; i++) for (let j = 0; j < K.columns; j++) quad += v[i]! * K.get(i, j) * v[j]!;
  const scale = which === 'frobenius' ? frobenius(K) : K.trace();
  if (!(Math.abs(scale) > 0)) throw new ValidationError('k', 0, which === 'frobenius' ? 'a kernel that is not zero' : 'a kernel with non-zero trace');
  return quad / (scale * y2);
}
