/**
 * The clock integrals behind the end-state engine as series and continued fractions (docs/end-states.md). Since
 * issue 18 the engine uses the closed forms of endstate-clock.ts wherever they are accurate, and these only where
 * the closed forms cancel: deep pathways (c > 0 and D ≥ 22, and every D > 102).
 *
 * On the clock u a depth-D pathway (D ≥ 3, q > 0) obeys dp/du = (c + p²)^{(D−1)/2}. With a hyperbolic angle θ,
 *     c > 0:  p = ±√c sinh θ, q = √c cosh θ,   du = c^{−m/2} sech^m θ dθ,
 *     c < 0:  p = ±√−c cosh θ, q = √−c sinh θ,  du = (−c)^{−m/2} csch^m θ dθ,      m = D − 2,
 * so the clock distance from a point to the blow-up (or from the far end where p = −∞) is a scaled tail
 *     Sₘ(θ) = ∫_θ^∞ sechᵐ φ dφ      or      Cₘ(θ) = ∫_θ^∞ cschᵐ φ dφ.
 * Measuring distances from the near end keeps them accurate when they are tiny (the leader just before its
 * blow-up), where a difference of two O(1) integrals would cancel.
 *
 * Series used (each converges at least like 2⁻ᵏ on its branch, with terms of one sign or alternating):
 *   Sₘ(θ), sinh θ ≥ 1:  ½ sechᵐθ Σₖ (½)ₖ/k! · t^k/(m/2 + k),  t = sech²θ ≤ ½   (incomplete beta ½B_t(m/2, ½))
 *   Sₘ(θ), m > 8, t < (m/2 + 1)/(m/2 + 5/2): the continued fraction of ½B_t(m/2, ½) instead (fast where the
 *                       series would need ~m terms)
 *   Sₘ(θ), otherwise:   Λₘ/2 − tanh θ sechᵐθ Σₖ (n/2)ₖ/(3/2)ₖ · z^k,  z = tanh²θ < ½, n = m + 1
 *                       (∫₀^X (1+Y²)^{−n/2} dY = X ₂F₁(½, n/2; 3/2; −X²) after Pfaff's transformation)
 *   Cₘ(θ), θ ≥ θₛ:      2ᵐ Σₖ (m)ₖ/k! · e^{−(m+2k)θ}/(m + 2k)   (binomial series of (1 − e^{−2φ})^{−m})
 *   Cₘ(θ), θ < θₛ:      Cₘ(θₛ) + Σⱼ aⱼ ∫_θ^θₛ φ^{2j−m} dφ,  (φ/sinh φ)ᵐ = Σⱼ aⱼ φ^{2j}   (radius π),
 *                       θₛ = min(1, max(0.3, 5/√m))
 * m = 1 and m = 2 have elementary closed forms and explicit inverses, used directly.
 */

const ASINH_ONE = Math.asinh(1);
/** Where the csch tail switches from the exponential series to the Laurent series (lower for m > 25). */
const CSCH_SPLIT = 1;
const EPS = 1e-17;
const MAX_TERMS = 5000;

/** Λₘ = ∫_ℝ sechᵐ = B(m/2, ½): Λ₁ = π, Λ₂ = 2, Λₘ = (m − 2)/(m − 1) Λₘ₋₂. Cached per m. */
const lengths: number[] = [NaN, Math.PI, 2];
export function sechLength(m: number): number {
  for (let k = lengths.length; k <= m; k++) lengths.push(((k - 2) / (k - 1)) * lengths[k - 2]!);
  return lengths[m]!;
}

/** Sₘ(θ) = ∫_θ^∞ sechᵐ φ dφ for θ ≥ 0, m ≥ 1. */
export function sechTail(m: number, theta: number): number {
  if (m === 1) return Math.atan(1 / Math.sinh(theta)); // π/2 − gd(θ)
  if (m === 2) {
    const x = Math.exp(-2 * theta);
    return (2 * x) / (1 + x); // 1 − tanh θ without cancelling
  }
  const sech = 1 / Math.cosh(theta);
  const t = sech * sech;
  if (m > 8) {
    // Deep pathways: sechᵐ is a narrow peak (width ~1/√m), Λₘ/2 − ∫₀^θ cancels ~2^{m/2}-fold at sinh θ = 1 and
    // the t-series would need ~m terms, so use the continued fraction of B_t(m/2, ½) wherever it converges
    // fast (t < (a + 1)/(a + 3/2 + 1), a = m/2), and the complement only inside the peak (θ ≲ 1.7/√m).
    const a = m / 2;
    if (t < (a + 1) / (a + 2.5)) return (sech ** m * Math.tanh(theta) * betaFraction(a, 0.5, t)) / m;
  } else if (theta >= ASINH_ONE) {
    const a = m / 2;
    let sum = 0;
    let coefficient = 1; // (½)ₖ/k! t^k
    for (let k = 0; k < MAX_TERMS; k++) {
      const term = coefficient / (a + k);
      sum += term;
      if (term <= EPS * sum) break;
      coefficient *= ((k + 0.5) / (k + 1)) * t;
    }
    return 0.5 * sech ** m * sum;
  }
  const tanh = Math.tanh(theta);
  const z = tanh * tanh;
  const half = (m + 1) / 2;
  let sum = 0;
  let term = 1; // (n/2)ₖ/(3/2)ₖ z^k
  for (let k = 0; k < MAX_TERMS; k++) {
    sum += term;
    if (term <= EPS * sum && k > 0) break;
    term *= ((half + k) / (1.5 + k)) * z;
  }
  return sechLength(m) / 2 - tanh * sech ** m * sum;
}

