/**
 * Two-layer linear networks on whitened inputs, solved exactly where a closed form exists and by gradient flow
 * elsewhere (issue 16, the public two-layer contract; docs/rich-lazy.md):
 *
 *   τ dW₁/dt = W₂ᵀE,   τ dW₂/dt = E W₁ᵀ,   E = Σʸˣ − W₂W₁.
 *
 * `exact`: for λ-balanced inits (W₂ᵀW₂ − W₁W₁ᵀ = λI; λ = 0 is the zero-balanced case of Braun et al. 2022,
 * any λ that of Dominé et al. 2025) with n_in = hidden = n_out, P = QQᵀ for Q = [W₁ᵀ; W₂] solves a matrix
 * Riccati equation in closed form (research/companions-sources.md §4a–b; the form used is derived in
 * `exactQQt`). It refuses when the init's projection onto the growing directions is singular (the papers' B,
 * about half of random inits). QQᵀ holds W₁ᵀW₁, W₂W₁ and W₂W₂ᵀ: the product and the tangent kernel, not the
 * weights themselves (their hidden rotation drops out), so the weight change is reported by `flow` only.
 *
 * `flow`: the package's integrators on the equations above (auto method, rtol 1e-10 unless given).
 */
import { Matrix, inverse, solve } from 'ml-matrix';
import { integrate } from '../integrate/index.ts';
import { ValidationError } from '../util/errors.ts';
import type { Outcome } from '../util/status.ts';
import { expectArray, expectNumber, expectOneOf, expectRecord, rejectUnknownKeys } from '../util/validation.ts';
import { readMatrix } from './measures.ts';
import { sortedSvd } from './svd.ts';

export interface TwoLayerSpec {
  /** Σʸˣ, n_out × n_in (whitened inputs, Σˣ = I). */
  readonly sigmaYX: readonly (readonly number[])[];
  readonly init: { readonly W1: readonly (readonly number[])[]; readonly W2: readonly (readonly number[])[] };
  readonly tau?: number;
  readonly times: readonly number[];
  readonly solver?: 'exact' | 'flow';
}

export interface TwoLayerResult {
  readonly status: Outcome;
  readonly message?: string;
  readonly solver: 'exact' | 'flow';
  readonly times: number[];
  /** λ of a λ-balanced init (W₂ᵀW₂ − W₁W₁ᵀ = λI), null when the init is not balanced. */
  readonly lambda: number | null;
  /** W₂W₁ at each time. */
  readonly product: number[][][];
  /** KA(K(0), K(t)), K = I_out ⊗ W₁ᵀW₁ + W₂W₂ᵀ ⊗ I_in. */
  readonly kernelAlignment: number[];
  /** ½‖Σʸˣ − W₂W₁‖²_F. */
  readonly loss: number[];
  /** ‖W(t) − W(0)‖_F over both layers (`flow` only: QQᵀ does not determine the weights). */
  readonly weightChange?: number[];
}

interface Parsed {
  readonly S: Matrix;
  readonly W1: Matrix;
  readonly W2: Matrix;
  readonly tau: number;
  readonly times: number[];
  readonly solver: 'exact' | 'flow';
}

const MAX_DIM = 512;

function parseSpec(input: unknown): Parsed {
  const o = expectRecord(input, 'spec', '{ sigmaYX, init: { W1, W2 }, tau?, times, solver? }');
  rejectUnknownKeys(o, ['sigmaYX', 'init', 'tau', 'times', 'solver'], '');
  const S = readMatrix(o['sigmaYX'], 'sigmaYX');
  if (S.rows > MAX_DIM || S.columns > MAX_DIM) throw new ValidationError('sigmaYX', `${S.rows}×${S.columns}`, `at most ${MAX_DIM}×${MAX_DIM}`);
  const init = expectRecord(o['init'], 'init', '{ W1: hidden × n_in, W2: n_out × hidden }');
  rejectUnknownKeys(init, ['W1', 'W2'], 'init');
  const W1 = readMatrix(init['W1'], 'init.W1', { cols: S.columns });
  if (W1.rows > MAX_DIM) throw new ValidationError('init.W1', `${W1.rows} rows`, `a hidden width of at most ${MAX_DIM}`);
  const W2 = readMatrix(init['W2'], 'init.W2', { rows: S.rows, cols: W1.rows });
  const tau = o['tau'] === undefined ? 1 : expectNumber(o['tau'], 'tau', { exclusiveMin: 0, max: 1e100 });
  const times = expectArray(o['times'], 'times').map((t, i) => expectNumber(t, `times[${i}]`, { min: 0, max: 1e100 }));
  if (times.length === 0) throw new ValidationError('times', o['times'], 'at least one time');
  if (times.length > 100_000) throw new ValidationError('times', `${times.length} times`, 'at most 100000 output times');
  times.forEach((t, i) => {
    if (i > 0 && !(t > times[i - 1]!)) throw new ValidationError(`times[${i}]`, t, `increasing times (> ${times[i - 1]})`);
  });
  // The result holds n_out·n_in numbers per time: bounded like every other result of the package.
  if (times.length * S.rows * S.columns > 10_000_000) {
    throw new ValidationError('times', `${times.length} times`, `at most ${Math.floor(10_000_000 / (S.rows * S.columns))} times for a ${S.rows}×${S.columns} task (10⁷ numbers in the result)`);
  }
  const solver = o['solver'] === undefined ? 'exact' : expectOneOf(o['solver'], 'solver', ['exact', 'flow'] as const);
  return { S, W1, W2, tau, times, solver };
}

