/**
 * Pathways that are all single weight matrices (D_a = 1): τ dK_a/dt = r = S − λ Σ_b K_b for every a. Every
 * pathway gains the same increment and the total relaxes exponentially:
 *     Σ(t) = S/λ + (Σ₀ − S/λ) e^{−Mλt/τ},   K_a(t) = K_a(0) + (Σ(t) − Σ₀)/M.
 * Domain: any K_a(0), S, λ > 0, τ > 0, t ≥ 0.
 */
export function depthOneStrengths(
  initial: readonly number[],
  singularValue: number,
  t: number,
  inputVariance = 1,
  tau = 1,
): number[] {
  const M = initial.length;
  const total0 = initial.reduce((s, k) => s + k, 0);
  const target = singularValue / inputVariance;
  // (Σ(t) − Σ₀) = (S/λ − Σ₀)(1 − e^{−Mλt/τ}); expm1 keeps small-t accuracy.
  const gain = (target - total0) * -Math.expm1((-M * inputVariance * t) / tau);
  return initial.map((k) => k + gain / M);
}
