/**
 * Right-hand sides, Jacobians, read-out and invariants of the reduced singular-mode model for ONE mode α.
 * Modes never interact (DESIGN §2.3), so every mode is its own small ODE system and gets its own step sizes.
 *
 * Both forms share one structure. For every state variable y_i of pathway a:
 *     τ dy_i/dt = G_i(y_a) · r,        r = S − λ Σ_b K_b(y_b)
 * with G the gradient of K_a for the per-layer form (∂K/∂w_d = ∏_{e≠d} w_e), and for the balanced form
 * G_p = q^{D−1} = ∂K/∂p, G_q = p q^{D−2} = (∂K/∂q)/(D−1) because q stands for D−1 equal layers.
 * Hence the Jacobian  τ J = r · ∂G/∂y − λ G ⊗ ∇K,  block-diagonal in its first term.
 */
import type { JacobianFunction, RightHandSide } from '../integrate/types.ts';
import { ipow } from '../util/ipow.ts';
import type { ReducedModel } from './reduced-model.ts';

export type ReducedForm = 'balanced' | 'perLayer';

export interface ModeParameters {
  readonly depths: readonly number[];
  /** S_α */
  readonly singularValue: number;
  /** λ_α */
  readonly inputVariance: number;
  readonly tau: number;
}

/**
 * The multi-pathway DLN's reduced model of one mode (a `ReducedModel` whose read-out is K_a of each pathway)
 * in the balanced or the per-layer form.
 */
export interface ModeModel extends ReducedModel {
  readonly form: ReducedForm;
  /** offsets[a] is the first state index of pathway a; offsets[M] = dimension. */
  readonly offsets: readonly number[];
  /** K_a for every pathway, written into `out` (length M). */
  strengths(y: ArrayLike<number>, out: Float64Array): Float64Array;
  /** r = S − λ Σ_a K_a */
  residual(y: ArrayLike<number>): number;
}

/** A DLN mode's loss ½ r²/λ from its strengths, r = S − λ Σ_a K_a (the loss above its irreducible part). */
export function modeLoss(S: number, lambda: number, strengths: ArrayLike<number>, M: number): number {
  let total = 0;
  for (let a = 0; a < M; a++) total += strengths[a]!;
  const r = S - lambda * total;
  const loss = (0.5 * r * r) / lambda;
  if (loss < Infinity && (loss > 0 || r === 0)) return loss;
  // r² overflowed (λ = 1e200: r ~ 1e174) or underflowed while the loss itself is a double: scale by √λ first,
  // r/√λ = S/√λ − √λ·Σ K, so that no intermediate is larger than √(2·loss) (NaN stays NaN).
  const root = Math.sqrt(lambda);
  const x = Number.isFinite(r) ? r / root : S / root - root * total;
  return 0.5 * x * x;
}

/** Names of the balanced form's invariants, q²−p² of every pathway of depth ≥ 2. */
export function balancedInvariantNames(depths: readonly number[]): string[] {
  const names: string[] = [];
  for (let a = 0; a < depths.length; a++) if (depths[a]! > 1) names.push(`q²−p² of pathway ${a}`);
  return names;
}

/** Number of state variables pathway a needs in a given form. */
export function pathwayDimension(form: ReducedForm, depth: number): number {
  if (form === 'perLayer') return depth;
  return depth === 1 ? 1 : 2;
}

function makeOffsets(form: ReducedForm, depths: readonly number[]): number[] {
  const offsets = [0];
  for (const d of depths) offsets.push(offsets[offsets.length - 1]! + pathwayDimension(form, d));
  return offsets;
}


/**
 * Balanced (q, p) form: state of pathway a is [p, q] (D_a ≥ 2) or [p] (D_a = 1), K = p q^{D−1}.
 */
