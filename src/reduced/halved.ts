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
 * The per-layer form (one scalar w_d per layer, any values) is the same idea with D − 1 differences instead of
 * one: w_d² − w_e² is conserved for every pair of layers, so the layer of smallest |w| at t = 0 is kept,
 * x = w_m, and every other layer is w_e = σ_e √(x² + c_e), c_e = w_e(0)² − x(0)² ≥ 0, σ_e = sign w_e(0). Those
 * layers never cross zero (w_e² ≥ c_e > 0); x may. A layer tied with x (c_e = 0) is w_e = s_e x with
 * s_e = sign(w_e(0) x(0)): tied layers can reach zero only together, {w_m = w_e = 0} is a fixed set, so x keeps
 * its sign there (the odd extension below). Then g(x) = ∏_{e≠m} w_e(x) and K = x g(x), as for (q, p).
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
import { slabArray } from '../integrate/memory.ts';
import type { JacobianFunction, RightHandSide } from '../integrate/types.ts';
import { balancedInvariantNames, modeLoss, type ModeParameters, type ReducedForm } from './model.ts';
import type { ClosedFormTail as Tail, ReducedModel } from './reduced-model.ts';
import { ipow as importedIpow } from '../util/ipow.ts';

// A module-level copy: under tsx (CommonJS) each use of an imported function is a getter call, and ipow is
// called in every right-hand side.
const ipow = importedIpow;

/** Which variable of a pathway is the state (see the module comment). */
const DEPTH1 = 0;
const KEEP_P = 1;
const KEEP_Q = 2;
const LINEAR = 3;
/** A per-layer pathway of depth ≥ 2: the layer of smallest |w| is the state (see the module comment). */
const LAYERS = 4;
/**
 * The product ∏(x² + c)^m under one square root is g²/x^{2n}: within these bounds it is a normal double far from
 * overflow, so √ of it is as accurate as the product of the square roots (within a few ulps); outside them
 * (|g| beyond ~1e145 or below ~1e-145) the rates take one square root per group.
 */
const PRODUCT_MIN = 1e-290;
const PRODUCT_MAX = 1e290;
const NO_INTS = new Int32Array(0);
const NO_DOUBLES = new Float64Array(0);

/**
 * How the layers of per-layer pathways follow from the kept one. Factors of g with equal c are grouped, so that
 * a pathway posed with D − 1 equal layers needs one power of one factor, as in the balanced form.
 */
interface LayerLayout {
  /** Index, within its pathway, of the kept layer. */
  readonly kept: Int32Array;
  /** The groups of pathway a are groupStart[a] … groupStart[a + 1] − 1. */
  readonly groupStart: Int32Array;
  /** Per group: c > 0 and how many layers share it (their signs are in the pathway's W_SGN). */
  readonly groupC: Float64Array;
  readonly groupCount: Int32Array;
  /** Per pathway: the number of layers tied with the kept one (linear factors s_e x). */
  readonly tied: Int32Array;
  /** Per layer (lifted index): c_e (0 for the kept layer and the tied ones) and σ_e or s_e. */
  readonly layerC: Float64Array;
  readonly layerSign: Float64Array;
}

/**
 * The rest of a learned mode's motion in closed form, from tStart on. Along the clock u with du/dt = r/τ every
 * pathway moves on its own (dx_a/du = g_a(x_a)) and r(u) is, near the fixed point, r_s − γ (u − u_s) with
 * γ = λ Σ_a K_a' g_a > 0. Hence u − u_s = (r_s/γ)(1 − e^{−γ (t − t_s)/τ}) and x_a = x_a,s + g_a Δu + ½ g_a g_a' Δu².
 * `learnedTail` hands one out only where the terms this leaves out are far below the tolerance.
 */
export type LearnedTail = Tail;

/** The neglected terms of the closed-form tail must stay below this fraction of atol + rtol·|x|. */
export const TAIL_SAFETY = 0.1;

