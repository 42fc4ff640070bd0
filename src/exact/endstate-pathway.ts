/**
 * One pathway of one mode on the clock u = ∫ r dt/τ (DESIGN §2.3): its strength K(u) and dK/du, without the
 * other pathways. Initial values are normalised to q ≥ 0 (flipping an even number of layers is a symmetry).
 *
 * Kinds, for the forward direction u ≥ 0 (the engine mirrors p → −p, u → −u for the other direction):
 *   linear  D = 1: K = p₀ + u.
 *   hyper   D = 2: K = A e^{2u} − B e^{−2u}, A = ¼(p₀ + q₀)², B = ¼(p₀ − q₀)².
 *   still   D ≥ 3 with q₀ = 0: every factor but one is 0 and stays 0, K ≡ 0.
 *   blowup  D ≥ 3, p₀ > −q₀: p reaches +∞ at the finite clock u* = T₀ (blow-up).
 *   stuck   D ≥ 3, p₀ ≤ −q₀ < 0 (c ≤ 0): p rises towards −√−c, q → 0, K → 0⁻ as u → ∞.
 *   frozen  D ≥ 3 with clock distances beyond double range (|c|^{(D−2)/2} under 1e-280, e.g. D = 800 at
 *           q = 0.4): on any representable clock K stays at K₀ (itself ~0); `couldLearn` says whether it
 *           was a blow-up pathway, which then learns only after a clock time no double can hold.
 * Positions are clock distances measured from the nearer end of the trajectory: T = u* − u to the blow-up
 * (p ≥ 0), or B = u − u₋ from the far end p = −∞ (p < 0; u₋ = −∞ when c ≤ 0). In between they are the closed-form
 * clock integrals of endstate-clock.ts in the coordinate y = σ(1 − |p|/q) (σ = sign c), inverted by a warm-started
 * Halley iteration; for c > 0 also from the crossing p = 0 (`evaluateFromCrossing`), which keeps the digits of a
 * large-gain pathway that ends near p = 0.
 */
import { clockTail, integerPower, smallPower, type ClockTail } from './endstate-clock.ts';

/** 4-point Gauss–Legendre nodes and weights on [−1, 1]. */
const GL4_NODES = [-0.8611363115940526, -0.33998104358485626, 0.33998104358485626, 0.8611363115940526];
const GL4_WEIGHTS = [0.34785484513745385, 0.6521451548774169, 0.6521451548774169, 0.34785484513745385];

export type PathwayKind = 'linear' | 'hyper' | 'still' | 'blowup' | 'stuck' | 'frozen';

/** Powers of q up to this exponent by squaring (a few multiplications), beyond by Math.pow. */
const SMALL_POWER = 16;
/**
 * x^k for an integer k ≥ 0: straight-line products for k ≤ 7 (smallPower; the loop of integerPower runs several
 * times slower), by squaring up to SMALL_POWER (Math.pow costs several times more), else Math.pow.
 */
export function power(x: number, k: number): number {
  if (k <= 7) return smallPower(x, k);
  return k <= SMALL_POWER ? integerPower(x, k) : x ** k;
}

export class ClockPathway {
  // Every field is (re)set by `init`, so that one object serves mode after mode without allocation.
  kind: PathwayKind = 'still';
  /** A frozen pathway that would blow up (and so learn) after a clock time beyond double range. */
  couldLearn = false;
  /** Clock distance from u = 0 to the blow-up (Infinity when there is none). */
  blowup = Infinity;
  depth = 0;
  private p0 = 0;
  /** q₀ after the normalisation q₀ ≥ 0. */
  private q0 = 0;
  private A = 0;
  private B = 0;
  /** c ≠ 0: the clock integral of this depth and sign of c; null for c = 0 (powers) and depths 1, 2. */
  private tail: ClockTail | null = null;
  private sigma = 1;
  private m = 0;
  /** √|c| and its power |c|^{m/2}, which converts normalised tail values into clock units. */
  private rho = 0;
  private clockScale = 1;
  /** T₀ and B₀ at u = 0 in clock units; `span` = T + B (the whole trajectory, finite only when c > 0). */
  private T0 = Infinity;
  private B0 = Infinity;
  private span = Infinity;
  /** K of a frozen pathway. */
  private K0 = 0;
  /** dp/du at u = 0, q₀^{D−1}. */
  private f0 = 0;
  /** The last inversion, on side lastSide: normalised distance lastH, y there and dτ/dy: the next one starts
   * from the second-order prediction, which leaves Halley one step when the clock moved little. */
  private lastSide = 0;
  private lastH = NaN;
  private lastY = NaN;
  /** 1/τ' and ½τ''/τ' there: the prediction needs no division. */
  private lastInverseDensity = NaN;
  private lastHalfCurvature = NaN;
  /** True when K grows without bound on the clock without blowing up (depth 1, depth 2 with p₀ ≠ −q₀). */
  get unbounded(): boolean {
    return this.kind === 'linear' || (this.kind === 'hyper' && this.A > 0);
  }
  /** Output of `evaluate`: K, dK/du, d²K/du² and d³K/du³. */
  K = 0;
  dK = 0;
  d2K = 0;
  d3K = 0;