export function balancedModeModel(params: ModeParameters): ModeModel {
  const { depths, singularValue: S, inputVariance: lambda, tau } = params;
  const M = depths.length;
  const offsets = makeOffsets('balanced', depths);
  const n = offsets[M]!;
  const invTau = 1 / tau;
  const depthArr = Int32Array.from(depths);
  const offArr = Int32Array.from(offsets);
  // Per-pathway scratch: K, G_p, G_q, ∂K/∂p, ∂K/∂q, refilled by every rhs and Jacobian call.
  const gK = new Float64Array(M);
  const gP = new Float64Array(M);
  const gQ = new Float64Array(M);
  const dKdp = new Float64Array(M);
  const dKdq = new Float64Array(M);

  const residual = (y: ArrayLike<number>): number => {
    let total = 0;
    for (let a = 0; a < M; a++) {
      const D = depthArr[a]!;
      const o = offArr[a]!;
      total += D === 1 ? y[o]! : y[o]! * ipow(y[o + 1]!, D - 1);
    }
    return S - lambda * total;
  };

  const rhs: RightHandSide = (_t, y, dydt) => {
    let total = 0;
    for (let a = 0; a < M; a++) {
      const D = depthArr[a]!;
      const o = offArr[a]!;
      if (D === 1) {
        gP[a] = 1;
        total += y[o]!;
      } else {
        const p = y[o]!;
        const q = y[o + 1]!;
        const qD2 = ipow(q, D - 2);
        const qD1 = qD2 * q;
        gP[a] = qD1;
        gQ[a] = p * qD2;
        total += p * qD1;
      }
    }
    const rt = (S - lambda * total) * invTau;
    for (let a = 0; a < M; a++) {
      const o = offArr[a]!;
      dydt[o] = gP[a]! * rt;
      if (depthArr[a]! > 1) dydt[o + 1] = gQ[a]! * rt;
    }
  };

  const jacobian: JacobianFunction = (_t, y, jac) => {
    let total = 0;
    for (let a = 0; a < M; a++) {
      const D = depthArr[a]!;
      const o = offArr[a]!;
      if (D === 1) {
        gK[a] = y[o]!;
        gP[a] = 1;
        dKdp[a] = 1;
      } else {
        const p = y[o]!;
        const q = y[o + 1]!;
        const qD2 = ipow(q, D - 2);
        const qD1 = qD2 * q;
        gK[a] = p * qD1;
        gP[a] = qD1;
        gQ[a] = p * qD2;
        dKdp[a] = qD1;
        dKdq[a] = (D - 1) * p * qD2;
      }
      total += gK[a]!;
    }
    const r = S - lambda * total;
    for (let a = 0; a < M; a++) {
      const oa = offArr[a]!;
      const da = depthArr[a]! > 1;
      for (let b = 0; b < M; b++) {
        const ob = offArr[b]!;
        const db = depthArr[b]! > 1;
        // −λ G ⊗ ∇K
        jac[oa * n + ob] = -lambda * gP[a]! * dKdp[b]! * invTau;
        if (db) jac[oa * n + ob + 1] = -lambda * gP[a]! * dKdq[b]! * invTau;
        if (da) {
          jac[(oa + 1) * n + ob] = -lambda * gQ[a]! * dKdp[b]! * invTau;
          if (db) jac[(oa + 1) * n + ob + 1] = -lambda * gQ[a]! * dKdq[b]! * invTau;
        }
      }
      if (da) {
        // + r ∂G/∂y within the pathway: G_p = q^{D−1}, G_q = p q^{D−2}
        const D = depthArr[a]!;
        const p = y[oa]!;
        const q = y[oa + 1]!;
        const rt = r * invTau;
        jac[oa * n + oa + 1] += (D - 1) * ipow(q, D - 2) * rt;
        jac[(oa + 1) * n + oa] += ipow(q, D - 2) * rt;
        if (D > 2) jac[(oa + 1) * n + oa + 1] += (D - 2) * p * ipow(q, D - 3) * rt;
      }
    }
  };

  const strengths = (y: ArrayLike<number>, out: Float64Array): Float64Array => {
    for (let a = 0; a < M; a++) {
      const D = depthArr[a]!;
      const o = offArr[a]!;
      out[a] = D === 1 ? y[o]! : y[o]! * ipow(y[o + 1]!, D - 1);
    }
    return out;
  };

  return {
    form: 'balanced',
    dimension: n,
    offsets,
    rhs,
    jacobian,
    readoutDimension: M,
    strengths,
    residual,
    loss: (k) => modeLoss(S, lambda, k, M),
    learnedTotal: S / lambda,
    invariantNames: balancedInvariantNames(depths),
    invariants(y) {
      const out: number[] = [];
      for (let a = 0; a < M; a++) {
        if (depths[a]! === 1) continue;
        const o = offsets[a]!;
        out.push(y[o + 1]! * y[o + 1]! - y[o]! * y[o]!);
      }
      return out;
    },
  };
}

