/**
 * The clock integrals of the end-state engine in closed form (docs/end-states.md, issue 18).
 *
 * A depth-D pathway (D ≥ 3, q > 0, m = D − 2, c = q² − p², σ = sign c) on the clock u obeys
 * dp/du = (c + p²)^{(D−1)/2}. In z = p/q, dz/du = c q^{m−2} and q² = c/(1 − z²), so
 *     du = |c|^{−m/2} (σ(1 − z²))^{(m−2)/2} |dz|:
 * an algebraic integrand, which for every integer m integrates in elementary functions. Positions are measured
 * from the nearer end of the trajectory (the blow-up, or p = −∞) by y = σ(1 − |z|) ≥ 0, |z| = 1 − σy, for which
 *     1 − z² = σ·y(2 − σy),   q = √|c| / √(y(2 − σy)),   |p| = (1 − σy) q,
 * and the clock distance to that end is |c|^{−m/2} τ(y) with
 *     τ(y) = ∫_0^y (s(2 − σs))^{(m−2)/2} ds.
 * (y = 1 − tanh θ and y = coth θ − 1 in the hyperbolic angles of endstate-tails.ts, τ = Sₘ(θ) and τ = Cₘ(θ).)
 * Closed forms, w = y(2 − σy):
 *   m = 1:        τ = 2 asin √(y/2)  (σ = +1),  2 asinh √(y/2)  (σ = −1);  inverse y = 2 sin²(h/2), 2 sinh²(h/2)
 *   m = 2:        τ = y
 *   m = 2j + 2:   τ = y^{j+1} Σᵢ C(j,i) 2^{j−i} (−σ)ⁱ yⁱ/(j+1+i)      (a polynomial, positive terms for σ = −1)
 *                 σ = +1 also τ = Λ/2 − z Σᵢ gᵢ wⁱ, z = 1 − y         (gᵢ > 0: the integral from the middle)
 *   m = 2r + 1:   σ = +1: τ = aᵣ α − (1 − y) √w Σₖ eₖ w^{k−1},  α = 2 asin √(y/2)   (∫₀^α sin^{2r}, reduction formula)
 *                 σ = −1: τ = Aᵣ β + (1 + y) √w Σₖ fₖ w^{k−1},  β = 2 asinh √(y/2)  (∫₀^β sinh^{2r})
 * Every form with terms of both signs cancels somewhere: the polynomial of σ = +1 by up to ((2 + y)/(2 − y))^j,
 * the middle form near the end (τ ≪ Λ/2), and the odd-m forms near the end (τ ~ y^{m/2}, the terms ~ √y). So each
 * (m, σ) picks, at construction, the form with the smaller condition number at each y (estimated from its terms),
 * and for odd m near the end (y below `split`) the binomial series of the integrand, whose terms shrink like
 * (y/2)ⁱ there — a bounded number of terms, fixed at construction. Where no form keeps the condition number below
 * COND_LIMIT on the whole trajectory (σ = +1 and m ≥ 20, where the peak of the integrand is so narrow that every
 * finite form cancels in the middle; and every m > 100) the series and continued fractions of endstate-tails.ts,
 * validated to m = 100, remain in use. The polynomial and the series are kept in powers of 2y, which cannot
 * underflow before τ itself does.
 *
 * The middle form is also the clock from the crossing p = 0 (c > 0): u − u₀ = c^{−m/2} G(z),
 *     G(z) = ∫₀^z (1 − t²)^{(m−2)/2} dt = z Σᵢ gᵢ (1 − z²)ⁱ (m even),  aᵣ asin z + z √(1 − z²) Σₖ eₖ (1 − z²)^{k−1} (m odd),
 * all terms positive, so it keeps its relative precision for every z and m.
 */
import { cschTail, cschTailInverse, sechTail, sechTailInverse } from './endstate-tails.ts';

