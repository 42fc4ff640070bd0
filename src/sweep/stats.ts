/** Means and Student-t confidence intervals over a grid cell's seeds. */
import { ValidationError } from '../util/errors.ts';

/**
 * P(|T| ≤ t) for Student's t with ν (integer ≥ 1) degrees of freedom, by the finite trigonometric sums of
 * Abramowitz & Stegun 26.7.3–26.7.4 (θ = atan(t/√ν)); exact up to round-off, no special functions needed.
 */
export function studentTwoSided(t: number, nu: number): number {
  const theta = Math.atan(t / Math.sqrt(nu));
  const c2 = Math.cos(theta) ** 2;
  const s = Math.sin(theta);
  if (nu % 2 === 1) {
    if (nu === 1) return (2 * theta) / Math.PI;
    // cosθ (1 + 2/3 cos²θ + 2·4/(3·5) cos⁴θ + … up to cos^{ν−2}θ)
    let term = Math.cos(theta);
    let sum = term;
    for (let k = 1; 2 * k + 1 <= nu - 2; k++) {
      term *= (c2 * (2 * k)) / (2 * k + 1);
      sum += term;
    }
    return (2 / Math.PI) * (theta + s * sum);
  }
  // 1 + 1/2 cos²θ + 1·3/(2·4) cos⁴θ + … up to cos^{ν−2}θ
  let term = 1;
  let sum = 1;
  for (let k = 1; 2 * k <= nu - 2; k++) {
    term *= (c2 * (2 * k - 1)) / (2 * k);
    sum += term;
  }
  return s * sum;
}

const quantileCache = new Map<number, number>();

/** t_{0.975, ν}: the half-width factor of a 95% confidence interval, by bisection on studentTwoSided. */
export function studentQuantile975(nu: number): number {
  if (!(Number.isInteger(nu) && nu >= 1)) throw new ValidationError('nu', nu, 'an integer ≥ 1');
  const cached = quantileCache.get(nu);
  if (cached !== undefined) return cached;
  let lo = 0;
  let hi = 20; // ν = 1 needs 12.71; larger ν need less
  for (let i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (studentTwoSided(mid, nu) < 0.95) lo = mid;
    else hi = mid;
  }
  const q = 0.5 * (lo + hi);
  quantileCache.set(nu, q);
  return q;
}

export interface Summary {
  /** Number of finite values (seeds that gave the measure). */
  readonly n: number;
  readonly mean: number | null;
  /** Sample standard deviation (n − 1 in the denominator); null for n < 2. */
  readonly sd: number | null;
  /** 95% confidence interval of the mean, mean ∓ t_{0.975,n−1} sd/√n; null for n < 2. */
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
}

/** Summary of values in the order given (the order fixes the round-off, so callers pass a canonical order). */
export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  if (n === 0) return { n, mean: null, sd: null, ciLow: null, ciHigh: null };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n === 1) return { n, mean, sd: null, ciLow: null, ciHigh: null };
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = (studentQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, ciLow: mean - half, ciHigh: mean + half };
}