function frob2(m: Matrix): number {
  return m.to1DArray().reduce((s, x) => s + x * x, 0);
}

/** λ when W₂ᵀW₂ − W₁W₁ᵀ = λI to 1e-10 of the layers' scale, else null. */
export function balance(W1: Matrix, W2: Matrix): number | null {
  const D = W2.transpose().mmul(W2).sub(W1.mmul(W1.transpose()));
  const h = D.rows;
  const lambda = D.trace() / h;
  const scale = Math.max(1, frob2(W1) + frob2(W2)) / Math.sqrt(h);
  for (let i = 0; i < h; i++) for (let j = 0; j < h; j++) if (Math.abs(D.get(i, j) - (i === j ? lambda : 0)) > 1e-10 * scale) return null;
  return lambda;
}

/** Frobenius inner product of the kernels I_out ⊗ A_a + B_a ⊗ I_in and I_out ⊗ A_b + B_b ⊗ I_in (A, B symmetric). */
function kernelDot(a: { A: Matrix; B: Matrix }, b: { A: Matrix; B: Matrix }): number {
  const nIn = a.A.rows;
  const nOut = a.B.rows;
  let tAA = 0;
  let tBB = 0;
  for (let i = 0; i < nIn; i++) for (let j = 0; j < nIn; j++) tAA += a.A.get(i, j) * b.A.get(i, j);
  for (let i = 0; i < nOut; i++) for (let j = 0; j < nOut; j++) tBB += a.B.get(i, j) * b.B.get(i, j);
  // ⟨I⊗A, B⊗I⟩ = tr A · tr B for symmetric blocks.
  return nOut * tAA + nIn * tBB + a.B.trace() * b.A.trace() + a.A.trace() * b.B.trace();
}

/** KA from the blocks W₁ᵀW₁ (A) and W₂W₂ᵀ (B) of two times, without forming the (n_out·n_in)² kernel. */
function kernelAlignmentOf(k0: { A: Matrix; B: Matrix }, k1: { A: Matrix; B: Matrix }): number {
  const c = kernelDot(k0, k1) / Math.sqrt(kernelDot(k0, k0) * kernelDot(k1, k1));
  return Math.min(1, c);
}

const diag = (v: readonly number[]): Matrix => Matrix.diag([...v]);

/**
 * The exact solution's QQᵀ(t) as a function of t (throws ValidationError naming what the init lacks).
 *
 * Derived here (and checked against the flow by the tests): P = QQᵀ obeys τ dP/dt = FP + PF − P² with
 * F = [[−λ/2 I, Σʸˣᵀ], [Σʸˣ, λ/2 I]], whose solution is P(t) = e^{Ft}Q₀[I + Q₀ᵀG(t)Q₀]⁻¹Q₀ᵀe^{Ft},
 * G(t) = ∫₀ᵗ e^{2Fs} ds. F = O diag(Ω, −Ω) Oᵀ, each mode's pair (ṽᵢ, ũᵢ) rotated by its 2×2 block, with
 * Ω = √(S̃² + λ²/4). In that basis Q₀ = [Q₊; Q₋]; with Γ = Q₋Q₊⁻¹, E = e^{−Ωt/τ}, f = (1 − E²)/(2Ω):
 *   OᵀP O = Y Ñ⁻¹ Yᵀ,   Y = [I; EΓE],   Ñ = E(Q₊Q₊ᵀ)⁻¹E + diag(f) + EΓᵀdiag(f)ΓE,
 * every term bounded for all t (the growing e^{Ωt} of the naive form cancels analytically). Q₊ must be
 * invertible: this is the condition on B of the papers' form, false for about half of random inits.
 */