/** Deeper pathways keep the tails of endstate-tails.ts (validated to m = 100), whose range the engine had before. */
const MAX_CLOSED = 100;
/** Largest condition number (Σ|terms| / |sum|) accepted for a closed form; beyond, the tails of endstate-tails.ts. */
const COND_LIMIT = 64;
/** Condition number below which the closed form of odd m is preferred to its series near the end. */
const ODD_SWITCH_COND = 6;
/** Relative size of the last series term kept. */
const SERIES_EPS = 2e-17;
/** Grid on which the forms' condition numbers are compared at construction. */
const GRID = 256;
/** Halley steps below this (relative to y) leave an error of ~(m·step)³, below round-off. */
const HALLEY_DONE = 2e-7;

type Form = 'one' | 'two' | 'even' | 'odd' | 'deep';

/** Σᵢ c[i] xⁱ. */
function horner(c: Float64Array, x: number): number {
  let s = 0;
  for (let i = c.length - 1; i >= 0; i--) s = s * x + c[i]!;
  return s;
}
/** Σᵢ |c[i]| xⁱ, the size of the terms (x ≥ 0). */
function hornerAbs(c: Float64Array, x: number): number {
  let s = 0;
  for (let i = c.length - 1; i >= 0; i--) s = s * x + Math.abs(c[i]!);
  return s;
}
/**
 * x^k for a small integer k ≥ 0 as explicit products: V8 runs a short loop (integerPower's) several times slower
 * than the straight-line code, and these powers sit on the engine's hot path (docs/end-states.md, Speed).
 */
export function smallPower(x: number, k: number): number {
  switch (k) {
    case 0:
      return 1;
    case 1:
      return x;
    case 2:
      return x * x;
    case 3:
      return x * x * x;
    case 4: {
      const x2 = x * x;
      return x2 * x2;
    }
    case 5: {
      const x2 = x * x;
      return x2 * x2 * x;
    }
    case 6: {
      const x3 = x * x * x;
      return x3 * x3;
    }
    case 7: {
      const x3 = x * x * x;
      return x3 * x3 * x;
    }
    default:
      return integerPower(x, k);
  }
}

/**
 * A polynomial Σᵢ cᵢ xⁱ; up to degree 7 as straight-line Horner on eight coefficients (zeros beyond the degree),
 * for the same reason as smallPower.
 */
class Polynomial {
  // Numeric initialisers for the same reason as ClockTail's.
  private readonly c: Float64Array;
  private readonly short: boolean = false;
  private readonly c0: number = 0;
  private readonly c1: number = 0;
  private readonly c2: number = 0;
  private readonly c3: number = 0;
  private readonly c4: number = 0;
  private readonly c5: number = 0;
  private readonly c6: number = 0;
  private readonly c7: number = 0;
  constructor(c: Float64Array) {
    this.c = c;
    this.short = c.length <= 8;
    const at = (i: number): number => (this.short && i < c.length ? c[i]! : 0);
    this.c0 = at(0);
    this.c1 = at(1);
    this.c2 = at(2);
    this.c3 = at(3);
    this.c4 = at(4);
    this.c5 = at(5);
    this.c6 = at(6);
    this.c7 = at(7);
  }
  at(x: number): number {
    if (!this.short) return horner(this.c, x);
    return ((((((this.c7 * x + this.c6) * x + this.c5) * x + this.c4) * x + this.c3) * x + this.c2) * x + this.c1) * x + this.c0;
  }
}

/**
 * x^{j/k} for x ≥ 0 and small positive integers j, k: by square and cube roots where they give it (the common
 * depths' exponents: V8's Math.sqrt is one instruction and Math.cbrt a short routine, Math.pow and exp∘log each
 * cost several times more), else Math.pow; within a few ulps either way. Used for starting values, whose
 * accuracy only moves the first step.
 */
export function rationalPower(x: number, j: number, k: number): number {
  if (!(x > 0 && x < Infinity)) return x ** (j / k);
  if (j === 1) {
    switch (k) {
      case 1:
        return x;
      case 2:
        return Math.sqrt(x);
      case 3:
        return Math.cbrt(x);
      case 4:
        return Math.sqrt(Math.sqrt(x));
      case 6:
        return Math.cbrt(Math.sqrt(x));
      case 8:
        return Math.sqrt(Math.sqrt(Math.sqrt(x)));
      default:
    }
  } else if (j === 2) {
    switch (k) {
      case 3: {
        const r = Math.cbrt(x);
        return r * r;
      }
      case 4:
        return Math.sqrt(x);
      case 6:
        return Math.cbrt(x);
      case 8:
        return Math.sqrt(Math.sqrt(x));
      default:
    }
  }
  return x ** (j / k);
}