export interface HalvedModeModel extends ReducedModel {
  /** Number of pathways M: one state each (and the read-out's dimension). */
  readonly dimension: number;
  /** The mode's singular value S (the residual's scale: r = S − λ Σ_a K_a). */
  readonly singularValue: number;
  /** Initial state (the kept variable of each pathway). */
  readonly y0: Float64Array;
  readonly rhs: RightHandSide;
  /**
   * The motion along the clock u (du/dt = r/τ), on which the pathways are independent: dx_a/dw = σ g_a(x_a)
   * with w = σu, σ = `clockSign` (±1; −1 runs the clock backwards, for a residual that starts negative).
   * Also leaves r at y in `lastResidual`.
   */
  readonly clockRhs: RightHandSide;
  clockSign: number;
  /**
   * The residuals r of the last 8 clockRhs calls, the latest at index `recentCount & 7`: after an accepted
   * DOPRI5 step along the clock, the last six are its stages 2–7 (clock.ts integrates the time map from them).
   */
  readonly recentResiduals: readonly number[];
  readonly recentCount: number;
  /**
   * Sets `lastResidual` = r = S − λ Σ_a K_a and `gamma` = γ = λ Σ_a K_a′ g_a (= −dr/du ≥ 0) at the state
   * y[yOff …] (fields, not a return value: returning a pair would allocate).
   */
  measure(y: ArrayLike<number>, yOff: number): void;
  /** Sets only `lastResidual` (cheaper: the rates, no derivatives of them). */
  measureResidual(y: Float64Array): void;
  readonly lastResidual: number;
  readonly gamma: number;
  readonly jacobian: JacobianFunction;
  /** K_a of every pathway into `out` (length M). */
  strengths(y: ArrayLike<number>, out: Float64Array): Float64Array;
  /**
   * The state in the layout of the form the mode was posed in, into `out`: [p, q] per pathway ([p] for depth 1)
   * for the balanced form, every layer (first … last per pathway) for the per-layer form.
   */
  lift(y: ArrayLike<number>, out: Float64Array): Float64Array;
  /** Dimension of the lifted state. */
  readonly liftedDimension: number;
  /**
   * The closed-form rest of the motion from (t, y) when the mode is learned far enough that its neglected
   * (third-order) terms are below TAIL_SAFETY·(atol + rtol·|x|) for every pathway; otherwise null.
   */
  learnedTail(t: number, y: ArrayLike<number>, rtol: number, atol: number): LearnedTail | null;
  /** A single pathway's learned state moved onto K = S/λ exactly (in place); nothing for several pathways. */
  snapLearned(y: Float64Array): void;
  /**
   * After a refused learnedTail call: how many times too large the first failed criterion was (∞ if γ was
   * not positive). Callers checking every step can skip a few checks while it is far above 1.
   */
  readonly tailDistance: number;
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
// Three check points of learnedTail (the first-order end P, the model's end E, its midpoint Q): g, g', K', x.
const W_GP = 8;
const W_DGP = 9;
const W_DKP = 10;
const W_XP = 11;
const W_GE = 12;
const W_DGE = 13;
const W_DKE = 14;
const W_XE = 15;
const W_GQ = 16;
const W_DGQ = 17;
const W_DKQ = 18;
const W_XQ = 19;
/** ⅙ c_a of the cubic state model while it is being checked. */
const W_CUB = 20;
/**
 * sign q₀ where the sign of q is conserved (0 elsewhere): q = 0 is invariant for D ≥ 3 (every rate has a factor
 * q), and for c = 0 the ratio p/q is. There the rates are the odd extension f(−x) = −f(x) of the true ones, so a
 * step that rounds or overshoots x through zero (|x| far below atol, where the error control no longer sees
 * it) lands on the mirror image of a decaying trajectory instead of on a growing one: a stuck pathway stays
 * stuck at every horizon and tolerance, and where x keeps its sign nothing changes, bit for bit.
 */
const W_Q0 = 21;
const DOUBLE_SLOTS = 22;

/**
 * The closed-form tail handed out by learnedTail. The clock follows du/dt = r(u)/τ with the quadratic
 * r = r_s − γΔu − ½βΔu² = −½β(Δu − a)(Δu − b), whose solution from Δu = 0 is
 * Δu(t) = a (1 − e^{−κt}) / (1 − (a/b) e^{−κt}),  κ = √(γ² + 2βr_s)/τ;
 * each pathway is the cubic x_a + g_a Δu + ½ g_a g_a′ Δu² + ⅙ c_a Δu³ in the clock.
 */
class ClosedFormTail implements LearnedTail {
  readonly tStart: number;
  private readonly M: number;
  /** [x_s, g_a, ½ g_a g_a′, ⅙ c_a] (M each) */
  private readonly coef: Float64Array;
  private readonly a: number;
  private readonly aOverB: number;
  private readonly rate: number;
  /**
   * Added in proportion to the clock's progress Δu/a (single pathway): moves the tail's end onto the exact
   * learned state (snapLearned), by an amount at the rounding of the state, so nothing else changes.
   */
  endCorrection = 0;

  constructor(tStart: number, M: number, coef: Float64Array, a: number, aOverB: number, rate: number) {
    this.tStart = tStart;
    this.M = M;
    this.coef = coef;
    this.a = a;
    this.aOverB = aOverB;
    this.rate = rate;
  }