/**
 * The continued fraction of the incomplete beta function, B_x(a, b) = x^a (1 − x)^b / a · CF, evaluated by the
 * modified Lentz method: CF = 1/(1 + d₁/(1 + d₂/(1 + …))) with
 *     d_{2k+1} = −(a + k)(a + b + k) x / ((a + 2k)(a + 2k + 1)),   d_{2k} = k (b − k) x / ((a + 2k − 1)(a + 2k)),
 * which converges quickly for x < (a + 1)/(a + b + 2).
 */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let k = 1; k < MAX_TERMS; k++) {
    const even = (k * (b - k) * x) / ((a + 2 * k - 1) * (a + 2 * k));
    d = 1 + even * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + even / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    const odd = (-(a + k) * (a + b + k) * x) / ((a + 2 * k) * (a + 2 * k + 1));
    d = 1 + odd * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + odd / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h;
}

/** Laurent coefficients aⱼ of (φ / sinh φ)ᵐ in powers of φ², grown on demand and cached per m. */
const laurent = new Map<number, number[]>();
function laurentCoefficients(m: number, count: number): number[] {
  let a = laurent.get(m);
  if (!a) {
    a = [1];
    laurent.set(m, a);
  }
  if (a.length >= count) return a;
  // s(x) = sinh φ/φ = Σ xⁱ/(2i+1)!, x = φ²; the power a = s^{−m} by Miller's recurrence
  // a_j = (1/j) Σ_{i=1..j} ((1 − m) i − j) s_i a_{j−i}.
  const s: number[] = [1];
  for (let i = 1; i < count; i++) s.push(s[i - 1]! / ((2 * i) * (2 * i + 1)));
  for (let j = a.length; j < count; j++) {
    let sum = 0;
    for (let i = 1; i <= j; i++) sum += ((1 - m) * i - j) * s[i]! * a[j - i]!;
    a.push(sum / j);
  }
  return a;
}

/** Cₘ(θ) = ∫_θ^∞ cschᵐ φ dφ for θ > 0, m ≥ 1. */
export function cschTail(m: number, theta: number): number {
  if (m === 1) {
    // −ln tanh(θ/2) = ln(1 + e^{−θ}) − ln(1 − e^{−θ})
    return Math.log1p(Math.exp(-theta)) - logOneMinusExp(theta);
  }
  if (m === 2) return 2 / Math.expm1(2 * theta); // coth θ − 1
  // The Laurent coefficients grow like j^{m−1}/(m−1)! π^{−2j}, so deep pathways switch to the (positive, longer)
  // exponential series further in.
  const split = Math.min(CSCH_SPLIT, Math.max(0.3, 5 / Math.sqrt(m)));
  if (theta >= split) return cschFar(m, theta);
  let coefficients = laurentCoefficients(m, 48);
  let sum = 0;
  const logRatio = Math.log(split / theta);
  for (let j = 0; j < MAX_TERMS; j++) {
    if (j >= coefficients.length) coefficients = laurentCoefficients(m, 2 * coefficients.length);
    const e = 2 * j - m + 1; // exponent of the antiderivative φ^e / e
    const piece = e === 0 ? logRatio : (split ** e - theta ** e) / e;
    const term = coefficients[j]! * piece;
    sum += term;
    if (e > 0 && Math.abs(term) <= EPS * Math.abs(sum)) break;
  }
  return cschFar(m, split) + sum;
}

/** ln(1 − e^{−x}) for x > 0, accurate at both ends. */
function logOneMinusExp(x: number): number {
  return x > Math.LN2 ? Math.log1p(-Math.exp(-x)) : Math.log(-Math.expm1(-x));
}