/** x^k for an integer k ≥ 0 by squaring: exact in fewer roundings than Math.pow's log/exp for small k. */
export function integerPower(x: number, k: number): number {
  let result = 1;
  let base = x;
  while (k > 0) {
    if (k & 1) result *= base;
    k >>= 1;
    if (k > 0) base *= base;
  }
  return result;
}

/**
 * τ(y) = ∫_0^y (s(2 − σs))^{(m−2)/2} ds for one depth m = D − 2 ≥ 1 and one sign σ of c, with its inverse. After
 * `at(y)`, `density` = τ'(y) = w^{(m−2)/2} and `curvature` = τ''(y).
 */
export class ClockTail {
  // Numeric fields get numeric initialisers: a field that starts as undefined (a declaration without one) is
  // stored boxed, and every read on the hot path then unboxes it.
  readonly m: number = 0;
  readonly sigma: 1 | -1 = 1;
  /** τ(1) = Λₘ/2 = ∫₀¹ (1 − t²)^{(m−2)/2} dt for σ = +1 (the middle, z = 0); Infinity for σ = −1. */
  readonly half: number = 0;
  /** Which evaluation: explicit (m = 1, 2), closed forms (even, odd), or the tails of endstate-tails.ts. */
  readonly form: Form = 'one';
  /** Even m: the y-polynomial is used for y ≤ split, the middle form above (σ = +1). Odd m: series below split. */
  readonly split: number = 0;
/** Largest condition number of the chosen forms over the trajectory (measured on the grid at construction). */
  readonly condition: number = 0;
  private readonly j: number = 0;
  private readonly r: number = 0;
  /** Even m: bᵢ of τ = (2y)^{j+1} Σ bᵢ yⁱ. */
  private readonly poly: Float64Array;
  /** Even m: gᵢ of G = z Σ gᵢ (1 − z²)ⁱ. Odd m: eₖ (σ = +1) or fₖ (σ = −1), in powers w^{k−1}. */
  private readonly mid: Float64Array;
  /** Odd m: eₖ (for G(z) whatever σ). */
  private readonly midOdd: Float64Array;
  /** Odd m: aᵣ (σ = +1) or Aᵣ (σ = −1), the coefficient of the angle. */
  private readonly angle: number = 0;
  /** Odd m: aᵣ, the angle's coefficient in G(z). */
  private readonly angleMid: number = 0;
  /** Odd m: sᵢ of τ = (2y)^{m/2} Σ sᵢ yⁱ (y ≤ split). */
  private readonly series: Float64Array;
  /** `poly`, `mid` and `midOdd` for evaluation. */
  private readonly polyP: Polynomial;
  private readonly midP: Polynomial;
  private readonly midOddP: Polynomial;
  /** m = 3…6 with a closed form: the coefficients of poly (b) and mid (e) as fields, for `at`'s fast branch. */
  private readonly fast: boolean = false;
  private readonly b0: number = 0;
  private readonly b1: number = 0;
  private readonly b2: number = 0;
  private readonly e0: number = 0;
  private readonly e1: number = 0;
  private readonly e2: number = 0;
  density = 0;
  curvature = 0;