  /** The state the tail tends to (Δu = a), into out. */
  end(out: Float64Array): Float64Array {
    const M = this.M;
    const c = this.coef;
    const u = this.a;
    for (let a = 0; a < M; a++) out[a] = c[a]! + u * (c[M + a]! + u * (c[2 * M + a]! + u * c[3 * M + a]!));
    return out;
  }

  evaluate(t: number, out: Float64Array): Float64Array {
    const M = this.M;
    const c = this.coef;
    // 1 − e rather than −expm1: u is tiny (the remaining clock), so its absolute rounding error ε·a is far
    // below any tolerance, and one exponential is cheaper than two.
    const e = Math.exp(-this.rate * (t - this.tStart));
    const u = (this.a * (1 - e)) / (1 - this.aOverB * e);
    for (let a = 0; a < M; a++) out[a] = c[a]! + u * (c[M + a]! + u * (c[2 * M + a]! + u * c[3 * M + a]!));
    if (this.endCorrection !== 0) out[0] = out[0]! + (u / this.a) * this.endCorrection;
    return out;
  }
}

class HalvedMode implements HalvedModeModel {
  readonly dimension: number;
  readonly y0: Float64Array;
  readonly liftedDimension: number;
  readonly clockRhs: RightHandSide;
  readonly strengths: (y: ArrayLike<number>, out: Float64Array) => Float64Array;
  // Bound on first use: the clock method, which most solves take, needs only clockRhs and strengths, and a
  // bound function costs about as much to create as a few right-hand sides.
  private boundRhs: RightHandSide | undefined;
  private boundJacobian: JacobianFunction | undefined;
  private boundLift: ((y: ArrayLike<number>, out: Float64Array) => Float64Array) | undefined;
  get rhs(): RightHandSide {
    return (this.boundRhs ??= this.evalRhs.bind(this));
  }
  get jacobian(): JacobianFunction {
    return (this.boundJacobian ??= this.evalJacobian.bind(this));
  }
  get lift(): (y: ArrayLike<number>, out: Float64Array) => Float64Array {
    return (this.boundLift ??= this.evalLift.bind(this));
  }
  private readonly S: number;
  get singularValue(): number {
    return this.S;
  }
  private readonly lambda: number;
  private readonly invTau: number;
  private readonly iw: Int32Array;
  private readonly w: Float64Array;
  /** The form the mode was posed in: what `lift` and `invariants` present. */
  readonly form: ReducedForm;
  /** Per-layer pathways' layers (null for the balanced form). */
  private readonly layout: LayerLayout | null;
  // The layout's arrays the rates read, as fields of their own (one load fewer per use in the hot loops).
  private readonly groupStart: Int32Array;
  private readonly groupC: Float64Array;
  private readonly groupCount: Int32Array;
  private readonly tied: Int32Array;