function cschFar(m: number, theta: number): number {
  const x = Math.exp(-2 * theta);
  let sum = 0;
  let coefficient = 1; // (m)ₖ/k! xᵏ
  for (let k = 0; k < MAX_TERMS; k++) {
    const term = coefficient / (m + 2 * k);
    sum += term;
    if (term <= EPS * sum) break;
    coefficient *= ((m + k) / (k + 1)) * x;
  }
  return 2 ** m * Math.exp(-m * theta) * sum;
}

/** θ ≥ 0 with Sₘ(θ) = h, for 0 < h ≤ Λₘ/2 (θ = 0 at and above Λₘ/2). `guess` speeds up warm starts. */
export function sechTailInverse(m: number, h: number, guess?: number): number {
  if (!(h > 0)) return Infinity;
  if (h >= sechLength(m) / 2) return 0;
  if (m === 1) return Math.asinh(1 / Math.tan(h));
  if (m === 2) return 0.5 * Math.log((2 - h) / h); // atanh(1 − h)
  // sechᵐφ ≤ 2ᵐ e^{−mφ}, so Sₘ(θ) ≤ 2ᵐ e^{−mθ}/m and the root lies below θ where that bound equals h.
  const upper = Math.max(0, Math.LN2 - Math.log(m * h) / m);
  const start = guess !== undefined && guess > 0 && guess < upper ? guess : upper;
  // ln Sₘ is concave (sechᵐ is log-concave), so Newton on it converges from any start: at most one step
  // overshoots to the right, then the iterates decrease monotonically to the root.
  return newtonDecreasing(
    (theta) => sechTail(m, theta),
    (theta) => Math.cosh(theta) ** -m,
    Math.log(h),
    0,
    upper,
    start,
    false,
  );
}

/** θ > 0 with Cₘ(θ) = h, for h > 0. */
export function cschTailInverse(m: number, h: number, guess?: number): number {
  if (!(h > 0)) return Infinity;
  if (!Number.isFinite(h)) return 0;
  if (m === 1) {
    // tanh(θ/2) = e^{−h}
    return Math.log1p(Math.exp(-h)) - logOneMinusExp(h);
  }
  if (m === 2) return 0.5 * Math.log1p(2 / h); // coth θ = 1 + h
  // 2ᵐe^{−mφ} ≤ cschᵐφ ≤ φ^{−m} bracket the root: Cₘ between 2ᵐe^{−mθ}/m and θ^{1−m}/(m − 1).
  const lower = Math.max(0, Math.LN2 - Math.log(m * h) / m);
  const upper = ((m - 1) * h) ** (-1 / (m - 1));
  const start = guess !== undefined && guess > lower && guess < upper ? guess : lower > 0 ? lower : upper;
  // In ψ = ln θ, ln Cₘ is ≈ linear near θ = 0 (power law) and ≈ −m e^ψ far out: Newton in ψ fits both ends.
  return newtonDecreasing(
    (theta) => cschTail(m, theta),
    (theta) => Math.sinh(theta) ** -m,
    Math.log(h),
    lower,
    upper,
    start,
    true,
  );
}

/**
 * Solves ln tail(θ) = lnTarget for a decreasing tail with density −tail' on [lo, hi], by Newton's method in
 * θ (or in ln θ when `logVariable`) with a bisection safeguard; returns θ to about one ulp.
 */
function newtonDecreasing(
  tail: (theta: number) => number,
  density: (theta: number) => number,
  lnTarget: number,
  lo: number,
  hi: number,
  start: number,
  logVariable: boolean,
): number {
  let theta = start;
  for (let iteration = 0; iteration < 200; iteration++) {
    const value = tail(theta);
    const g = Math.log(value) - lnTarget;
    if (g > 0) lo = theta;
    else if (g < 0) hi = theta;
    else return theta;
    // dg/dθ = −density/tail; in ψ = ln θ, dg/dψ = θ dg/dθ.
    const slope = -density(theta) / value;
    let next = logVariable ? theta * Math.exp(-g / (theta * slope)) : theta - g / slope;
    if (next > lo && next < hi) {
      // Newton converges quadratically, so once a step is below 1e-8 the next iterate is at round-off level.
      if (Math.abs(next - theta) <= 1e-8 * Math.abs(next)) return next;
    } else {
      next = logVariable && lo > 0 ? Math.sqrt(lo * hi) : 0.5 * (lo + hi);
    }
    if (Math.abs(next - theta) <= 2e-16 * Math.abs(next) || next === lo || next === hi) return next;
    theta = next;
  }
  return theta;
}