  constructor(m: number, sigma: 1 | -1) {
    this.m = m;
    this.sigma = sigma;
    const j = (m - 2) / 2;
    const r = (m - 1) / 2;
    this.j = m % 2 === 0 ? j : 0;
    this.r = m % 2 === 1 ? r : 0;
    let poly: Float64Array = new Float64Array(0);
    let mid: Float64Array = new Float64Array(0);
    let midOdd: Float64Array = new Float64Array(0);
    let series: Float64Array = new Float64Array(0);
    let angle = 0;
    let angleMid = 0;
    let half = sigma > 0 ? NaN : Infinity;
    let split = 0;
    let condition = 1;
    let form: Form;
    if (m === 1) {
      form = 'one';
      if (sigma > 0) half = Math.PI / 2;
    } else if (m === 2) {
      form = 'two';
      if (sigma > 0) half = 1;
    } else if (m % 2 === 0) {
      form = 'even';
      // bᵢ = C(j,i) 2^{j−i} (−σ)ⁱ / (j + 1 + i).
      poly = new Float64Array(j + 1);
      let binomial = 1;
      for (let i = 0; i <= j; i++) {
        // Scaled by 2^{−(j+1)}: τ = (2y)^{j+1} Σ bᵢ 2^{−(j+1)} yⁱ, so that no power of y underflows before τ does.
        poly[i] = (binomial * 2 ** (-1 - i) * (sigma > 0 ? (-1) ** i : 1)) / (j + 1 + i);
        binomial = (binomial * (j - i)) / (i + 1);
      }
      mid = evenMiddle(j);
      if (sigma > 0) {
        half = mid[0]!;
        // Pick, per y, the form with the smaller condition number; the polynomial wins near the end, the middle
        // form near the middle, and they cross once.
        split = 1;
        condition = 1;
        for (let k = 1; k <= GRID; k++) {
          const y = k / GRID;
          const value = (2 * y) ** (j + 1) * horner(poly, y);
          const condPoly = ((2 * y) ** (j + 1) * hornerAbs(poly, y)) / value;
          const w = y * (2 - y);
          const condMid = (half + (1 - y) * horner(mid, w)) / value;
          if (condMid < condPoly && split === 1) split = (k - 1) / GRID;
          condition = Math.max(condition, y <= split ? condPoly : Math.min(condPoly, condMid));
        }
      }
    } else {
      form = 'odd';
      // aₖ = (2k − 1)/(2k) aₖ₋₁; Eₖ = s^{2k−1}/(2k) + (2k − 1)/(2k) Eₖ₋₁ (σ = +1), Fₖ likewise with −(2k − 1)/(2k).
      let a = 1;
      let A = 1;
      let e: number[] = [];
      let f: number[] = [];
      for (let k = 1; k <= r; k++) {
        const ratio = (2 * k - 1) / (2 * k);
        e = e.map((x) => ratio * x);
        f = f.map((x) => -ratio * x);
        e.push(1 / (2 * k));
        f.push(1 / (2 * k));
        a *= ratio;
        A *= -ratio;
      }
      midOdd = Float64Array.from(e);
      mid = sigma > 0 ? midOdd : Float64Array.from(f);
      angleMid = a;
      angle = sigma > 0 ? a : A;
      if (sigma > 0) half = (a * Math.PI) / 2;
      // Series of the integrand: τ = 2^{r−½} Σᵢ C(r−½, i) (−σ/2)ⁱ y^{r+½+i}/(r + ½ + i).
      const expo = r - 0.5;
      const terms: number[] = [];
      let t = 1;
      for (let i = 0; i < 400; i++) {
        // Scaled as the polynomial's: τ = (2y)^{r+½} Σᵢ C(r−½, i)(−σ/2)ⁱ yⁱ/(2(r + ½ + i)).
        terms.push(t / (2 * (expo + 1 + i)));
        t *= ((expo - i) / (i + 1)) * (-sigma / 2);
      }
      // The closed form is used from the first grid point where its condition number is below ODD_SWITCH_COND or
      // below the series' own (for large r the series alternates and cancels like ((2 + y)/(2 − y))^r), the
      // series below it, truncated where its terms fall below SERIES_EPS of the sum at the split.
      const full = Float64Array.from(terms);
      const top = sigma > 0 ? 1 : 64;
      split = top;
      condition = 1;
      let found = false;
      for (let k = 1; k <= GRID; k++) {
        const y = (k / GRID) * top;
        const condSeries = y < 1.5 ? hornerAbs(full, y) / Math.abs(horner(full, y)) : Infinity;
        const closed = this.oddClosed(y, angle, mid, sigma);
        const condClosed = closed[1] / Math.abs(closed[0]);
        if (!found && (condClosed < ODD_SWITCH_COND || condClosed <= condSeries)) {
          found = true;
          split = y;
        }
        condition = Math.max(condition, found ? condClosed : condSeries);
      }
      let count = 1;
      const sum = horner(full, split);
      while (count < full.length && Math.abs(full[count - 1]!) * split ** (count - 1) > SERIES_EPS * Math.abs(sum)) count++;
      series = full.slice(0, count + 1);
      if (count >= 120) condition = Infinity; // a series that long is slower than the tails it replaces
    }
    // (NaN, from powers beyond double range on the grid of a very deep pathway, counts as too large.)
    if (!(condition <= COND_LIMIT) || m > MAX_CLOSED) form = 'deep';
    if (form === 'deep' && sigma > 0) half = sechTail(m, 0);
    this.poly = poly;
    this.mid = mid;
    this.midOdd = midOdd;
    this.polyP = new Polynomial(poly);
    this.midP = new Polynomial(mid);
    this.midOddP = new Polynomial(midOdd);
    this.series = series;
    this.angle = angle;
    this.angleMid = angleMid;
    this.half = half;
    this.split = split;
    this.condition = condition;
    this.form = form;
    this.fast = m >= 3 && m <= 6 && (form === 'even' || form === 'odd');
    this.b0 = poly[0] ?? 0;
    this.b1 = poly[1] ?? 0;
    this.b2 = poly[2] ?? 0;
    this.e0 = mid[0] ?? 0;
    this.e1 = mid[1] ?? 0;
    this.e2 = mid[2] ?? 0;
  }