  constructor(params: ModeParameters, initial: ArrayLike<number>, form: ReducedForm) {
    const { depths, singularValue, inputVariance, tau } = params;
    const M = depths.length;
    this.dimension = M;
    this.S = singularValue;
    this.lambda = inputVariance;
    this.invTau = 1 / tau;
    this.form = form;
    const iw = new Int32Array(INT_SLOTS * M);
    const w = slabArray(DOUBLE_SLOTS * M);
    const y0 = slabArray(M);
    if (form === 'perLayer') {
      const layout = layerLayout(depths, initial, iw, w, y0);
      this.layout = layout;
      this.groupStart = layout.groupStart;
      this.groupC = layout.groupC;
      this.groupCount = layout.groupCount;
      this.tied = layout.tied;
      this.liftedDimension = layout.layerC.length;
      this.iw = iw;
      this.w = w;
      this.y0 = y0;
      this.clockRhs = this.evalLayerClockRhs.bind(this);
      this.strengths = this.evalStrengths.bind(this);
      return;
    }
    this.layout = null;
    this.groupStart = NO_INTS;
    this.groupC = NO_DOUBLES;
    this.groupCount = NO_INTS;
    this.tied = NO_INTS;
    const balancedY0 = initial;
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
        w[W_Q0 * M + a] = D >= 3 ? Math.sign(q) : 0;
        y0[a] = q;
      } else {
        iw[I_KIND * M + a] = LINEAR;
        w[W_SGN * M + a] = p * q < 0 ? -1 : 1;
        w[W_Q0 * M + a] = Math.sign(q);
        y0[a] = q;
      }
    }
    this.liftedDimension = o;
    this.iw = iw;
    this.w = w;
    this.y0 = y0;
    this.clockRhs = this.evalClockRhs.bind(this);
    this.strengths = this.evalStrengths.bind(this);
  }

  // The rates are computed inline: a helper returning Σ K would box that double on every call (a heap
  // allocation per right-hand side) unless V8 happens to inline it; the total goes to a field instead.
  /** g_a(x_a) of every pathway into the W_G slots, Σ_a K_a into this.total. */
  private fillRates(y: Float64Array): void {
    const M = this.dimension;
    const iw = this.iw;
    const w = this.w;
    let total = 0;
    for (let a = 0; a < M; a++) {
      let x = y[a]!;
      const D = iw[I_DEPTH * M + a]!;
      const k = iw[I_KIND * M + a]!;
      // The odd extension where q keeps its sign (W_Q0).
      const flip = x * w[W_Q0 * M + a]! < 0 ? -1 : 1;
      x *= flip;
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
      } else if (k === LINEAR) {
        g = w[W_SGN * M + a]! * ipow(x, D - 1);
        total += g * x;
      } else {
        this.layerRate(a, x);
        g = this.layerG;
        total += g * x;
      }
      w[W_G * M + a] = flip * g;
    }
    this.total = total;
  }

  private evalRhs(_t: number, y: Float64Array, dydt: Float64Array): void {
    this.fillRates(y);
    const M = this.dimension;
    const w = this.w;
    const rt = (this.S - this.lambda * this.total) * this.invTau;
    for (let a = 0; a < M; a++) dydt[a] = w[W_G * M + a]! * rt;
  }

  clockSign = 1;

  /**
   * The clock's right-hand side for the balanced form: fillRates' operations in its order (the same numbers, bit
   * for bit), the rates written straight into dydt rather than through the W_G slots, which nothing reads after
   * a clock right-hand side.
   */
  private evalClockRhs(_u: number, y: Float64Array, dydt: Float64Array): void {
    const M = this.dimension;
    const iw = this.iw;
    const w = this.w;
    const sign = this.clockSign;
    let total = 0;
    for (let a = 0; a < M; a++) {
      let x = y[a]!;
      const D = iw[I_DEPTH * M + a]!;
      const k = iw[I_KIND * M + a]!;
      const flip = x * w[W_Q0 * M + a]! < 0 ? -1 : 1;
      x *= flip;
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
        g = p * ipow(x, D - 2);
        total += g * x;
      } else if (k === LINEAR) {
        g = w[W_SGN * M + a]! * ipow(x, D - 1);
        total += g * x;
      } else {
        this.layerRate(a, x);
        g = this.layerG;
        total += g * x;
      }
      dydt[a] = sign * (flip * g);
    }
    const r = this.S - this.lambda * total;
    this.lastResidual = r;
    this.recentResiduals[(this.recentCount = (this.recentCount + 1) | 0) & 7] = r;
  }

  /**
   * evalClockRhs for the per-layer form (every pathway LAYERS or DEPTH1): the same operations in the same order,
   * so the same numbers, bit for bit, with the rates written straight into dydt — no kind dispatch and no pass
   * through the W_G slots (nothing reads them after a clock right-hand side). It is most of a per-layer solve's
   * work (bench/reduced: ≈ 140 calls per mode).
   */
  private evalLayerClockRhs(_u: number, y: Float64Array, dydt: Float64Array): void {
    const M = this.dimension;
    const iw = this.iw;
    const w = this.w;
    const groupStart = this.groupStart;
    const groupC = this.groupC;
    const groupCount = this.groupCount;
    const sign = this.clockSign;
    let total = 0;
    for (let a = 0; a < M; a++) {
      let x = y[a]!;
      const flip = x * w[W_Q0 * M + a]! < 0 ? -1 : 1;
      x *= flip;
      if (iw[I_KIND * M + a]! === DEPTH1) {
        total += x;
        dydt[a] = sign * flip;
        continue;
      }
      // layerRate, inline.
      const x2 = x * x;
      let v = 1;
      const end = groupStart[a + 1]!;
      for (let j = groupStart[a]!; j < end; j++) {
        const f = x2 + groupC[j]!;
        const m = groupCount[j]!;
        v *= m === 1 ? f : ipow(f, m);
      }
      let g: number;
      if (v > PRODUCT_MIN && v < PRODUCT_MAX) {
        const n = this.tied[a]!;
        const root = w[W_SGN * M + a]! * Math.sqrt(v);
        g = n > 0 ? root * ipow(x, n) : root;
      } else {
        this.layerRates(a, x, false);
        g = this.layerG;
      }
      total += g * x;
      dydt[a] = sign * (flip * g);
    }
    const r = this.S - this.lambda * total;
    this.lastResidual = r;
    this.recentResiduals[(this.recentCount = (this.recentCount + 1) | 0) & 7] = r;
  }

  /** The residuals of the last 8 clockRhs calls: the latest at recentCount & 7. */
  readonly recentResiduals: number[] = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
  recentCount = 0;

  lastResidual = 0.5;
  gamma = 0.5;

  get readoutDimension(): number {
    return this.dimension;
  }

  get learnedTotal(): number {
    return this.S / this.lambda;
  }

  loss(strengths: ArrayLike<number>): number {
    return modeLoss(this.S, this.lambda, strengths, this.dimension);
  }

  residual(y: ArrayLike<number>): number {
    const k = this.evalStrengths(y, new Float64Array(this.dimension));
    let total = 0;
    for (let a = 0; a < this.dimension; a++) total += k[a]!;
    return this.S - this.lambda * total;
  }

  /**
   * q²−p² of every pathway of depth ≥ 2, as the balanced model names them; for the per-layer form w_d² − w_{d+1}²
   * of consecutive layers, as the per-layer model names them (constant here up to rounding).
   */
  invariants(y: ArrayLike<number>): number[] {
    const x = this.evalLift(y, new Float64Array(this.liftedDimension));
    const M = this.dimension;
    const out: number[] = [];
    if (this.layout !== null) {
      for (let a = 0; a < M; a++) {
        const lo = this.iw[I_LIFT * M + a]!;
        const D = this.iw[I_DEPTH * M + a]!;
        for (let d = 0; d + 1 < D; d++) out.push(x[lo + d]! * x[lo + d]! - x[lo + d + 1]! * x[lo + d + 1]!);
      }
      return out;
    }
    for (let a = 0; a < M; a++) {
      if (this.iw[I_DEPTH * M + a]! === 1) continue;
      const o = this.iw[I_LIFT * M + a]!;
      out.push(x[o + 1]! * x[o + 1]! - x[o]! * x[o]!);
    }
    return out;
  }

  get invariantNames(): readonly string[] {
    const M = this.dimension;
    if (this.layout !== null) {
      const names: string[] = [];
      for (let a = 0; a < M; a++) {
        for (let d = 0; d + 1 < this.iw[I_DEPTH * M + a]!; d++) names.push(`w${d + 1}²−w${d + 2}² of pathway ${a}`);
      }
      return names;
    }
    return balancedInvariantNames(Array.from({ length: M }, (_, a) => this.iw[I_DEPTH * M + a]!));
  }

  measureResidual(y: Float64Array): void {
    this.fillRates(y);
    this.lastResidual = this.S - this.lambda * this.total;
  }

  measure(y: ArrayLike<number>, yOff: number): void {
    this.derivatives(y, yOff, W_G, W_DG, W_DK);
    this.lastResidual = this.S - this.lambda * this.total;
    this.gamma = this.gammaAt(W_G, W_DK);
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
      let x = y[yOff + a]!;
      const D = iw[I_DEPTH * M + a]!;
      const k = iw[I_KIND * M + a]!;
      // The odd extension (W_Q0): g and K′ change sign with x, g′ does not.
      const flip = x * w[W_Q0 * M + a]! < 0 ? -1 : 1;
      x *= flip;
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
      } else if (k === LINEAR) {
        // LINEAR: p = s q, K = s q^D, τ dq/dt = s q^{D−1} r
        const s = w[W_SGN * M + a]!;
        const qD2 = ipow(x, D - 2);
        const qD1 = qD2 * x;
        w[G + a] = s * qD1;
        total += s * qD1 * x;
        w[DG + a] = s * (D - 1) * qD2;
        w[DKo + a] = s * D * qD1;
      } else {
        // LAYERS: K = x g(x), K′ = g + x g′
        this.layerRates(a, x, true);
        const g = this.layerG;
        const dg = this.layerDg;
        w[G + a] = g;
        total += g * x;
        w[DG + a] = dg;
        w[DKo + a] = g + x * dg;
      }
      if (flip < 0) {
        w[G + a] = -w[G + a]!;
        w[DKo + a] = -w[DKo + a]!;
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
      let x = y[a]!;
      if (x * w[W_Q0 * M + a]! < 0) x = -x;
      const D = iw[I_DEPTH * M + a]!;
      const k = iw[I_KIND * M + a]!;
      const sgn = w[W_SGN * M + a]!;
      if (k === DEPTH1) out[a] = x;
      else if (k === KEEP_P) out[a] = x * ipow(sgn * Math.sqrt(x * x + w[W_C * M + a]!), D - 1);
      else if (k === KEEP_Q) out[a] = sgn * Math.sqrt(x * x + w[W_C * M + a]!) * ipow(x, D - 1);
      else if (k === LINEAR) out[a] = sgn * ipow(x, D);
      else {
        this.layerRate(a, x);
        out[a] = x * this.layerG;
      }
    }
    return out;
  }

  private evalLift(y: ArrayLike<number>, out: Float64Array): Float64Array {
    const M = this.dimension;
    const iw = this.iw;
    const w = this.w;
    for (let a = 0; a < M; a++) {
      let x = y[a]!;
      if (x * w[W_Q0 * M + a]! < 0) x = -x;
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
      } else if (k === LINEAR) {
        out[lo] = sgn * x;
        out[lo + 1] = x;
      } else {
        // Every layer from the kept one: the ones it is tied with linearly, the others by their square roots.
        const L = this.layout!;
        const D = iw[I_DEPTH * M + a]!;
        const kept = L.kept[a]!;
        for (let d = 0; d < D; d++) {
          const c = L.layerC[lo + d]!;
          out[lo + d] = d === kept ? x : c > 0 ? L.layerSign[lo + d]! * Math.sqrt(x * x + c) : L.layerSign[lo + d]! * x;
        }
      }
    }
    return out;
  }

  /**
   * g(x) of per-layer pathway a into layerG: s x^n √∏(x² + c)^m, one square root for the pathway (layerRates,
   * one per group, where the product could leave the exponent range that g itself is in).
   */
  private layerRate(a: number, x: number): void {
    const x2 = x * x;
    let v = 1;
    const end = this.groupStart[a + 1]!;
    for (let j = this.groupStart[a]!; j < end; j++) {
      const f = x2 + this.groupC[j]!;
      const m = this.groupCount[j]!;
      v *= m === 1 ? f : ipow(f, m);
    }
    if (!(v > PRODUCT_MIN && v < PRODUCT_MAX)) {
      this.layerRates(a, x, false);
      return;
    }
    const n = this.tied[a]!;
    const g = this.w[W_SGN * this.dimension + a]! * Math.sqrt(v);
    this.layerG = n > 0 ? g * ipow(x, n) : g;
  }

  /** g of the last layerRate(s) call, and g′ when asked for (fields: a returned pair would allocate). */
  private layerG = 0.5;
  private layerDg = 0.5;

  /**
   * g(x) = s x^n ∏_groups (√(x² + c))^m of per-layer pathway a (n tied layers, s the product of every other
   * layer's sign) into layerG, and with `slope` g′ = s ∏(…)·(n x^{n−1} + x^n Σ m x/(x² + c)) into layerDg: no
   * division by x, so a pathway at x = 0 (a layer crossing zero) is as well conditioned as anywhere else.
   */
  private layerRates(a: number, x: number, slope: boolean): void {
    const x2 = x * x;
    let product = this.w[W_SGN * this.dimension + a]!;
    let logSlope = 0;
    const end = this.groupStart[a + 1]!;
    for (let k = this.groupStart[a]!; k < end; k++) {
      const v = x2 + this.groupC[k]!;
      const root = Math.sqrt(v);
      const m = this.groupCount[k]!;
      product *= m === 1 ? root : ipow(root, m);
      if (slope) logSlope += (m * x) / v;
    }
    const n = this.tied[a]!;
    if (n === 0) {
      this.layerG = product;
      if (slope) this.layerDg = product * logSlope;
      return;
    }
    const xn1 = ipow(x, n - 1);
    this.layerG = product * xn1 * x;
    if (slope) this.layerDg = product * (n * xn1 + xn1 * x * logSlope);
  }

  /**
   * For a single pathway, moves a learned state y (written in place) onto the exact learned state K(x) = S/λ
   * by Newton's method in x: a large initial gain (|K(0)| ≫ S/λ) is learned by a tiny move of x, which the
   * clock resolves only to ε·|K(0)| in K (K = −1.9e17 for S = 3.9 from K(0) = −4.7e28), while K(x) near the end
   * is evaluated to a few ulps of S/λ. Several pathways share the mode and have no such closed form.
   */
  snapLearned(y: Float64Array): void {
    if (this.dimension !== 1) return;
    const target = this.S / this.lambda;
    let previous = Infinity;
    for (let iteration = 0; iteration < 8; iteration++) {
      this.derivatives(y, 0, W_G, W_DG, W_DK);
      const F = this.total - target;
      const slope = this.w[W_DK]!;
      // Stop where Newton no longer improves (rounding of K) or cannot proceed.
      if (F === 0 || !(Math.abs(F) < previous) || !(slope !== 0 && Number.isFinite(slope))) return;
      previous = Math.abs(F);
      const next = y[0]! - F / slope;
      if (!Number.isFinite(next)) return;
      y[0] = next;
    }
  }

  /** γ = λ Σ_a K_a′ g_a from the g and K′ slots (−dr/du: how fast the residual falls along the clock). */
  private gammaAt(gs: number, dKs: number): number {
    const M = this.dimension;
    const w = this.w;
    let gamma = 0;
    for (let a = 0; a < M; a++) gamma += w[dKs * M + a]! * w[gs * M + a]!;
    return this.lambda * gamma;
  }

  /** x_a(Δu) of the cubic model into slot xs (coefficients from the G1/DG1 slots and slot `cubic`, −1: none). */
  private modelState(y: ArrayLike<number>, du: number, cubic: number, xs: number): void {
    const M = this.dimension;
    const w = this.w;
    for (let a = 0; a < M; a++) {
      const g = w[W_G1 * M + a]!;
      const c3 = cubic < 0 ? 0 : w[cubic + a]!;
      w[xs * M + a] = y[a]! + du * (g + du * (0.5 * g * w[W_DG1 * M + a]! + du * c3));
    }
  }

  learnedTail(tStart: number, y: ArrayLike<number>, rtol: number, atol: number): LearnedTail | null {
    const M = this.dimension;
    const w = this.w;
    const S = this.S;
    const lambda = this.lambda;
    const G1 = W_G1 * M;
    const DG1 = W_DG1 * M;
    this.derivatives(y, 0, W_G1, W_DG1, W_DK1);
    const rs = S - lambda * this.total;
    const gamma = this.gammaAt(W_G1, W_DK1);
    this.tailDistance = Infinity;
    if (!(gamma > 0 && gamma < Infinity)) return null;
    const du1 = rs / gamma;
    // Cheap necessary condition first: the rates g_a may change by at most 5% over the remaining clock.
    let distance = 0;
    for (let a = 0; a < M; a++) distance = Math.max(distance, Math.abs(w[DG1 + a]! * du1));
    this.tailDistance = distance / 0.05;
    if (!(distance <= 0.05)) return null;
    // Second derivatives along the clock by secants through the first-order end point P (Δu₁ = r_s/γ):
    // β = dγ/du, and c_a = d²g_a/du² along the path (x′ = g, x″ = g g′, x‴ = c_a).
    this.modelState(y, du1, -1, W_XP);
    this.derivatives(w, W_XP * M, W_GP, W_DGP, W_DKP);
    const beta = (this.gammaAt(W_GP, W_DKP) - gamma) / du1;
    const CUB = W_CUB * M;
    for (let a = 0; a < M; a++) {
      const g = w[G1 + a]!;
      w[CUB + a] = (2 * (w[W_GP * M + a]! - g - g * w[DG1 + a]! * du1)) / (du1 * du1) / 6;
    }
    // The quadratic residual's roots: a (the remaining clock) and b (far away, on the other side).
    const disc = gamma * gamma + 2 * beta * rs;
    if (!(disc > 0) || !Number.isFinite(beta)) return null;
    const root = Math.sqrt(disc);
    const aRoot = (2 * rs) / (gamma + root);
    const aOverB = (-2 * rs * beta) / ((gamma + root) * (gamma + root));
    if (!(Math.abs(aOverB) < 0.5)) return null;
    // Check the model where it is used: at its end E (r must vanish there) and its midpoint Q (r and the
    // rates must follow the quadratic and the cubic). What it leaves out, per pathway: the clock error from
    // the residual's departures (|g_a|·(|r_E| + |δr_Q|)/γ: the time profile shifts by that much clock), and
    // the state error from the rate's departure over the span (|δg_Q|·|a|).
    // (E first: most refusals happen there, before the midpoint costs an evaluation.)
    this.modelState(y, aRoot, CUB, W_XE);
    this.derivatives(w, W_XE * M, W_GE, W_DGE, W_DKE);
    const rE = S - lambda * this.total;
    let worst = 0;
    for (let a = 0; a < M; a++) {
      const ratio = (Math.abs(w[G1 + a]!) * Math.abs(rE)) / gamma / (TAIL_SAFETY * (atol + rtol * Math.abs(y[a]!)));
      worst = Math.max(worst, ratio);
    }
    this.tailDistance = worst;
    if (!(worst <= 1)) return null;
    const half = 0.5 * aRoot;
    this.modelState(y, half, CUB, W_XQ);
    this.derivatives(w, W_XQ * M, W_GQ, W_DGQ, W_DKQ);
    const rQ = S - lambda * this.total;
    const drQ = rQ - (rs - gamma * half - 0.5 * beta * half * half);
    const clock = (Math.abs(rE) + Math.abs(drQ)) / gamma;
    for (let a = 0; a < M; a++) {
      const g = w[G1 + a]!;
      const gModel = g + half * (g * w[DG1 + a]! + half * 3 * w[CUB + a]!);
      const neglected = Math.abs(g) * clock + Math.abs(w[W_GQ * M + a]! - gModel) * Math.abs(aRoot);
      worst = Math.max(worst, neglected / (TAIL_SAFETY * (atol + rtol * Math.abs(y[a]!))));
    }
    this.tailDistance = worst;
    if (!(worst <= 1)) return null;
    const coef = slabArray(4 * M);
    for (let a = 0; a < M; a++) {
      coef[3 * M + a] = w[CUB + a]!;
      const g = w[G1 + a]!;
      coef[a] = y[a]!;
      coef[M + a] = g;
      coef[2 * M + a] = 0.5 * g * w[DG1 + a]!;
    }
    const tail = new ClosedFormTail(tStart, M, coef, aRoot, aOverB, root * this.invTau);
    if (M === 1) {
      const end = tail.end(new Float64Array(1));
      const unsnapped = end[0]!;
      this.snapLearned(end);
      tail.endCorrection = end[0]! - unsnapped;
    }
    return tail;
  }
}

