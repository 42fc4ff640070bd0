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
 * (p ≥ 0), or B = u − u₋ from the far end p = −∞ (p < 0; u₋ = −∞ when c ≤ 0), see endstate-tails.ts.
 */
import { cschTail, cschTailInverse, sechLength, sechTail, sechTailInverse } from './endstate-tails.ts';

/** 4-point Gauss–Legendre nodes and weights on [−1, 1]. */
const GL4_NODES = [-0.8611363115940526, -0.33998104358485626, 0.33998104358485626, 0.8611363115940526];
const GL4_WEIGHTS = [0.34785484513745385, 0.6521451548774169, 0.6521451548774169, 0.34785484513745385];

export type PathwayKind = 'linear' | 'hyper' | 'still' | 'blowup' | 'stuck' | 'frozen';
type Family = 'sech' | 'csch' | 'power';

export class ClockPathway {
  readonly kind: PathwayKind;
  /** A frozen pathway that would blow up (and so learn) after a clock time beyond double range. */
  readonly couldLearn: boolean = false;
  /** Clock distance from u = 0 to the blow-up (Infinity when there is none). */
  readonly blowup: number;
  readonly depth: number;
  private readonly p0: number;
  /** q₀ after the normalisation q₀ ≥ 0. */
  private readonly q0: number;
  private readonly A: number;
  private readonly B: number;
  private readonly family: Family = 'power';
  private readonly m: number;
  /** √|c| and its power |c|^{m/2}, which converts normalised tail values into clock units. */
  private readonly rho: number = 0;
  private readonly clockScale: number = 1;
  /** T₀ and B₀ at u = 0 in clock units; `span` = T + B (the whole trajectory, finite only when c > 0). */
  private readonly T0: number = Infinity;
  private readonly B0: number = Infinity;
  private readonly span: number = Infinity;
  /** K of a frozen pathway. */
  private readonly K0: number = 0;
  /** Last θ found, at normalised distance lastH on side lastSide, and dθ/dh there: the next inversion starts
   * from the first-order prediction θ + (lastH − h)·dθ/dh, which leaves Newton one or two steps. */
  private theta = NaN;
  private lastH = NaN;
  private lastSide = 0;
  private lastSlope = 0;
  /** True when K grows without bound on the clock without blowing up (depth 1, depth 2 with p₀ ≠ −q₀). */
  get unbounded(): boolean {
    return this.kind === 'linear' || (this.kind === 'hyper' && this.A > 0);
  }
  /** Output of `evaluate`. */
  K = 0;
  dK = 0;

  constructor(depth: number, q0: number, p0: number) {
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
    if (depth === 1) {
      this.kind = 'linear';
      this.blowup = Infinity;
      return;
    }
    if (depth === 2) {
      this.kind = 'hyper';
      this.blowup = Infinity;
      return;
    }
    if (q0 === 0) {
      this.kind = 'still';
      this.blowup = Infinity;
      return;
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
    } else if (c > 0) {
      this.family = 'sech';
      this.rho = Math.sqrt(c);
      this.clockScale = this.rho ** m;
      const theta = 0.5 * Math.log((q0 + p0) / (q0 - p0)); // tanh θ = p/q
      this.span = sechLength(m) / this.clockScale;
      if (theta >= 0) {
        this.T0 = sechTail(m, theta) / this.clockScale;
        this.B0 = this.span - this.T0;
      } else {
        this.B0 = sechTail(m, -theta) / this.clockScale;
        this.T0 = this.span - this.B0;
      }
    } else {
      this.family = 'csch';
      this.rho = Math.sqrt(-c);
      this.clockScale = this.rho ** m;
      const ap = Math.abs(p0);
      const theta = 0.5 * Math.log((ap + q0) / (ap - q0)); // tanh θ = q/|p|
      const distance = cschTail(m, theta) / this.clockScale;
      if (this.kind === 'blowup') this.T0 = distance;
      else this.B0 = distance;
    }
    if (!(this.clockScale >= 1e-280 && this.clockScale < Infinity && (this.kind === 'blowup' ? this.T0 : this.B0) < Infinity)) {
      this.couldLearn = this.kind === 'blowup';
      this.kind = 'frozen';
      this.K0 = p0 * q0 ** (depth - 1);
    }
    this.blowup = this.kind === 'blowup' ? this.T0 : Infinity;
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
        return;
      case 'hyper': {
        // K = pq with p, q = ½(p₀ + q₀)e^u ± ½(p₀ − q₀)e^{−u}; dK/du = p² + q².
        const grow = this.A === 0 ? 0 : this.A * Math.exp(2 * u);
        const decay = this.B === 0 ? 0 : this.B * Math.exp(-2 * u);
        this.K = grow - decay;
        this.dK = 2 * (grow + decay);
        return;
      }
      case 'still':
        this.K = 0;
        this.dK = 0;
        return;
      case 'frozen':
        this.K = this.K0;
        this.dK = 0;
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
    const f0 = q0 ** n;
    let delta = f0 * u;
    if (!(Math.abs(delta) * n * (Math.abs(p0) + Math.abs(delta)) <= 1e-3 * q0 * q0)) return false;
    const inverseRate = (s: number): number => (q0 * q0 + s * (2 * p0 + s)) ** (-n / 2);
    for (let iteration = 0; iteration < 4; iteration++) {
      let integral = 0;
      for (let i = 0; i < 4; i++) integral += GL4_WEIGHTS[i]! * inverseRate(0.5 * delta * (1 + GL4_NODES[i]!));
      integral *= 0.5 * delta;
      const step = (integral - u) / inverseRate(delta);
      delta -= step;
      if (Math.abs(step) <= 1e-15 * Math.abs(delta)) break; // quadratic: the next step would be at round-off
    }
    const p = p0 + delta;
    const q = Math.sqrt(q0 * q0 + delta * (2 * p0 + delta));
    const qn1 = q ** (n - 1);
    this.K = p * qn1 * q;
    this.dK = qn1 * qn1 * (q * q + n * p * p);
    return true;
  }

  /** p, q at clock distance `d` from the blow-up (side +1, p ≥ 0) or from the far end (side −1, p < 0). */
  private atDistance(d: number, side: 1 | -1): void {
    const n = this.depth - 1;
    let p: number;
    let q: number;
    if (this.family === 'power') {
      q = (this.m * d) ** (-1 / this.m);
      p = side * q;
    } else {
      const h = d * this.clockScale;
      const guess = side === this.lastSide ? this.theta + (this.lastH - h) * this.lastSlope : undefined;
      // −dθ/dh = 1/sechᵐθ = coshᵐθ (sech family) or sinhᵐθ (csch family), i.e. (q/ρ)ᵐ.
      if (this.family === 'sech') {
        const theta = sechTailInverse(this.m, h, guess);
        this.theta = theta;
        p = side * this.rho * Math.sinh(theta);
        q = this.rho * Math.cosh(theta);
      } else {
        const theta = cschTailInverse(this.m, h, guess);
        this.theta = theta;
        p = side * this.rho * Math.cosh(theta);
        q = this.rho * Math.sinh(theta);
      }
      this.lastH = h;
      this.lastSide = side;
      this.lastSlope = (q / this.rho) ** this.m;
    }
    // K = p qⁿ; dK/du = q^{2n} + n p² q^{2n−2} = q^{2n−2}(q² + n p²).
    const qn1 = q ** (n - 1);
    this.K = p * qn1 * q;
    this.dK = qn1 * qn1 * (q * q + n * p * p);
  }
}