  /** The closed form of odd m at y, and the size of its terms: [value, Σ|terms|]. */
  private oddClosed(y: number, angle: number, mid: Float64Array, sigma: number): [number, number] {
    const w = y * (2 - sigma * y);
    const theta = sigma > 0 ? 2 * Math.asin(Math.sqrt(y / 2)) : 2 * Math.asinh(Math.sqrt(y / 2));
    const side = (1 - sigma * y) * Math.sqrt(w);
    const value = angle * theta - sigma * side * horner(mid, w);
    return [value, Math.abs(angle) * theta + side * hornerAbs(mid, w)];
  }

  /** τ(y), and `density`, `curvature` at y (0 < y, y ≤ 1 for σ = +1). */
  at(y: number): number {
    const sigma = this.sigma;
    // The middle exactly, so that both halves of a trajectory that starts there measure the same length.
    if (sigma > 0 && y >= 1) return this.atMiddle();
    const w = y * (2 - sigma * y);
    // Depths 5–8 (the common ones) as straight-line code with the coefficients in fields: measured ~2× fewer
    // instructions than the general branches below, whose powers and polynomials V8 does not fold.
    if (this.fast) {
      const c = 1 - sigma * y;
      switch (this.m) {
        case 3: {
          const s = Math.sqrt(w);
          this.density = s;
          this.curvature = c / s;
          if (y <= this.split) return 2 * y * Math.sqrt(2 * y) * horner(this.series, y);
          return this.angle * 2 * (sigma > 0 ? Math.asin(Math.sqrt(0.5 * y)) : Math.asinh(Math.sqrt(0.5 * y))) - sigma * c * s * this.e0;
        }
        case 4:
          this.density = w;
          this.curvature = 2 * c;
          if (sigma < 0 || y <= this.split) return 4 * y * y * (this.b0 + y * this.b1);
          return this.half - c * (this.e0 + w * this.e1);
        case 5: {
          const s = Math.sqrt(w);
          this.density = w * s;
          this.curvature = (3 * c * w) / s;
          if (y <= this.split) return 4 * y * y * Math.sqrt(2 * y) * horner(this.series, y);
          return (
            this.angle * 2 * (sigma > 0 ? Math.asin(Math.sqrt(0.5 * y)) : Math.asinh(Math.sqrt(0.5 * y))) -
            sigma * c * s * (this.e0 + w * this.e1)
          );
        }
        default:
          // m = 6
          this.density = w * w;
          this.curvature = 4 * w * c;
          if (sigma < 0 || y <= this.split) return 8 * y * y * y * (this.b0 + y * (this.b1 + y * this.b2));
          return this.half - c * (this.e0 + w * (this.e1 + w * this.e2));
      }
    }
    switch (this.form) {
      case 'one': {
        const s = Math.sqrt(w);
        this.density = 1 / s;
        this.curvature = (-(1 - sigma * y) / w) * this.density;
        return sigma > 0 ? 2 * Math.asin(Math.sqrt(0.5 * y)) : 2 * Math.asinh(Math.sqrt(0.5 * y));
      }
      case 'two':
        this.density = 1;
        this.curvature = 0;
        return y;
      case 'even': {
        const j = this.j;
        const wj1 = smallPower(w, j - 1);
        this.density = wj1 * w;
        this.curvature = 2 * j * wj1 * (1 - sigma * y);
        if (sigma < 0 || y <= this.split) return smallPower(2 * y, j + 1) * this.polyP.at(y);
        return this.half - (1 - y) * this.midP.at(w);
      }
      case 'odd': {
        const r = this.r;
        const s = Math.sqrt(w);
        const wr1 = smallPower(w, r - 1);
        this.density = wr1 * s;
        this.curvature = ((2 * r - 1) * wr1 * (1 - sigma * y)) / s;
        if (y <= this.split) return smallPower(2 * y, r) * Math.sqrt(2 * y) * horner(this.series, y);
        if (sigma > 0) return this.angle * 2 * Math.asin(Math.sqrt(0.5 * y)) - (1 - y) * s * this.midP.at(w);
        return this.angle * 2 * Math.asinh(Math.sqrt(0.5 * y)) + (1 + y) * s * this.midP.at(w);
      }
      default: {
        const a = (this.m - 2) / 2;
        this.density = w ** a;
        this.curvature = 2 * a * w ** (a - 1) * (1 - sigma * y);
        return sigma > 0 ? sechTail(this.m, 0.5 * Math.log((2 - y) / y)) : cschTail(this.m, 0.5 * Math.log1p(2 / y));
      }
    }
  }