function exactQQt(p: Parsed, lambda: number): (t: number) => Matrix {
  const n = p.S.rows;
  const task = sortedSvd(p.S);
  const sT = task.s;
  if (!(sT[n - 1]! > 1e-12 * sT[0]!)) throw new ValidationError('sigmaYX', `singular values ${sT.map((x) => x.toPrecision(3)).join(', ')}`, 'a full-rank task for solver "exact" (use "flow")');
  const half = lambda / 2;
  const omega = sT.map((s) => Math.sqrt(s * s + half * half));
  // Eigenvectors of [[−λ/2, s], [s, λ/2]]: (s, Ω + λ/2) for +Ω and (Ω + λ/2, −s) for −Ω, normalised;
  // Ω + λ/2 = s²/(Ω − λ/2) for λ < 0, where the sum would cancel.
  const O = new Matrix(2 * n, 2 * n);
  sT.forEach((s, i) => {
    const w = omega[i]!;
    const b = half >= 0 ? w + half : (s * s) / (w - half);
    const norm = Math.hypot(s, b);
    const [alpha, beta] = [s / norm, b / norm];
    for (let r = 0; r < n; r++) {
      O.set(r, i, alpha * task.v.get(r, i));
      O.set(n + r, i, beta * task.u.get(r, i));
      O.set(r, n + i, beta * task.v.get(r, i));
      O.set(n + r, n + i, -alpha * task.u.get(r, i));
    }
  });
  const Q0 = new Matrix(2 * n, n);
  Q0.setSubMatrix(p.W1.transpose(), 0, 0);
  Q0.setSubMatrix(p.W2, n, 0);
  const hat = O.transpose().mmul(Q0);
  const Qp = hat.subMatrix(0, n - 1, 0, n - 1);
  const Qm = hat.subMatrix(n, 2 * n - 1, 0, n - 1);
  const sv = sortedSvd(Qp).s;
  if (!(sv[n - 1]! > 1e-8 * Math.max(sv[0]!, 1e-300))) {
    throw new ValidationError(
      'init',
      `the init's component along F's growing directions has condition ${(sv[0]! / sv[n - 1]!).toExponential(2)}`,
      'an init whose projection Q₊ onto the growing eigendirections of F is invertible, for solver "exact" (the papers\' B; singular for about half of random inits, e.g. det(UᵀŨṼᵀV) = −1 at λ = 0; use solver "flow")',
    );
  }
  const QpInv = inverse(Qp);
  const gamma = Qm.mmul(QpInv);
  const G = QpInv.transpose().mmul(QpInv); // (Q₊Q₊ᵀ)⁻¹
  return (t: number): Matrix => {
    const e = omega.map((w) => Math.exp((-w * t) / p.tau));
    const f = omega.map((w) => -Math.expm1((-2 * w * t) / p.tau) / (2 * w));
    const E = diag(e);
    const EgE = E.mmul(gamma).mmul(E);
    const N = E.mmul(G).mmul(E).add(diag(f)).add(E.mmul(gamma.transpose()).mmul(diag(f)).mmul(gamma).mmul(E));
    const Y = new Matrix(2 * n, n);
    Y.setSubMatrix(Matrix.eye(n), 0, 0);
    Y.setSubMatrix(EgE, n, 0);
    // Y Ñ⁻¹ Yᵀ by a solve (Ñ is symmetric positive definite), then back from F's eigenbasis.
    const inner = Y.mmul(solve(N, Y.transpose()));
    return O.mmul(inner).mmul(O.transpose());
  };
}