  constructor(depth: number, q0: number, p0: number) {
    this.init(depth, q0, p0);
  }

  /** Sets the pathway up for a new mode. */
  init(depth: number, q0: number, p0: number): this {
    this.depth = depth;
    this.m = depth - 2;
    if (depth >= 2 && q0 < 0) {
      // (q → −q) is a symmetry for odd D (D − 1 even flips); for even D flip p too (D flips in all).
      q0 = -q0;
      if (depth % 2 === 0) p0 = -p0;
    }
    this.p0 = p0;
    this.q0 = q0;
    this.A = depth === 2 ? 0.25 * (p0 + q0) ** 2 : 0;
    this.B = depth === 2 ? 0.25 * (p0 - q0) ** 2 : 0;
    this.couldLearn = false;
    this.blowup = Infinity;
    this.tail = null;
    this.sigma = 1;
    this.rho = 0;
    this.clockScale = 1;
    this.T0 = Infinity;
    this.B0 = Infinity;
    this.span = Infinity;
    this.K0 = 0;
    this.lastSide = 0;
    this.f0 = depth >= 3 ? power(q0, depth - 1) : 0;
    if (depth === 1) {
      this.kind = 'linear';
      return this;
    }
    if (depth === 2) {
      this.kind = 'hyper';
      return this;
    }
    if (q0 === 0) {
      this.kind = 'still';
      return this;
    }
    const m = this.m;
    // c = (q − p)(q + p) keeps its digits when |p| ≈ q.
    const c = (q0 - p0) * (q0 + p0);
    this.kind = p0 + q0 > 0 ? 'blowup' : 'stuck';
    if (c === 0) {
      // q = |p|, dp/du = |p|^{D−1}: the distance to the end is |p|^{−m}/m.
      const distance = Math.abs(p0) ** -m / m;
      if (this.kind === 'blowup') this.T0 = distance;
      else this.B0 = distance;
    } else {
      const sigma = c > 0 ? 1 : -1;
      const tail = clockTail(m, sigma);
      this.tail = tail;
      this.sigma = sigma;
      this.rho = Math.sqrt(Math.abs(c));
      this.clockScale = power(this.rho, m);
      // y₀ = σ(1 − |p₀|/q₀), written as one difference so that it keeps its digits near the end (|p₀| ≈ q₀).
      const y0 = (sigma > 0 ? q0 - Math.abs(p0) : Math.abs(p0) - q0) / q0;
      const h0 = tail.at(y0);
      const distance = h0 / this.clockScale;
      // The first inversion of the mode starts from here when it is asked for a nearby distance (depths ≥ 5:
      // 3 and 4 invert explicitly).
      if (m > 2) {
        this.lastSide = sigma > 0 ? (p0 >= 0 ? 1 : -1) : this.kind === 'blowup' ? 1 : -1;
        this.lastH = h0;
        this.lastY = y0;
        this.storeSlopes(tail.density, tail.curvature);
      }
      if (sigma > 0) {
        this.span = (2 * tail.half) / this.clockScale;
        if (p0 >= 0) {
          this.T0 = distance;
          this.B0 = this.span - distance;
        } else {
          this.B0 = distance;
          this.T0 = this.span - distance;
        }
      } else if (this.kind === 'blowup') {
        this.T0 = distance;
      } else {
        this.B0 = distance;
      }
    }
    if (!(this.clockScale >= 1e-280 && this.clockScale < Infinity && (this.kind === 'blowup' ? this.T0 : this.B0) < Infinity)) {
      this.couldLearn = this.kind === 'blowup';
      this.kind = 'frozen';
      this.K0 = p0 * q0 ** (depth - 1);
    }
    this.blowup = this.kind === 'blowup' ? this.T0 : Infinity;
    return this;
  }

  /**
   * The clock from u = 0 to the crossing K = 0, with full relative precision: for D ≥ 3 and c > 0 measured from
   * the middle of the trajectory, u₀ = −c^{−m/2} G(p₀/q₀) (G odd); for depth 2 where A e^{2u} = B e^{−2u}. NaN for
   * every other pathway; negative when the crossing lies behind.
   */
  crossing(): number {
    if (this.kind === 'hyper') {
      // K = A e^{2u} − B e^{−2u} = 0 at e^{4u} = B/A.
      if (!(this.A > 0 && this.B > 0)) return NaN;
      return 0.5 * Math.log(Math.abs(this.p0 - this.q0) / Math.abs(this.p0 + this.q0));
    }
    if (this.tail === null || this.sigma < 0 || this.kind !== 'blowup') return NaN;
    const z0 = Math.abs(this.p0) / this.q0;
    const fromMiddle = z0 < 1 ? this.tail.middle(z0) / this.clockScale : this.span / 2;
    return this.p0 >= 0 ? -fromMiddle : fromMiddle;
  }