  private atMiddle(): number {
    this.density = 1;
    this.curvature = 0;
    return this.half;
  }

  /**
   * y > 0 with τ(y) = h (h > 0; for σ = +1, h ≥ Λ/2 gives the middle, y = 1). `guess` (a nearby y, e.g. from the
   * previous call) saves steps. Halley's method on τ − h inside a bracket that shrinks with every evaluation;
   * τ is increasing, and the start is bracketed by powers: (2y)^{m/2}/m ≥ τ for σ = +1 (m ≥ 2), ≤ τ for σ = −1,
   * where also y^{m−1}/(m − 1) ≤ τ.
   */
  inverse(h: number, guess = NaN): number {
    const m = this.m;
    const sigma = this.sigma;
    if (!(h > 0)) return 0;
    if (sigma > 0 && h >= this.half) return 1;
    switch (this.form) {
      case 'one': {
        const s = sigma > 0 ? Math.sin(0.5 * h) : Math.sinh(0.5 * h);
        return 2 * s * s;
      }
      case 'two':
        return h;
      case 'deep': {
        if (sigma > 0) {
          const theta = sechTailInverse(m, h, guess > 0 && guess < 1 ? 0.5 * Math.log((2 - guess) / guess) : undefined);
          return 2 / (1 + Math.exp(2 * theta));
        }
        const theta = cschTailInverse(m, h, guess > 0 ? 0.5 * Math.log1p(2 / guess) : undefined);
        return 2 / Math.expm1(2 * theta);
      }
      default:
    }
    let lo = 0;
    let hi = sigma > 0 ? 1 : Infinity;
    let y = guess;
    if (!(guess > 0 && guess < hi)) {
      // Cold start: the power law of the end, (2y)^{m/2}/m ≥ τ for σ = +1 (so a lower bound of the root), ≤ τ for
      // σ = −1, where also y^{m−1}/(m − 1) ≤ τ (both upper bounds).
      const power = 0.5 * rationalPower(m * h, 2, m);
      if (sigma > 0) y = lo = Math.min(power, 1);
      else y = hi = Math.min(power, rationalPower((m - 1) * h, 1, m - 1));
    }
    for (let iteration = 0; iteration < 100; iteration++) {
      const value = this.at(y);
      const f = value - h;
      if (f > 0) hi = y;
      else if (f < 0) lo = y;
      else return y;
      const d = this.density;
      let next: number;
      if (value < 0.5 * h || value > 2 * h) {
        // Far from the root Halley creeps along a steep power (steps ~ 2τ'/τ''); τ is a power of y at both ends
        // and in between close to one, so step as if τ ∝ y^L with the local exponent L = yτ'/τ.
        next = y * (h / value) ** (value / (y * d));
      } else {
        // −f/d / (1 − ½fτ''/d²) with one division instead of three (divisions dominate the step's cost); the
        // three-division form where the products would leave double range.
        let step = (-f * d) / (d * d - 0.5 * f * this.curvature);
        if (!Number.isFinite(step)) step = -f / d / (1 - (0.5 * f * this.curvature) / (d * d));
        // A step this small is the last: Halley's error after it is ~(m·step/y)³·y, below round-off.
        if (Math.abs(step) <= HALLEY_DONE * y) return y + step;
        next = y + step;
      }
      if (!(next > lo && next < hi)) {
        if (hi === Infinity) next = 4 * y;
        else if (lo === 0) next = 0.25 * hi;
        else next = hi > 4 * lo ? Math.sqrt(lo * hi) : 0.5 * (lo + hi);
      }
      if (next === y || (hi < Infinity && hi - lo <= 4e-16 * hi)) return next;
      y = next;
    }
    return y;
  }

