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
 *
 * Built once per mode and solve, so it is written to allocate little: one class instance over one buffer of
 * doubles and one of ints (index arithmetic, no per-pathway arrays or views), its functions bound once. Under
 * tsx every closure is also renamed at creation (esbuild's keepNames), which showed in profiles.
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
  /**
   * After a learnedTail call: max_a |g_a'·Δu| over the remaining clock Δu = r/γ (∞ if γ was not positive).
   * The tail needs it ≤ 0.01; callers checking every step can skip a few checks while it is far above.
   */
  readonly tailDistance: number;
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

// Layout of the int buffer (× M): kind, depth, offset in the lifted state.
const I_KIND = 0;
const I_DEPTH = 1;
const I_LIFT = 2;
const INT_SLOTS = 3;
// Layout of the double buffer (× M): c (or −c), σ / s, then scratch g, g', K' for the right-hand side and
// Jacobian, the same twice more for learnedTail (at the current and the predicted end point), and that end point.
const W_C = 0;
const W_SGN = 1;
const W_G = 2;
const W_DG = 3;
const W_DK = 4;
const W_G1 = 5;
const W_DG1 = 6;
const W_DK1 = 7;
const W_G2 = 8;
const W_DG2 = 9;
const W_DK2 = 10;
const W_XEND = 11;
const DOUBLE_SLOTS = 12;

/** The closed-form tail handed out by learnedTail: start, per-pathway rate g_a and ½ g_a g_a', all in one buffer. */
class ClosedFormTail implements LearnedTail {
  readonly tStart: number;
  private readonly M: number;
  /** [x_s (M), g_a (M), ½ g_a g_a' (M)] */
  private readonly coef: Float64Array;
  private readonly du: number;
  private readonly rate: number;

  constructor(tStart: number, M: number, coef: Float64Array, du: number, rate: number) {
    this.tStart = tStart;
    this.M = M;
    this.coef = coef;
    this.du = du;
    this.rate = rate;
  }

  evaluate(t: number, out: Float64Array): Float64Array {
    const M = this.M;
    const c = this.coef;
    const u = this.du * -Math.expm1(-this.rate * (t - this.tStart));
    for (let a = 0; a < M; a++) out[a] = c[a]! + c[M + a]! * u + c[2 * M + a]! * u * u;
    return out;
  }
}

class HalvedMode implements HalvedModeModel {
  readonly dimension: number;
  readonly y0: Float64Array;
  readonly liftedDimension: number;
  readonly rhs: RightHandSide;
  readonly jacobian: JacobianFunction;
  readonly strengths: (y: ArrayLike<number>, out: Float64Array) => Float64Array;
  readonly lift: (y: ArrayLike<number>, out: Float64Array) => Float64Array;
  private readonly S: number;
  private readonly lambda: number;
  private readonly invTau: number;
  private readonly iw: Int32Array;
  private readonly w: Float64Array;

  constructor(params: ModeParameters, balancedY0: ArrayLike<number>) {
    const { depths, singularValue, inputVariance, tau } = params;
    const M = depths.length;
    this.dimension = M;
    this.S = singularValue;
    this.lambda = inputVariance;
    this.invTau = 1 / tau;
    const iw = new Int32Array(INT_SLOTS * M);
    const w = new Float64Array(DOUBLE_SLOTS * M);
    const y0 = new Float64Array(M);
    let o = 0;
    for (let a = 0; a < M; a++) {
      const D = depths[a]!;
      iw[I_DEPTH * M + a] = D;
      iw[I_LIFT * M + a] = o;
      const p = balancedY0[o]!;
      if (D === 1) {
        iw[I_KIND * M + a] = DEPTH1;
        y0[a] = p;
        o += 1;
        continue;
      }
      const q = balancedY0[o + 1]!;
      o += 2;
      const c = q * q - p * p;
      if (c > 0) {
        iw[I_KIND * M + a] = KEEP_P;
        w[W_C * M + a] = c;
        w[W_SGN * M + a] = q > 0 ? 1 : -1;
        y0[a] = p;
      } else if (c < 0) {
        iw[I_KIND * M + a] = KEEP_Q;
        w[W_C * M + a] = -c;
        w[W_SGN * M + a] = p > 0 ? 1 : -1;
        y0[a] = q;
      } else {
        iw[I_KIND * M + a] = LINEAR;
        w[W_SGN * M + a] = p * q < 0 ? -1 : 1;
        y0[a] = q;
      }
    }
    this.liftedDimension = o;
    this.iw = iw;
    this.w = w;
    this.y0 = y0;
    this.rhs = this.evalRhs.bind(this);
    this.jacobian = this.evalJacobian.bind(this);
    this.strengths = this.evalStrengths.bind(this);
    this.lift = this.evalLift.bind(this);
  }

  // The right-hand side computes the pathway terms inline: a helper returning Σ K would box that double on
  // every call (a heap allocation per right-hand side) unless V8 happens to inline it.
  private evalRhs(_t: number, y: Float64Array, dydt: Float64Array): void {
    const M = this.dimension;
    const iw = this.iw;
    const w = this.w;
    let total = 0;
    for (let a = 0; a < M; a++) {
      const x = y[a]!;
      const D = iw[I_DEPTH * M + a]!;
      const k = iw[I_KIND * M + a]!;
      let g: number;
      if (k === DEPTH1) {
        g = 1;
        total += x;
      } else if (k === KEEP_P) {
        const q = w[W_SGN * M + a]! * Math.sqrt(x * x + w[W_C * M + a]!);
        g = ipow(q, D - 1);
        total += x * g;
      } else if (k === KEEP_Q) {
        const p = w[W_SGN * M + a]! * Math.sqrt(x * x + w[W_C * M + a]!);
        const qD2 = ipow(x, D - 2);
        g = p * qD2;
        total += g * x;
      } else {
        g = w[W_SGN * M + a]! * ipow(x, D - 1);
        total += g * x;
      }
      w[W_G * M + a] = g;
    }
    const rt = (this.S - this.lambda * total) * this.invTau;
    for (let a = 0; a < M; a++) dydt[a] = w[W_G * M + a]! * rt;
  }

  /** Σ_a K_a of the last `derivatives` call (a field, not a return value: returning a double boxes it). */
  private total = 0.5;
  tailDistance = Infinity;

  /**
   * Writes g_a, g_a', K_a' at the state y[yOff …] into the slots gs, dgs, dKs of the double buffer and Σ_a K_a
   * into this.total.
   */
  private derivatives(y: ArrayLike<number>, yOff: number, gs: number, dgs: number, dKs: number): void {
    const M = this.dimension;
    const iw = this.iw;
    const w = this.w;
    const G = gs * M;
    const DG = dgs * M;
    const DKo = dKs * M;
    let total = 0;
    for (let a = 0; a < M; a++) {
      const x = y[yOff + a]!;
      const D = iw[I_DEPTH * M + a]!;
      const k = iw[I_KIND * M + a]!;
      if (k === DEPTH1) {
        w[G + a] = 1;
        total += x;
        w[DG + a] = 0;
        w[DKo + a] = 1;
      } else if (k === KEEP_P) {
        // q = σ√(p² + c), dq/dp = p/q
        const q = w[W_SGN * M + a]! * Math.sqrt(x * x + w[W_C * M + a]!);
        const qD2 = ipow(q, D - 2);
        const qD1 = qD2 * q;
        const pqD3 = (x * qD2) / q; // p q^{D−3}
        w[G + a] = qD1;
        total += x * qD1;
        w[DG + a] = (D - 1) * pqD3;
        w[DKo + a] = qD1 + (D - 1) * x * pqD3;
      } else if (k === KEEP_Q) {
        // p = σ√(q² − c), dp/dq = q/p; d(q^{D−2})/dq = (D−2) q^{D−3} (zero for D = 2)
        const p = w[W_SGN * M + a]! * Math.sqrt(x * x + w[W_C * M + a]!);
        const qD2 = ipow(x, D - 2);
        const qD1 = qD2 * x;
        w[G + a] = p * qD2;
        total += p * qD1;
        w[DG + a] = qD1 / p + (D > 2 ? (D - 2) * p * ipow(x, D - 3) : 0);
        w[DKo + a] = (x * qD1) / p + (D - 1) * p * qD2;
      } else {
        // LINEAR: p = s q, K = s q^D, τ dq/dt = s q^{D−1} r
        const s = w[W_SGN * M + a]!;
        const qD2 = ipow(x, D - 2);
        const qD1 = qD2 * x;
        w[G + a] = s * qD1;
        total += s * qD1 * x;
        w[DG + a] = s * (D - 1) * qD2;
        w[DKo + a] = s * D * qD1;
      }
    }
    this.total = total;
  }

  private evalJacobian(_t: number, y: Float64Array, jac: Float64Array): void {
    const M = this.dimension;
    const w = this.w;
    this.derivatives(y, 0, W_G, W_DG, W_DK);
    const rt = (this.S - this.lambda * this.total) * this.invTau;
    const lt = this.lambda * this.invTau;
    for (let a = 0; a < M; a++) {
      const ga = w[W_G * M + a]!;
      for (let b = 0; b < M; b++) jac[a * M + b] = -lt * ga * w[W_DK * M + b]!;
      jac[a * M + a] += rt * w[W_DG * M + a]!;
    }
  }

  private evalStrengths(y: ArrayLike<number>, out: Float64Array): Float64Array {
    const M = this.dimension;
    const iw = this.iw;
    const w = this.w;
    for (let a = 0; a < M; a++) {
      const x = y[a]!;
      const D = iw[I_DEPTH * M + a]!;
      const k = iw[I_KIND * M + a]!;
      const sgn = w[W_SGN * M + a]!;
      if (k === DEPTH1) out[a] = x;
      else if (k === KEEP_P) out[a] = x * ipow(sgn * Math.sqrt(x * x + w[W_C * M + a]!), D - 1);
      else if (k === KEEP_Q) out[a] = sgn * Math.sqrt(x * x + w[W_C * M + a]!) * ipow(x, D - 1);
      else out[a] = sgn * ipow(x, D);
    }
    return out;
  }

  private evalLift(y: ArrayLike<number>, out: Float64Array): Float64Array {
    const M = this.dimension;
    const iw = this.iw;
    const w = this.w;
    for (let a = 0; a < M; a++) {
      const x = y[a]!;
      const lo = iw[I_LIFT * M + a]!;
      const k = iw[I_KIND * M + a]!;
      const sgn = w[W_SGN * M + a]!;
      if (k === DEPTH1) {
        out[lo] = x;
      } else if (k === KEEP_P) {
        out[lo] = x;
        out[lo + 1] = sgn * Math.sqrt(x * x + w[W_C * M + a]!);
      } else if (k === KEEP_Q) {
        out[lo] = sgn * Math.sqrt(x * x + w[W_C * M + a]!);
        out[lo + 1] = x;
      } else {
        out[lo] = sgn * x;
        out[lo + 1] = x;
      }
    }
    return out;
  }

  learnedTail(tStart: number, y: ArrayLike<number>, rtol: number, atol: number): LearnedTail | null {
    const M = this.dimension;
    const w = this.w;
    const S = this.S;
    const lambda = this.lambda;
    const G1 = W_G1 * M;
    const DG1 = W_DG1 * M;
    const DK1 = W_DK1 * M;
    const G2 = W_G2 * M;
    const DK2 = W_DK2 * M;
    const XE = W_XEND * M;
    this.derivatives(y, 0, W_G1, W_DG1, W_DK1);
    const rs = S - lambda * this.total;
    let gamma = 0;
    for (let a = 0; a < M; a++) gamma += w[DK1 + a]! * w[G1 + a]!;
    gamma *= lambda;
    this.tailDistance = Infinity;
    if (!(gamma > 0 && gamma < Infinity)) return null;
    const du = rs / gamma;
    // Cheap necessary condition first: the rates g_a may change by at most 1% over the remaining clock.
    let distance = 0;
    for (let a = 0; a < M; a++) distance = Math.max(distance, Math.abs(w[DG1 + a]! * du));
    this.tailDistance = distance;
    if (!(distance <= 0.01)) return null;
    for (let a = 0; a < M; a++) {
      const g = w[G1 + a]!;
      w[XE + a] = y[a]! + g * du + 0.5 * g * w[DG1 + a]! * du * du;
    }
    this.derivatives(w, XE, W_G2, W_DG2, W_DK2);
    const rEnd = S - lambda * this.total;
    let gammaEnd = 0;
    for (let a = 0; a < M; a++) gammaEnd += w[DK2 + a]! * w[G2 + a]!;
    gammaEnd *= lambda;
    // What the closed form leaves out, per pathway: the residual left at the predicted end (the clock runs
    // on by rEnd/γ), the change of the decay rate along the way (the time profile shifts by up to
    // |Δu|·|Δγ|/γ), and the state's curvature beyond second order (the rate's departure from linear).
    const rateTerm = Math.abs(rEnd) / gamma + (Math.abs(du) * Math.abs(gammaEnd - gamma)) / gamma;
    for (let a = 0; a < M; a++) {
      const g = w[G1 + a]!;
      const curvature = Math.abs(w[G2 + a]! - g - g * w[DG1 + a]! * du) * Math.abs(du);
      const neglected = Math.abs(g) * rateTerm + curvature;
      if (!(neglected <= TAIL_SAFETY * (atol + rtol * Math.abs(y[a]!)))) return null;
    }
    const coef = new Float64Array(3 * M);
    for (let a = 0; a < M; a++) {
      const g = w[G1 + a]!;
      coef[a] = y[a]!;
      coef[M + a] = g;
      coef[2 * M + a] = 0.5 * g * w[DG1 + a]!;
    }
    return new ClosedFormTail(tStart, M, coef, du, gamma * this.invTau);
  }
}

/**
 * Builds the halved model of one mode from its parameters and its balanced-form initial state
 * ([p, q] per pathway of depth ≥ 2, [p] for depth 1).
 */
export function halvedModeModel(params: ModeParameters, balancedY0: ArrayLike<number>): HalvedModeModel {
  return new HalvedMode(params, balancedY0);
}
