/**
 * The aligned two-layer mode in closed form, across the whole rich-to-lazy range (Dominé et al., ICLR 2025;
 * Braun et al. 2022 at λ = 0; research/companions-sources.md §4b).
 *
 * A mode of a two-layer linear network on whitened inputs, with first-layer amplitude c and second-layer
 * amplitude d, follows τ dc/dt = d(s − cd), τ dd/dt = c(s − cd); λ = d² − c² is conserved (the λ-balance of
 * the layers) and the product a = cd obeys τ da/dt = √(λ² + 4a²)(s − a). λ = 0 is the rich (sigmoidal) end,
 * |λ| ≫ s the lazy one (a relaxes exponentially at rate |λ|, one layer barely moving).
 *
 * Derived here rather than transcribed (the printed form has a sign erratum for λ < 0, +λ where |λ| belongs):
 * with a = (|λ|/2) sinh φ the equation becomes τ dφ/dt = 2s − |λ| sinh φ, linear-fractional in u = e^φ. In
 * v = |λ|u/4 (so that a = v − λ²/(16v), finite as λ → 0) its fixed points are v₊ = (2s + K)/4 and
 * v₋ = −λ²/(4(2s + K)), K = √(λ² + 4s²), and
 *     (v − v₊)/(v − v₋) = D e^{−Kt/τ},   D = (v₀ − v₊)/(v₀ − v₋),   v₀ = (a₀ + √(a₀² + λ²/4))/2.
 * Solved for v with every term of numerator and denominator of one sign (v₋ ≤ 0 < v₀), so nothing cancels.
 */
import { ValidationError } from '../util/errors.ts';
import { expectNumber, expectRecord, rejectUnknownKeys } from '../util/validation.ts';

export interface AlignedMode {
  /** Singular value s of the mode (> 0). */
  readonly s: number;
  /** First-layer amplitude c₀ and second-layer amplitude d₀ at t = 0. */
  readonly c0: number;
  readonly d0: number;
  /** Time constant τ (default 1). */
  readonly tau?: number;
}

export interface AlignedModeState {
  /** The product a = cd: the network's strength along the mode. */
  readonly product: number;
  /** First-layer amplitude c. */
  readonly first: number;
  /** Second-layer amplitude d. */
  readonly second: number;
}

export interface AlignedModeSolution {
  /** λ = d² − c², conserved. */
  readonly lambda: number;
  at(t: number): AlignedModeState;
}

function parseMode(value: unknown): Required<AlignedMode> {
  const o = expectRecord(value, 'mode', 'an object { s, c0, d0, tau? }');
  rejectUnknownKeys(o, ['s', 'c0', 'd0', 'tau'], 'mode');
  const s = expectNumber(o['s'], 'mode.s', { exclusiveMin: 0 });
  const c0 = expectNumber(o['c0'], 'mode.c0');
  const d0 = expectNumber(o['d0'], 'mode.d0');
  const tau = o['tau'] === undefined ? 1 : expectNumber(o['tau'], 'mode.tau', { exclusiveMin: 0 });
  if (!Number.isFinite(d0 * d0 - c0 * c0) || !Number.isFinite(c0 * d0)) {
    throw new ValidationError('mode', `c0 = ${c0}, d0 = ${d0}`, 'amplitudes whose squares and product are doubles');
  }
  return { s, c0, d0, tau };
}

/**
 * The closed-form trajectory of an aligned two-layer mode. The layers' amplitudes follow from a and λ:
 * c² + d² = √(λ² + 4a²), d² − c² = λ; the layer whose square exceeds the other's by |λ| never crosses zero and
 * keeps its sign, the other takes the sign of a. (λ = 0 with a₀ ≤ 0: the mode never learns, a → 0.)
 */
export function alignedModeSolution(input: AlignedMode): AlignedModeSolution {
  const { s, c0, d0, tau } = parseMode(input);
  const lambda = d0 * d0 - c0 * c0;
  const a0 = c0 * d0;
  const l2 = lambda * lambda;
  const K = Math.sqrt(l2 + 4 * s * s);
  const vPlus = (2 * s + K) / 4;
  const vMinus = -l2 / (4 * (2 * s + K));
  const root = Math.sqrt(a0 * a0 + l2 / 4);
  // a₀ < 0: the difference a₀ + √(a₀² + λ²/4) cancels; its conjugate form does not.
  const v0 = a0 >= 0 ? (a0 + root) / 2 : l2 / 8 / (root - a0);
  const stuck = !(v0 > 0); // λ = 0 and a₀ ≤ 0
  const product = (t: number): number => {
    const x = t / tau;
    if (stuck) {
      // τ da/dt = −2a(s − a) for a ≤ 0 (Bernoulli): a = s a₀ e^{−2sx} / (s − a₀(1 − e^{−2sx})).
      const e = Math.exp(-2 * s * x);
      return (s * a0 * e) / (s - a0 * -Math.expm1(-2 * s * x));
    }
    const e = Math.exp(-K * x);
    const oneMinus = -Math.expm1(-K * x);
    const num = vPlus * v0 - vMinus * v0 * e - vPlus * vMinus * oneMinus;
    const den = v0 * oneMinus + vPlus * e - vMinus;
    const v = num / den;
    return v - l2 / (16 * v);
  };
  // Which layer keeps its sign: the larger one (by |λ|); at λ = 0 both keep theirs (they shrink or grow together).
  const secondLarger = lambda >= 0;
  const signKept = secondLarger ? Math.sign(d0) || 1 : Math.sign(c0) || 1;
  return {
    lambda,
    at(t: number): AlignedModeState {
      const time = expectNumber(t, 't', { min: 0 });
      const a = product(time);
      const sum = Math.sqrt(l2 + 4 * a * a);
      const big = Math.sqrt((sum + Math.abs(lambda)) / 2) * signKept;
      // The smaller amplitude from the product (no cancellation in (sum − |λ|)/2 as a → 0).
      const small = big === 0 ? 0 : a / big;
      return secondLarger ? { product: a, first: small, second: big } : { product: a, first: big, second: small };
    },
  };
}

/** ‖ΔW‖_F of the aligned mode from its start, over both layers: √((c − c₀)² + (d − d₀)²). */
export function alignedWeightChange(start: AlignedModeState, end: AlignedModeState): number {
  return Math.hypot(end.first - start.first, end.second - start.second);
}