  /**
   * Sets K and dK/du at the clock u, given also as `toBlowup` = u_hi − u, u_hi ≤ this pathway's blow-up (both
   * accurate): the distance to the blow-up is T₀ − u near the start and (T₀ − u_hi) + toBlowup near u_hi, so
   * it keeps its digits at both ends.
   */
  evaluate(u: number, uHi: number, toBlowup: number): void {
    switch (this.kind) {
      case 'linear':
        this.K = this.p0 + u;
        this.dK = 1;
        this.d2K = 0;
        this.d3K = 0;
        return;
      case 'hyper': {
        // K = pq with p, q = ½(p₀ + q₀)e^u ± ½(p₀ − q₀)e^{−u}; dK/du = p² + q².
        // One exponential for both, unless e^{2u} over- or underflows.
        const e = Math.exp(2 * u);
        const grow = this.A === 0 ? 0 : this.A * e;
        const decay = this.B === 0 ? 0 : e > 0 && e < Infinity ? this.B / e : this.B * Math.exp(-2 * u);
        this.K = grow - decay;
        this.dK = 2 * (grow + decay);
        this.d2K = 4 * this.K;
        this.d3K = 4 * this.dK;
        return;
      }
      case 'still':
        this.K = 0;
        this.dK = 0;
        this.d2K = 0;
        this.d3K = 0;
        return;
      case 'frozen':
        this.K = this.K0;
        this.dK = 0;
        this.d2K = 0;
        this.d3K = 0;
        return;
      default:
    }
    if (this.nearStart(u)) return;
    if (this.kind === 'stuck') return this.atDistance(this.B0 + u, -1);
    const T = u <= toBlowup ? this.T0 - u : this.T0 - uHi + toBlowup;
    if (T <= this.span / 2) this.atDistance(T, 1);
    else this.atDistance(this.B0 + u, -1);
  }

  /**
   * K and dK/du at the clock `crossing() + v` (depth 2, or c > 0), with the position measured from the crossing K = 0:
   * v keeps its digits where u − crossing would lose them, which is what a large gain needs that ends near p = 0
   * (dK/du = c^{D−1} there, so one ulp of u moves K by ε·u·c^{D−1}).
   */
  evaluateFromCrossing(v: number): void {
    if (this.kind === 'hyper') {
      // A e^{2u₀} = B e^{−2u₀} = ¼|c|: K = ½|c| sinh 2v.
      const ac = Math.abs(this.p0 - this.q0) * Math.abs(this.p0 + this.q0);
      const sh = Math.sinh(2 * v);
      this.K = 0.5 * ac * sh;
      this.dK = ac * Math.cosh(2 * v);
      this.d2K = 2 * ac * sh;
      this.d3K = 4 * this.dK;
      return;
    }
    const tail = this.tail!;
    const g = Math.abs(v) * this.clockScale;
    const z = (v < 0 ? -1 : 1) * tail.middleInverse(Math.min(g, tail.half));
    const q = this.rho / Math.sqrt((1 - z) * (1 + z));
    this.setState(z * q, q);
  }

  /**
   * Positions measured from the ends carry an absolute clock error ~ε·T₀, which swamps u itself when a large
   * initial gain learns the mode by a tiny move of p (u_∞ ~ (S/λ)/q^{2(D−1)} ≪ ε·T₀ once |q|^D ≳ 1e15·S/λ).
   * So while p has moved by little (δ·|d ln f/dp| ≤ 1e-3, f = q^{D−1} = dp/du), solve u = ∫_{p₀}^{p₀+δ} dp/f for
   * δ directly: 4-point Gauss–Legendre on an integrand whose logarithm varies by ≤ 1e-3 is exact to round-off,
   * and q² = q₀² + δ(2p₀ + δ) needs no c. Returns false (and leaves K alone) outside that range.
   */
  private nearStart(u: number): boolean {
    const n = this.depth - 1;
    const p0 = this.p0;
    const q0 = this.q0;
    let delta = this.f0 * u;
    if (!(Math.abs(delta) * n * (Math.abs(p0) + Math.abs(delta)) <= 1e-3 * q0 * q0)) return false;
    for (let iteration = 0; iteration < 4; iteration++) {
      let integral = 0;
      for (let i = 0; i < 4; i++) integral += GL4_WEIGHTS[i]! * this.inverseRate(0.5 * delta * (1 + GL4_NODES[i]!));
      integral *= 0.5 * delta;
      const step = (integral - u) / this.inverseRate(delta);
      delta -= step;
      if (Math.abs(step) <= 1e-15 * Math.abs(delta)) break; // quadratic: the next step would be at round-off
    }
    this.setState(p0 + delta, Math.sqrt(q0 * q0 + delta * (2 * p0 + delta)));
    return true;
  }