/**
 * Builds the halved model of one mode from its parameters and its balanced-form initial state
 * ([p, q] per pathway of depth ≥ 2, [p] for depth 1).
 */
export function halvedModeModel(params: ModeParameters, balancedY0: ArrayLike<number>): HalvedModeModel {
  return new HalvedMode(params, balancedY0, 'balanced');
}

/**
 * The same for a mode posed per layer: its initial state in the per-layer layout (layers first … last per
 * pathway), one state per pathway all the same; `lift` gives back every layer.
 */
export function perLayerHalvedModel(params: ModeParameters, layerY0: ArrayLike<number>): HalvedModeModel {
  return new HalvedMode(params, layerY0, 'perLayer');
}

/**
 * The per-layer pathways' layout (module comment) from their initial layers, filling the kinds, depths, lifted
 * offsets, signs and initial states of the halved model's buffers.
 */
function layerLayout(depths: readonly number[], layers: ArrayLike<number>, iw: Int32Array, w: Float64Array, y0: Float64Array): LayerLayout {
  const M = depths.length;
  let n = 0;
  for (const D of depths) n += D;
  // Two buffers for the whole layout (views into them): it is built once per mode and solve.
  const ints = new Int32Array(3 * M + 1 + n);
  const doubles = slabArray(3 * n);
  const kept = ints.subarray(0, M);
  const groupStart = ints.subarray(M, 2 * M + 1);
  const tied = ints.subarray(2 * M + 1, 3 * M + 1);
  const groupCount = ints.subarray(3 * M + 1);
  const layerC = doubles.subarray(0, n);
  const layerSign = doubles.subarray(n, 2 * n);
  const groupC = doubles.subarray(2 * n);
  let groups = 0;
  let lo = 0;
  for (let a = 0; a < M; a++) {
    const D = depths[a]!;
    iw[I_DEPTH * M + a] = D;
    iw[I_LIFT * M + a] = lo;
    groupStart[a] = groups;
    if (D === 1) {
      iw[I_KIND * M + a] = DEPTH1;
      y0[a] = layers[lo]!;
      lo += 1;
      continue;
    }
    iw[I_KIND * M + a] = LAYERS;
    let m = 0;
    for (let d = 1; d < D; d++) if (Math.abs(layers[lo + d]!) < Math.abs(layers[lo + m]!)) m = d;
    const x0 = layers[lo + m]!;
    kept[a] = m;
    y0[a] = x0;
    let sign = 1;
    const first = groups;
    for (let d = 0; d < D; d++) {
      if (d === m) continue;
      const we = layers[lo + d]!;
      const c = we * we - x0 * x0;
      if (!(c > 0)) {
        // Tied with x (|w_e| = |x|): w_e = s_e x, s_e = sign(w_e x) (1 when both are 0: the pathway stays at 0).
        const s = we * x0 < 0 ? -1 : 1;
        layerSign[lo + d] = s;
        sign *= s;
        tied[a]++;
        continue;
      }
      const sigma = we > 0 ? 1 : -1;
      layerC[lo + d] = c;
      layerSign[lo + d] = sigma;
      sign *= sigma;
      // Layers of equal c share a group (their signs are all in the pathway's sign): (√(x² + c))^m.
      let k = first;
      while (k < groups && groupC[k] !== c) k++;
      if (k === groups) {
        groupC[groups] = c;
        groupCount[groups++] = 1;
      } else groupCount[k]!++;
    }
    w[W_SGN * M + a] = sign;
    // Tied layers reach zero only with x, so x keeps its sign (the odd extension of W_Q0).
    w[W_Q0 * M + a] = tied[a]! > 0 ? Math.sign(x0) : 0;
    lo += D;
  }
  groupStart[M] = groups;
  return { kept, groupStart, groupC, groupCount, tied, layerC, layerSign };
}