/**
 * Per-layer form (DESIGN §2.2): pathway a holds one scalar w_d per layer, K = ∏_d w_d, τ dw_d/dt = ∏_{e≠d} w_e · r.
 *
 * `feedback` (one value per state variable, layers from input to output; the first layer's is not read)
 * replaces the layers above layer d in its rate by fixed backward factors b: τ dw_d/dt = (∏_{e<d} w_e)
 * (∏_{e>d} b_e)·r, mode-aligned feedback alignment (src/rules/feedback-mode.ts). Without it b = w.
 */
export function perLayerModeModel(params: ModeParameters, feedback?: ArrayLike<number>): ModeModel {
  const { depths, singularValue: S, inputVariance: lambda, tau } = params;
  const M = depths.length;
  const offsets = makeOffsets('perLayer', depths);
  const n = offsets[M]!;
  const invTau = 1 / tau;
  const offArr = Int32Array.from(offsets);
  if (feedback !== undefined && feedback.length !== n) throw new RangeError(`feedback: ${n} values (one per layer), got ${feedback.length}`);
  const back = feedback === undefined ? null : Float64Array.from(feedback);
  // Products of all layers but one (G_i = ∂K/∂w_i), built from prefix and suffix products so zeros are safe.
  const grad = new Float64Array(n);
  const prefix = new Float64Array(n + 1);

  /** Fills grad for pathway a and returns its K. */
  const pathwayGradient = (y: ArrayLike<number>, a: number): number => {
    const lo = offArr[a]!;
    const hi = offArr[a + 1]!;
    let running = 1;
    for (let i = lo; i < hi; i++) {
      prefix[i] = running;
      running *= y[i]!;
    }
    let suffix = 1;
    for (let i = hi - 1; i >= lo; i--) {
      grad[i] = prefix[i]! * suffix;
      suffix *= back === null ? y[i]! : back[i]!;
    }
    return running;
  };

  const rhs: RightHandSide = (_t, y, dydt) => {
    let total = 0;
    for (let a = 0; a < M; a++) total += pathwayGradient(y, a);
    const rt = (S - lambda * total) * invTau;
    for (let i = 0; i < n; i++) dydt[i] = grad[i]! * rt;
  };

  const jacobian: JacobianFunction = (_t, y, jac) => {
    let total = 0;
    for (let a = 0; a < M; a++) total += pathwayGradient(y, a);
    const rt = (S - lambda * total) * invTau;
    const lt = lambda * invTau;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) jac[i * n + j] = -lt * grad[i]! * grad[j]!;
    for (let a = 0; a < M; a++) {
      const lo = offArr[a]!;
      const hi = offArr[a + 1]!;
      for (let i = lo; i < hi; i++) {
        for (let j = lo; j < hi; j++) {
          // With feedback G_i depends on the layers below i only.
          if (i === j || (back !== null && j > i)) continue;
          // ∂G_i/∂w_j = ∏_{e≠i,j} of w_e (b_e above i with feedback), computed directly: depths are small
          // and zeros must be exact.
          let prod = 1;
          for (let e = lo; e < hi; e++) if (e !== i && e !== j) prod *= back !== null && e > i ? back[e]! : y[e]!;
          jac[i * n + j] += prod * rt;
        }
      }
    }
  };

  const strengths = (y: ArrayLike<number>, out: Float64Array): Float64Array => {
    for (let a = 0; a < M; a++) {
      let k = 1;
      for (let i = offsets[a]!; i < offsets[a + 1]!; i++) k *= y[i]!;
      out[a] = k;
    }
    return out;
  };
  const scratch = new Float64Array(M);
  const residual = (y: ArrayLike<number>): number => {
    strengths(y, scratch);
    let total = 0;
    for (let a = 0; a < M; a++) total += scratch[a]!;
    return S - lambda * total;
  };

  // Gradient flow conserves w_d² − w_{d+1}²; with feedback, b_{d+1}w_{d+1} − w_d²/2 (d/dt of both sides is
  // w_d·G_d·r/τ).
  const names: string[] = [];
  for (let a = 0; a < M; a++) {
    for (let d = 0; d + 1 < depths[a]!; d++) {
      names.push(back === null ? `w${d + 1}²−w${d + 2}² of pathway ${a}` : `b${d + 2}·w${d + 2}−w${d + 1}²/2 of pathway ${a}`);
    }
  }
  return {
    form: 'perLayer',
    dimension: n,
    offsets,
    rhs,
    jacobian,
    readoutDimension: M,
    strengths,
    residual,
    loss: (k) => modeLoss(S, lambda, k, M),
    learnedTotal: S / lambda,
    invariantNames: names,
    invariants(y) {
      const out: number[] = [];
      for (let a = 0; a < M; a++) {
        for (let i = offsets[a]!; i + 1 < offsets[a + 1]!; i++) {
          out.push(back === null ? y[i]! * y[i]! - y[i + 1]! * y[i + 1]! : back[i + 1]! * y[i + 1]! - 0.5 * y[i]! * y[i]!);
        }
      }
      return out;
    },
  };
}