  /** du/dp = q^{−(D−1)} at p = p₀ + s, with q² = q₀² + s(2p₀ + s). */
  private inverseRate(s: number): number {
    const q0 = this.q0;
    const q2 = q0 * q0 + s * (2 * this.p0 + s);
    const n = this.depth - 1;
    // (q²)^{−n/2} with integer powers (and one square root for odd n).
    const half = power(q2, n >> 1);
    return n & 1 ? 1 / (half * Math.sqrt(q2)) : 1 / half;
  }

  /** p, q at clock distance `d` from the blow-up (side +1, p ≥ 0) or from the far end (side −1, p < 0). */
  private atDistance(d: number, side: 1 | -1): void {
    const tail = this.tail;
    if (tail === null) {
      // c = 0: q = |p| = (m d)^{−1/m}.
      const q = (this.m * d) ** (-1 / this.m);
      this.setState(side * q, q);
      return;
    }
    const h = d * this.clockScale;
    let y: number;
    if (tail.m <= 2) {
      // Depths 3 and 4 invert explicitly: no start to predict.
      y = tail.inverse(h);
    } else {
      let guess = NaN;
      // Far from the last inversion the power law of the end (ClockTail.inverse's cold start) is the better start.
      if (side === this.lastSide && Math.abs(h - this.lastH) <= 0.5 * this.lastH) {
        // τ(y) ≈ τ(y₁) + τ'δ + ½τ''δ², solved for δ to second order.
        const first = (h - this.lastH) * this.lastInverseDensity;
        guess = this.lastY + first - this.lastHalfCurvature * first * first;
      }
      y = tail.inverse(h, guess);
      this.lastSide = side;
      this.lastH = h;
      this.lastY = y;
      this.storeSlopes(tail.density, tail.curvature);
    }
    if (this.sigma > 0) {
      // q² = c / (y(2 − y)), |p| = (1 − y) q, y ≤ 1.
      const q = this.rho / Math.sqrt(y * (2 - y));
      this.setState(side * (1 - y) * q, q);
      return;
    }
    // c < 0: q² = |c| / (y(2 + y)), |p| = (1 + y) q. With t = 1/(1 + y) and s = 1 − t (as y·t while that keeps
    // its digits), |p| = √|c| / √(s(1 + t)) and q = t|p| stay finite as y → ∞ (p → −√|c| on a stuck pathway).
    const t = 1 / (1 + y);
    const s = y <= 1 ? y * t : 1 - t;
    const ap = this.rho / Math.sqrt(s * (1 + t));
    this.setState(side * ap, ap * t);
  }

  private storeSlopes(density: number, curvature: number): void {
    const inverse = 1 / density;
    this.lastInverseDensity = inverse;
    this.lastHalfCurvature = 0.5 * curvature * inverse;
  }

  /**
   * K = p qⁿ, dK/du = q^{2n} + n p² q^{2n−2} = q^{2n−2}(q² + n p²) and, with dp/du = qⁿ, dq/du = p q^{n−1},
   * d²K/du² = 2n p q^{3n−4}(2q² + (n − 1)p²), d³K/du³ = 2n q^{4n−6}(2q⁴ + (9n − 7)p²q² + (n − 1)(3n − 4)p⁴),
   * n = D − 1 ≥ 2 (the third derivative lets the root take its last step to fourth order, solveUpward).
   */
  private setState(p: number, q: number): void {
    const n = this.depth - 1;
    const qn1 = smallPower(q, n - 1);
    const qn = qn1 * q;
    this.K = p * qn;
    this.dK = qn1 * qn1 * (q * q + n * p * p);
    if (q === 0) {
      this.d2K = 0;
      this.d3K = 0;
      return;
    }
    // q^{3n−4} = q^{2n−2}·q^{n−2} and q^{4n−6} = (q^{n−1}q^{n−2})²: products, not divisions by q.
    const qn2 = smallPower(q, n - 2);
    const p2 = p * p;
    const q2 = q * q;
    const qn12 = qn1 * qn1;
    const q4n6 = qn1 * qn2;
    this.d2K = 2 * n * p * qn12 * qn2 * (2 * q2 + (n - 1) * p2);
    this.d3K = 2 * n * q4n6 * q4n6 * (2 * q2 * q2 + (9 * n - 7) * p2 * q2 + (n - 1) * (3 * n - 4) * p2 * p2);
  }
}
