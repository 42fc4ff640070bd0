/**
 * The balanced (q, p) model of one mode on its invariant level set: one state per pathway instead of two.
 *
 * Gradient flow conserves c_a = q_a² − p_a² for every pathway (docs/reduced-model.md), so on a solution one of
 * p, q is a function of the other. Which one is kept is chosen per pathway so that the other is recovered by a
 * well-conditioned square root and never crosses zero:
 * - c > 0 (|q| > |p|): keep p, q = σ √(p² + c) with σ = sign q₀ (|q| ≥ √c > 0, so q keeps its sign);
 * - c < 0 (|p| > |q|): keep q, p = σ √(q² − c) with σ = sign p₀ (p never vanishes; q may cross zero);
 * - c = 0 (|p| = |q|): keep q, p = s q with s = sign(p₀ q₀) (the ratio p/q is conserved);
 * - D = 1: K = p, keep p.
 * Halving the state halves the per-step work of an explicit method, and q² − p² is then conserved exactly
 * (to the rounding of c) instead of to the solver tolerance. The right-hand side and Jacobian are written
 * with integer powers by multiplication and allocate nothing.
 *
 * In every case the kept variable x obeys τ dx/dt = g(x) r with r = S − λ Σ_b K_b, so the Jacobian is
 * τ J_ab = δ_ab r g_a'(x_a) − λ g_a K_b'(x_b): diagonal plus rank one.
 */
import type { JacobianFunction, RightHandSide } from '../integrate/types.ts';
import type { ModeParameters } from './model.ts';

/** Which variable of a pathway is the state (see the module comment). */
const DEPTH1 = 0;
const KEEP_P = 1;
const KEEP_Q = 2;
const LINEAR = 3;

export interface HalvedModeModel {
  /** Number of pathways M: one state each. */
  readonly dimension: number;
  /** Initial state (the kept variable of each pathway). */
  readonly y0: Float64Array;
  readonly rhs: RightHandSide;
  readonly jacobian: JacobianFunction;
  /** K_a of every pathway into `out` (length M). */
  strengths(y: ArrayLike<number>, out: Float64Array): Float64Array;
  /** The balanced-form state [p, q] per pathway ([p] for depth 1) into `out`. */
  lift(y: ArrayLike<number>, out: Float64Array): Float64Array;
  /** Dimension of the lifted (balanced-form) state. */
  readonly liftedDimension: number;
}

/** x^n for an integer n ≥ 0 by multiplication (n is a pathway depth, small). */
function ipow(x: number, n: number): number {
  let result = 1;
  let base = x;
  while (n > 0) {
    if (n & 1) result *= base;
    base *= base;
    n >>= 1;
  }
  return result;
}

/**
 * Builds the halved model of one mode from its parameters and its balanced-form initial state
 * ([p, q] per pathway of depth ≥ 2, [p] for depth 1).
 */