/**
 * The mode's model; given its initial state `y0`, with the sign guard of `signGuarded` on every state variable
 * whose sign the flow conserves from there (`conservedSigns`).
 */
export function modeModel(form: ReducedForm, params: ModeParameters, y0?: ArrayLike<number>): ModeModel {
  const model = form === 'balanced' ? balancedModeModel(params) : perLayerModeModel(params);
  return y0 === undefined ? model : signGuarded(model, conservedSigns(form, params.depths, y0));
}

/**
 * sign y0_i for every state variable whose sign the flow conserves (0 for the others). Two layers of a pathway
 * with equal |w| keep w_d² − w_e² = 0, so they could only reach zero together, and {w_d = w_e = 0} is a fixed
 * set (every rate has a factor w_d or w_e): neither ever changes sign. In the balanced form q stands for D − 1
 * ≥ 2 equal layers, so q keeps its sign for D ≥ 3, and p and q both do when |p| = |q|.
 */
export function conservedSigns(form: ReducedForm, depths: readonly number[], y0: ArrayLike<number>): Float64Array {
  const offsets = makeOffsets(form, depths);
  const signs = new Float64Array(offsets[depths.length]!);
  for (let a = 0; a < depths.length; a++) {
    const lo = offsets[a]!;
    const hi = offsets[a + 1]!;
    if (form === 'balanced') {
      if (hi - lo < 2) continue;
      const p = y0[lo]!;
      const q = y0[lo + 1]!;
      if (depths[a]! >= 3 || Math.abs(p) === Math.abs(q)) signs[lo + 1] = Math.sign(q);
      if (Math.abs(p) === Math.abs(q)) signs[lo] = Math.sign(p);
      continue;
    }
    for (let i = lo; i < hi; i++) {
      for (let j = lo; j < hi; j++) {
        if (j !== i && Math.abs(y0[i]!) === Math.abs(y0[j]!)) {
          signs[i] = Math.sign(y0[i]!);
          break;
        }
      }
    }
  }
  return signs;
}

/**
 * The model with the odd extension f(…, −y_i, …) = −f(…, y_i, …) in every variable y_i whose sign is conserved
 * (signs[i] ≠ 0): it is evaluated at the state with those variables reflected back to their own side, and
 * their rates (and the Jacobian's rows and columns) flipped with them. Where no variable has crossed, the
 * values are the model's own, bit for bit. Where one has — a stuck pathway's q decays far below atol, out of
 * the error control's sight, and a step rounds or overshoots it through zero — the state is on the mirror
 * image of the true decaying trajectory instead of on one that grows and learns the mode.
 */
export function signGuarded(model: ModeModel, signs: Float64Array): ModeModel {
  const n = model.dimension;
  if (!signs.some((s) => s !== 0)) return model;
  const yEff = new Float64Array(n);
  const flips = new Float64Array(n);
  /** Reflects y into yEff; true when some variable was on the wrong side. */
  const reflect = (y: ArrayLike<number>): boolean => {
    let any = false;
    for (let i = 0; i < n; i++) {
      const flip = y[i]! * signs[i]! < 0 ? -1 : 1;
      flips[i] = flip;
      yEff[i] = flip * y[i]!;
      if (flip < 0) any = true;
    }
    return any;
  };
  const rhs: RightHandSide = (t, y, dydt) => {
    if (!reflect(y)) return model.rhs(t, y, dydt);
    model.rhs(t, yEff, dydt);
    for (let i = 0; i < n; i++) dydt[i] = flips[i]! * dydt[i]!;
  };
  const jacobian: JacobianFunction = (t, y, jac) => {
    if (!reflect(y)) return model.jacobian(t, y, jac);
    model.jacobian(t, yEff, jac);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) jac[i * n + j] = flips[i]! * flips[j]! * jac[i * n + j]!;
  };
  return {
    ...model,
    rhs,
    jacobian,
    strengths: (y, out) => model.strengths(reflect(y) ? yEff : y, out),
    residual: (y) => model.residual(reflect(y) ? yEff : y),
    invariants: (y) => model.invariants(reflect(y) ? yEff : y),
  };
}
