/**
 * One pathway of depth D whose D factors are all equal to a (balanced with p = q): K = a^D and
 *     τ da/dt = a^{D−1} (S − λ a^D).
 * Separating variables, t(a) = τ (G(a) − G(a₀)) with G' = 1 / (x^{D−1}(S − λx^D)). Expanding 1/(S − λx^D) in
 * z = λx^D/S and integrating term by term,
 *     G(x) = x^{2−D} / (S (2 − D)) · ₂F₁(1, b; b + 1; z),   b = (2 − D)/D,   (D ≠ 2)
 *     G(x) = ln(x² / (S − λx²)) / (2S)                      (D = 2).
 * Domain: S > 0, λ > 0, τ > 0, D ≥ 1 integer, 0 < a₀, a < (S/λ)^{1/D} (the learned value), a on the way from
 * a₀ towards it. For small a₀ and D ≥ 3 the time is dominated by the plateau τ / ((D − 2) S a₀^{D−2}).
 */
import { ValidationError } from '../util/errors.ts';
import { hyp2f1OneBBPlusOne } from './hypergeometric.ts';

export interface EqualFactorsParameters {
  readonly depth: number;
  readonly singularValue: number;
  readonly inputVariance?: number;
  readonly tau?: number;
  /** a₀ > 0 */
  readonly initialFactor: number;
}

function checked(params: EqualFactorsParameters) {
  const D = params.depth;
  const S = params.singularValue;
  const lambda = params.inputVariance ?? 1;
  const tau = params.tau ?? 1;
  const a0 = params.initialFactor;
  if (!(Number.isInteger(D) && D >= 1)) throw new ValidationError('depth', D, 'an integer ≥ 1');
  if (!(S > 0 && lambda > 0 && tau > 0 && a0 > 0) || ![S, lambda, tau, a0].every(Number.isFinite)) {
    throw new ValidationError('equal factors', { S, lambda, tau, a0 }, 'finite S, λ, τ and a₀, all > 0');
  }
  const aStar = (S / lambda) ** (1 / D);
  if (!(a0 < aStar)) throw new ValidationError('initialFactor', a0, `0 < a₀ < (S/λ)^{1/D} = ${aStar}`);
  return { D, S, lambda, tau, a0, aStar };
}

function antiderivative(D: number, S: number, lambda: number, x: number): number {
  if (D === 2) return Math.log((x * x) / (S - lambda * x * x)) / (2 * S);
  const b = (2 - D) / D;
  return (x ** (2 - D) / (S * (2 - D))) * hyp2f1OneBBPlusOne(b, (lambda * x ** D) / S);
}

/** Time at which the factors reach a (a₀ ≤ a < (S/λ)^{1/D}). */
export function equalFactorsTime(params: EqualFactorsParameters, a: number): number {
  const { D, S, lambda, tau, a0, aStar } = checked(params);
  if (!(a >= a0 && a < aStar)) throw new ValidationError('a', a, `a₀ = ${a0} ≤ a < (S/λ)^{1/D} = ${aStar}`);
  return tau * (antiderivative(D, S, lambda, a) - antiderivative(D, S, lambda, a0));
}

/** Leading small-a₀ estimate of the plateau before learning, τ / ((D − 2) S a₀^{D−2}) (D ≥ 3). */
export function equalFactorsPlateau(params: EqualFactorsParameters): number {
  const { D, S, tau, a0 } = checked(params);
  if (D < 3) throw new ValidationError('depth', D, '≥ 3 (depths 1 and 2 have no power-law plateau)');
  return tau / ((D - 2) * S * a0 ** (D - 2));
}

/**
 * The factor a(t), inverse of equalFactorsTime, by a safeguarded Newton iteration: Newton steps use the exact
 * derivative dt/da = τ / (a^{D−1}(S − λa^D)); any step leaving the bracket [lo, hi] (which always contains the
 * root, t(a) being increasing) is replaced by bisection. Converges to a few ulps; once a is within round-off of
 * (S/λ)^{1/D} the answer is that limit.
 */
export function equalFactorsFactor(params: EqualFactorsParameters, t: number): number {
  const { D, S, lambda, tau, a0, aStar } = checked(params);
  if (!(t >= 0 && Number.isFinite(t))) throw new ValidationError('t', t, 'a finite time ≥ 0');
  if (t === 0) return a0;
  const g0 = antiderivative(D, S, lambda, a0);
  const residual = (a: number) => tau * (antiderivative(D, S, lambda, a) - g0) - t;
  let lo = a0;
  let hi = aStar;
  let a = 0.5 * (lo + hi);
  for (let iteration = 0; iteration < 200; iteration++) {
    const f = residual(a);
    if (f === 0) return a;
    if (f < 0) lo = a;
    else hi = a;
    const slope = tau / (a ** (D - 1) * (S - lambda * a ** D));
    let next = a - f / slope;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - a) <= 4 * Number.EPSILON * a || hi - lo <= 4 * Number.EPSILON * hi) return next;
    a = next;
  }
  return a;
}
