/**
 * One pathway of depth 2 on the balanced manifold (p = q, so K = q²): Saxe, McClelland & Ganguli (2014),
 * with input variance λ and time constant τ. Here τ dK/dt = 2K(S − λK), a logistic equation.
 *
 * Domain: 0 < K₀ (a K₀ ≤ 0 start never grows: K = 0 is a fixed point and K < 0 is not balanced-reachable
 * with p = q); S > 0, λ > 0, τ > 0; any t ≥ 0. The inverse needs K between K₀ and S/λ (exclusive of S/λ).
 */
import { ValidationError } from '../util/errors.ts';
export interface SaxeParameters {
  readonly singularValue: number;
  readonly inputVariance?: number;
  readonly tau?: number;
  /** K(0) = p₀q₀ = a₀², > 0 */
  readonly initialStrength: number;
}

function check(params: SaxeParameters): { S: number; lambda: number; tau: number; K0: number } {
  const S = params.singularValue;
  const lambda = params.inputVariance ?? 1;
  const tau = params.tau ?? 1;
  const K0 = params.initialStrength;
  if (!(S > 0 && lambda > 0 && tau > 0 && K0 > 0) || ![S, lambda, tau, K0].every(Number.isFinite)) {
    throw new ValidationError('saxe', { S, lambda, tau, K0 }, 'finite S > 0, λ > 0, τ > 0 and K₀ > 0');
  }
  return { S, lambda, tau, K0 };
}

/** K(t) = (S/λ) e / (e − 1 + S/(λK₀)), e = exp(2St/τ), written with exp(−2St/τ) so large t cannot overflow. */
export function saxeStrength(params: SaxeParameters, t: number): number {
  const { S, lambda, tau, K0 } = check(params);
  const decay = Math.exp((-2 * S * t) / tau);
  const target = S / lambda;
  // e − 1 + S/(λK₀) = e·(1 + decay·(S/(λK₀) − 1))
  return target / (1 + decay * (target / K0 - 1));
}

/** The time at which K reaches `strength` (between K₀ and S/λ); inverse of saxeStrength. */
export function saxeTime(params: SaxeParameters, strength: number): number {
  const { S, lambda, tau, K0 } = check(params);
  const target = S / lambda;
  // Values within round-off of K₀ count as K₀ (t = 0): K(0) computed by saxeStrength may differ from K₀ by an ulp.
  const slack = 4 * Number.EPSILON * K0;
  const between =
    K0 < target ? strength >= K0 - slack && strength < target : strength <= K0 + slack && strength > target;
  if (!between) {
    throw new ValidationError('saxeTime: strength', strength, `between K₀ = ${K0} and S/λ = ${target} (exclusive): other strengths are not reached`);
  }
  // e = K (S/(λK₀) − 1) / (S/λ − K)
  return Math.max(0, (tau / (2 * S)) * Math.log((strength * (target / K0 - 1)) / (target - strength)));
}
