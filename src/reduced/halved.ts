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

/**
 * The rest of a learned mode's motion in closed form, from tStart on. Along the clock u with du/dt = r/τ every
 * pathway moves on its own (dx_a/du = g_a(x_a)) and r(u) is, near the fixed point, r_s − γ (u − u_s) with
 * γ = λ Σ_a K_a' g_a > 0. Hence u − u_s = (r_s/γ)(1 − e^{−γ (t − t_s)/τ}) and x_a = x_a,s + g_a Δu + ½ g_a g_a' Δu².
 * `learnedTail` hands one out only where the terms this leaves out are far below the tolerance.
 */
export interface LearnedTail {
  readonly tStart: number;
  /** The kept variables at t ≥ tStart into `out`. */
  evaluate(t: number, out: Float64Array): Float64Array;
}

/** The neglected terms of the closed-form tail must stay below this fraction of atol + rtol·|x|. */
export const TAIL_SAFETY = 0.1;

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
  /**
   * The closed-form rest of the motion from (t, y) when the mode is learned far enough that its neglected
   * (third-order) terms are below TAIL_SAFETY·(atol + rtol·|x|) for every pathway; otherwise null.
   */
  learnedTail(t: number, y: ArrayLike<number>, rtol: number, atol: number): LearnedTail | null;
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
  // Every per-pathway array of the model is a view of one buffer (one of ints, one of doubles): each separate
  // typed array costs an ArrayBuffer for the garbage collector to track, which dominated small solves.
  const ints = new Int32Array(3 * M);
  const doubles = new Float64Array(13 * M);
  let slot = 0;
  const next = (): Float64Array => doubles.subarray(slot * M, ++slot * M);
  const kind = ints.subarray(0, M);
  const depth = ints.subarray(M, 2 * M);
  depth.set(depths);
  /** c for KEEP_P (q² = p² + c), −c for KEEP_Q (p² = q² − c), unused otherwise. */
  const cc = next();
  /** σ (KEEP_P: sign q; KEEP_Q: sign p) or s (LINEAR: p = s q). */
  const sgn = next();
  /** Offset of each pathway in the lifted state. */
  const liftOff = ints.subarray(2 * M, 3 * M);
  const y0 = next();
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
  const g = next();
  const dg = next();
  const dK = next();

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

  /** Fills gOut, dgOut, dKOut (g_a, g_a', K_a') at y; returns Σ_a K_a. */
  const derivatives = (y: ArrayLike<number>, gOut: Float64Array, dgOut: Float64Array, dKOut: Float64Array): number => {
    const g = gOut;
    const dg = dgOut;
    const dK = dKOut;
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
    return total;
  };

  const jacobian: JacobianFunction = (_t, y, jac) => {
    const rt = (S - lambda * derivatives(y, g, dg, dK)) * invTau;
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

  // Scratch of learnedTail: derivatives at the current and at the predicted end point.
  const g1 = next();
  const dg1 = next();
  const dK1 = next();
  const g2 = next();
  const dg2 = next();
  const dK2 = next();
  const xEnd = next();

  const learnedTail = (tStart: number, y: ArrayLike<number>, rtol: number, atol: number): LearnedTail | null => {
    const rs = S - lambda * derivatives(y, g1, dg1, dK1);
    let gamma = 0;
    for (let a = 0; a < M; a++) gamma += dK1[a]! * g1[a]!;
    gamma *= lambda;
    if (!(gamma > 0 && gamma < Infinity)) return null;
    const du = rs / gamma;
    // Cheap necessary condition first: the rates g_a may change by at most 1% over the remaining clock.
    for (let a = 0; a < M; a++) if (!(Math.abs(dg1[a]! * du) <= 0.01)) return null;
    for (let a = 0; a < M; a++) xEnd[a] = y[a]! + g1[a]! * du + 0.5 * g1[a]! * dg1[a]! * du * du;
    const rEnd = S - lambda * derivatives(xEnd, g2, dg2, dK2);
    let gammaEnd = 0;
    for (let a = 0; a < M; a++) gammaEnd += dK2[a]! * g2[a]!;
    gammaEnd *= lambda;
    // What the closed form leaves out, per pathway: the residual left at the predicted end (the clock runs
    // on by rEnd/γ), the change of the decay rate along the way (the time profile shifts by up to
    // |Δu|·|Δγ|/γ), and the state's curvature beyond second order (the rate's departure from linear).
    const rateTerm = Math.abs(rEnd) / gamma + (Math.abs(du) * Math.abs(gammaEnd - gamma)) / gamma;
    for (let a = 0; a < M; a++) {
      const x = y[a]!;
      const curvature = Math.abs(g2[a]! - g1[a]! - g1[a]! * dg1[a]! * du) * Math.abs(du);
      const neglected = Math.abs(g1[a]!) * rateTerm + curvature;
      if (!(neglected <= TAIL_SAFETY * (atol + rtol * Math.abs(x)))) return null;
    }
    // Start, rate and curvature of the tail: three views of one new buffer.
    const tailBuffer = new Float64Array(3 * M);
    const xs = tailBuffer.subarray(0, M);
    const ga = tailBuffer.subarray(M, 2 * M);
    const half = tailBuffer.subarray(2 * M);
    for (let a = 0; a < M; a++) {
      xs[a] = y[a]!;
      ga[a] = g1[a]!;
      half[a] = 0.5 * g1[a]! * dg1[a]!;
    }
    const rate = gamma * invTau;
    return {
      tStart,
      evaluate(t, out) {
        const u = du * -Math.expm1(-rate * (t - tStart));
        for (let a = 0; a < M; a++) out[a] = xs[a]! + ga[a]! * u + half[a]! * u * u;
        return out;
      },
    };
  };

  return { dimension: M, y0, rhs, jacobian, strengths, lift, liftedDimension, learnedTail };
}