export function halvedModeModel(params: ModeParameters, balancedY0: ArrayLike<number>): HalvedModeModel {
  const { depths, singularValue: S, inputVariance: lambda, tau } = params;
  const M = depths.length;
  const invTau = 1 / tau;
  const kind = new Int32Array(M);
  const depth = Int32Array.from(depths);
  /** c for KEEP_P (q² = p² + c), −c for KEEP_Q (p² = q² − c), unused otherwise. */
  const cc = new Float64Array(M);
  /** σ (KEEP_P: sign q; KEEP_Q: sign p) or s (LINEAR: p = s q). */
  const sgn = new Float64Array(M);
  /** Offset of each pathway in the lifted state. */
  const liftOff = new Int32Array(M);
  const y0 = new Float64Array(M);
  let o = 0;
  for (let a = 0; a < M; a++) {
    liftOff[a] = o;
    const p = balancedY0[o]!;
    if (depth[a] === 1) {
      kind[a] = DEPTH1;
      y0[a] = p;
      o += 1;
      continue;
    }
    const q = balancedY0[o + 1]!;
    o += 2;
    const c = q * q - p * p;
    if (c > 0) {
      kind[a] = KEEP_P;
      cc[a] = c;
      sgn[a] = q > 0 ? 1 : -1;
      y0[a] = p;
    } else if (c < 0) {
      kind[a] = KEEP_Q;
      cc[a] = -c;
      sgn[a] = p > 0 ? 1 : -1;
      y0[a] = q;
    } else {
      kind[a] = LINEAR;
      sgn[a] = p * q < 0 ? -1 : 1;
      y0[a] = q;
    }
  }
  const liftedDimension = o;
  // Scratch filled per call: g_a (rate factor), and for the Jacobian g_a' and K_a'.
  const g = new Float64Array(M);
  const dg = new Float64Array(M);
  const dK = new Float64Array(M);

  // The right-hand side and the Jacobian each compute the pathway terms inline: a helper returning Σ K would
  // box that double on every call (a heap allocation per right-hand side) unless V8 happens to inline it.
  const rhs: RightHandSide = (_t, y, dydt) => {
    let total = 0;
    for (let a = 0; a < M; a++) {
      const x = y[a]!;
      const D = depth[a]!;
      const k = kind[a]!;
      if (k === DEPTH1) {
        g[a] = 1;
        total += x;
      } else if (k === KEEP_P) {
        const q = sgn[a]! * Math.sqrt(x * x + cc[a]!);
        const qD1 = ipow(q, D - 1);
        g[a] = qD1;
        total += x * qD1;
      } else if (k === KEEP_Q) {
        const p = sgn[a]! * Math.sqrt(x * x + cc[a]!);
        const qD2 = ipow(x, D - 2);
        g[a] = p * qD2;
        total += p * qD2 * x;
      } else {
        const qD1 = sgn[a]! * ipow(x, D - 1);
        g[a] = qD1;
        total += qD1 * x;
      }
    }
    const rt = (S - lambda * total) * invTau;
    for (let a = 0; a < M; a++) dydt[a] = g[a]! * rt;
  };

  const jacobian: JacobianFunction = (_t, y, jac) => {
    let total = 0;
    for (let a = 0; a < M; a++) {
      const x = y[a]!;
      const D = depth[a]!;
      const k = kind[a]!;
      if (k === DEPTH1) {
        g[a] = 1;
        total += x;
        dg[a] = 0;
        dK[a] = 1;
      } else if (k === KEEP_P) {
        // q = σ√(p² + c), dq/dp = p/q
        const q = sgn[a]! * Math.sqrt(x * x + cc[a]!);
        const qD2 = ipow(q, D - 2);
        const qD1 = qD2 * q;
        const pqD3 = (x * qD2) / q; // p q^{D−3}
        g[a] = qD1;
        total += x * qD1;
        dg[a] = (D - 1) * pqD3;
        dK[a] = qD1 + (D - 1) * x * pqD3;
      } else if (k === KEEP_Q) {
        // p = σ√(q² − c), dp/dq = q/p; d(q^{D−2})/dq = (D−2) q^{D−3} (zero for D = 2)
        const p = sgn[a]! * Math.sqrt(x * x + cc[a]!);
        const qD2 = ipow(x, D - 2);
        const qD1 = qD2 * x;
        g[a] = p * qD2;
        total += p * qD1;
        dg[a] = qD1 / p + (D > 2 ? (D - 2) * p * ipow(x, D - 3) : 0);
        dK[a] = (x * qD1) / p + (D - 1) * p * qD2;
      } else {
        // LINEAR: p = s q, K = s q^D, τ dq/dt = s q^{D−1} r
        const s = sgn[a]!;
        const qD2 = ipow(x, D - 2);
        const qD1 = qD2 * x;
        g[a] = s * qD1;
        total += s * qD1 * x;
        dg[a] = s * (D - 1) * qD2;
        dK[a] = s * D * qD1;
      }
    }
    const rt = (S - lambda * total) * invTau;
    const lt = lambda * invTau;
    for (let a = 0; a < M; a++) {
      const ga = g[a]!;
      for (let b = 0; b < M; b++) jac[a * M + b] = -lt * ga * dK[b]!;
      jac[a * M + a] += rt * dg[a]!;
    }
  };

  const strengths = (y: ArrayLike<number>, out: Float64Array): Float64Array => {
    for (let a = 0; a < M; a++) {
      const x = y[a]!;
      const D = depth[a]!;
      switch (kind[a]) {
        case DEPTH1:
          out[a] = x;
          break;
        case KEEP_P:
          out[a] = x * ipow(sgn[a]! * Math.sqrt(x * x + cc[a]!), D - 1);
          break;
        case KEEP_Q:
          out[a] = sgn[a]! * Math.sqrt(x * x + cc[a]!) * ipow(x, D - 1);
          break;
        default:
          out[a] = sgn[a]! * ipow(x, D);
      }
    }
    return out;
  };

  const lift = (y: ArrayLike<number>, out: Float64Array): Float64Array => {
    for (let a = 0; a < M; a++) {
      const x = y[a]!;
      const lo = liftOff[a]!;
      switch (kind[a]) {
        case DEPTH1:
          out[lo] = x;
          break;
        case KEEP_P:
          out[lo] = x;
          out[lo + 1] = sgn[a]! * Math.sqrt(x * x + cc[a]!);
          break;
        case KEEP_Q:
          out[lo] = sgn[a]! * Math.sqrt(x * x + cc[a]!);
          out[lo + 1] = x;
          break;
        default:
          out[lo] = sgn[a]! * x;
          out[lo + 1] = x;
      }
    }
    return out;
  };

  return { dimension: M, y0, rhs, jacobian, strengths, lift, liftedDimension };
}
