/**
 * The Gauss hypergeometric function in the one family the reduced model needs:
 *     F(b; z) = ₂F₁(1, b; b + 1; z) = b Σ_{n≥0} zⁿ / (n + b),   z < 1, b not 0, −1, −2, …
 * For z ≤ ½ the defining series converges at least like 2⁻ⁿ. Near z = 1 the series crawls and the function
 * has a logarithmic singularity (c − a − b = 0, the degenerate case), so there we use the expansion in 1 − z
 * (Abramowitz & Stegun 15.3.10 with a = 1, c = a + b):
 *     F(b; z) = b Σ_{n≥0} (b)_n / n! · [ψ(n + 1) − ψ(n + b) − ln(1 − z)] (1 − z)ⁿ,
 * which converges like 2⁻ⁿ for z ≥ ½. For z < 0 the Pfaff transformation
 *     ₂F₁(1, b; b+1; z) = (1 − z)^{−1} ₂F₁(1, 1; b+1; z/(z−1))
 * maps to a series in (0, ½]. The model only uses z ∈ [0, 1); z < −1 is rejected.
 */
import { ValidationError } from '../util/errors.ts';

/** Digamma ψ(x) for real x not a non-positive integer: recurrence up to x ≥ 8, then the asymptotic series. */
export function digamma(x: number): number {
  if (x <= 0 && Number.isInteger(x)) throw new ValidationError('digamma: x', x, 'not 0 or a negative integer (the poles of ψ)');
  if (x < 0) {
    // Reflection: ψ(1 − x) − ψ(x) = π cot(πx).
    return digamma(1 - x) - Math.PI / Math.tan(Math.PI * x);
  }
  let shift = 0;
  while (x < 8) {
    shift -= 1 / x;
    x += 1;
  }
  const inv2 = 1 / (x * x);
  // ψ(x) ~ ln x − 1/(2x) − Σ B_{2k}/(2k x^{2k}); terms through x⁻¹² leave < 1e-16 at x ≥ 8.
  const series =
    inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132 - inv2 * (691 / 32760))))));
  return shift + Math.log(x) - 0.5 / x - series;
}

const MAX_TERMS = 400;

/** ₂F₁(1, b; b + 1; z) for −1 ≤ z < 1. */
export function hyp2f1OneBBPlusOne(b: number, z: number): number {
  if (!(z < 1 && z >= -1)) throw new ValidationError('hyp2f1: z', z, 'the supported range [−1, 1)');
  if (b <= 0 && Number.isInteger(b)) throw new ValidationError('hyp2f1: b', b, 'not 0 or a negative integer');
  if (z < 0) {
    // Pfaff: ₂F₁(1, b; b+1; z) = (1 − z)⁻¹ ₂F₁(1, 1; b+1; w), w = z/(z − 1) ∈ (0, ½]; its terms
    // n!/(b+1)_n wⁿ shrink at least like 2⁻ⁿ, where the alternating series in z would crawl near z = −1.
    const w = z / (z - 1);
    let sum = 0;
    let term = 1;
    for (let n = 0; n < MAX_TERMS; n++) {
      sum += term;
      if (Math.abs(term) <= 1e-17 * Math.abs(sum) && n > 2) break;
      term *= ((n + 1) / (n + b + 1)) * w;
    }
    return sum / (1 - z);
  }
  if (z <= 0.5) {
    let sum = 0;
    let power = 1;
    for (let n = 0; n < MAX_TERMS; n++) {
      const term = power / (n + b);
      sum += term;
      if (Math.abs(term) <= 1e-17 * Math.abs(sum) && n > 2) break;
      power *= z;
    }
    return b * sum;
  }
  const w = 1 - z;
  const logW = Math.log(w);
  let sum = 0;
  let coefficient = 1; // (b)_n / n!
  let power = 1; // wⁿ
  let psiN1 = digamma(1); // ψ(n + 1)
  let psiNb = digamma(b); // ψ(n + b)
  for (let n = 0; n < MAX_TERMS; n++) {
    const term = coefficient * (psiN1 - psiNb - logW) * power;
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum) && n > 2) break;
    // ψ(x + 1) = ψ(x) + 1/x keeps the digammas exact along the series.
    psiN1 += 1 / (n + 1);
    psiNb += 1 / (n + b);
    coefficient *= (n + b) / (n + 1);
    power *= w;
  }
  return b * sum;
}