  /** G(z) = ∫₀^z (1 − t²)^{(m−2)/2} dt for 0 ≤ z ≤ 1 (σ = +1 only), and `density` = G'(z). */
  middle(z: number): number {
    const m = this.m;
    const w = (1 - z) * (1 + z);
    if (m === 1) {
      this.density = 1 / Math.sqrt(w);
      return Math.asin(z);
    }
    if (m === 2) {
      this.density = 1;
      return z;
    }
    if (m % 2 === 0) {
      const j = (m - 2) / 2;
      this.density = smallPower(w, j);
      return z * this.midP.at(w);
    }
    const r = (m - 1) / 2;
    const s = Math.sqrt(w);
    this.density = smallPower(w, r - 1) * s;
    return this.angleMid * Math.asin(z) + z * s * this.midOddP.at(w);
  }

  /** 0 ≤ z < 1 with G(z) = g (0 ≤ g < Λ/2): Newton from z = g (G'(0) = 1, G concave on [0, 1]). */
  middleInverse(g: number): number {
    if (!(g > 0)) return 0;
    if (this.m === 2) return Math.min(g, 1);
    if (this.m === 1) return Math.sin(Math.min(g, Math.PI / 2));
    // G is concave and increasing with G(z) ≤ z, so Newton from z = g increases monotonically to the root.
    let z = Math.min(g, 1);
    for (let iteration = 0; iteration < 100; iteration++) {
      const f = this.middle(z) - g;
      if (!(f < 0)) return z;
      const step = -f / this.density;
      const next = Math.min(z + step, 1);
      if (!(next > z) || step <= 1e-9 * z) return next;
      z = next;
    }
    return z;
  }
}

/** gᵢ of J_j(z) = ∫₀^z (1 − t²)^j dt = z Σᵢ gᵢ (1 − z²)ⁱ: J_j = (z(1 − z²)^j + 2j J_{j−1})/(2j + 1), J₀ = z. */
function evenMiddle(j: number): Float64Array {
  let g = [1];
  for (let k = 1; k <= j; k++) {
    const ratio = (2 * k) / (2 * k + 1);
    g = g.map((x) => ratio * x);
    g.push(1 / (2 * k + 1));
  }
  return Float64Array.from(g);
}

const cache: [ClockTail[], ClockTail[]] = [[], []];
/** The (cached) clock integral for depth m + 2 and sign σ of c. */
export function clockTail(m: number, sigma: 1 | -1): ClockTail {
  const list = cache[sigma > 0 ? 0 : 1];
  let tail = list[m];
  if (tail === undefined) {
    tail = new ClockTail(m, sigma);
    list[m] = tail;
  }
  return tail;
}