/** Solves the two-layer contract; bad input is a ValidationError naming the field. */
export function solveTwoLayer(input: unknown): TwoLayerResult {
  const p = parseSpec(input);
  const nIn = p.S.columns;
  const nOut = p.S.rows;
  const h = p.W1.rows;
  const lambda = balance(p.W1, p.W2);
  const product: number[][][] = [];
  const kernelAlignment: number[] = [];
  const loss: number[] = [];
  const k0 = { A: p.W1.transpose().mmul(p.W1), B: p.W2.mmul(p.W2.transpose()) };
  const record = (A: Matrix, P: Matrix, Bk: Matrix): boolean => {
    const values = P.to1DArray();
    if (!values.every(Number.isFinite)) return false;
    product.push(P.to2DArray());
    kernelAlignment.push(kernelAlignmentOf(k0, { A, B: Bk }));
    loss.push(0.5 * frob2(Matrix.sub(p.S, P)));
    return Number.isFinite(loss[loss.length - 1]!);
  };
  if (p.solver === 'exact') {
    if (lambda === null) throw new ValidationError('init', 'W₂ᵀW₂ − W₁W₁ᵀ not a multiple of I', 'a λ-balanced init (W₂ᵀW₂ − W₁W₁ᵀ = λI to 1e-10) for solver "exact" (use "flow")');
    if (!(nIn === h && h === nOut)) {
      throw new ValidationError('init', `n_in = ${nIn}, hidden = ${h}, n_out = ${nOut}`, 'equal sizes for solver "exact" (the unequal-size formula is not verified; use "flow")');
    }
    const qqt = exactQQt(p, lambda);
    for (const t of p.times) {
      const Q = qqt(t);
      const A = Q.subMatrix(0, nIn - 1, 0, nIn - 1);
      const P = Q.subMatrix(nIn, nIn + nOut - 1, 0, nIn - 1);
      const Bk = Q.subMatrix(nIn, nIn + nOut - 1, nIn, nIn + nOut - 1);
      if (!record(A, P, Bk)) {
        return { status: 'failed', message: `the closed form is not finite at t = ${t}`, solver: 'exact', times: p.times.slice(0, product.length), lambda, product, kernelAlignment, loss };
      }
    }
    return { status: 'ok', solver: 'exact', times: [...p.times], lambda, product, kernelAlignment, loss };
  }
  // Gradient flow: θ = [W₁ (h×n_in), W₂ (n_out×h)] row-major.
  const n1 = h * nIn;
  const dim = n1 + nOut * h;
  const y0 = new Float64Array(dim);
  y0.set(p.W1.to1DArray(), 0);
  y0.set(p.W2.to1DArray(), n1);
  const S = p.S.to1DArray();
  const E = new Float64Array(nOut * nIn);
  const rhs = (_t: number, y: Float64Array, dy: Float64Array): void => {
    for (let i = 0; i < nOut; i++) {
      for (let j = 0; j < nIn; j++) {
        let s = 0;
        for (let k = 0; k < h; k++) s += y[n1 + i * h + k]! * y[k * nIn + j]!;
        E[i * nIn + j] = S[i * nIn + j]! - s;
      }
    }
    for (let k = 0; k < h; k++) {
      for (let j = 0; j < nIn; j++) {
        let s = 0;
        for (let i = 0; i < nOut; i++) s += y[n1 + i * h + k]! * E[i * nIn + j]!;
        dy[k * nIn + j] = s / p.tau;
      }
    }
    for (let i = 0; i < nOut; i++) {
      for (let k = 0; k < h; k++) {
        let s = 0;
        for (let j = 0; j < nIn; j++) s += E[i * nIn + j]! * y[k * nIn + j]!;
        dy[n1 + i * h + k] = s / p.tau;
      }
    }
  };
  const weightChange: number[] = [];
  const take = (y: ArrayLike<number>): boolean => {
    const W1 = Matrix.from1DArray(h, nIn, Array.from({ length: n1 }, (_, i) => y[i]!));
    const W2 = Matrix.from1DArray(nOut, h, Array.from({ length: nOut * h }, (_, i) => y[n1 + i]!));
    let change = 0;
    for (let i = 0; i < dim; i++) change += (y[i]! - y0[i]!) ** 2;
    weightChange.push(Math.sqrt(change));
    return record(W1.transpose().mmul(W1), W2.mmul(W1), W2.mmul(W2.transpose()));
  };
  const tEnd = p.times[p.times.length - 1]!;
  const failed = (message: string): TwoLayerResult => ({ status: 'failed', message, solver: 'flow', times: p.times.slice(0, product.length), lambda, product, kernelAlignment, loss, weightChange: weightChange.slice(0, product.length) });
  if (!(tEnd > 0)) {
    for (const _ of p.times) take(y0);
    return { status: 'ok', solver: 'flow', times: [...p.times], lambda, product, kernelAlignment, loss, weightChange };
  }
  let bad = false;
  const sol = integrate(
    { dimension: dim, autonomous: true, rhs, t0: 0, y0, tEnd },
    {
      rtol: 1e-10,
      atol: 1e-12,
      maxSteps: 200_000,
      denseOutput: false,
      outputTimes: p.times,
      onOutput: (_k, _t, y) => {
        if (!bad && !take(y)) bad = true;
      },
    },
    'dopri5',
  );
  if (bad) return failed('the flow left double precision (a weight or the loss is not finite)');
  if (sol.status !== 'ok') return failed(`gradient flow stopped at t = ${sol.tReached}: ${sol.message}`);
  return { status: 'ok', solver: 'flow', times: [...p.times], lambda, product, kernelAlignment, loss, weightChange };
}
