/**
 * The clock-change end-state engine (DESIGN §2.3, docs/end-states.md): the final K_aα of every pathway and mode
 * without integrating the ODE. On the clock u = ∫ r dt/τ every pathway moves on its own (endstate-pathway.ts),
 * each K_a(u) is non-decreasing (dK/du = q^{2(D−1)} + (D−1)p²q^{2(D−2)} ≥ 0), and du/dt = −(λΣK − S)/τ, so u
 * runs monotonically to the root u_∞ of Σ_a K_a(u) = S/λ nearest to 0 — upwards when the initial total is
 * below S/λ, downwards (by the mirror p → −p, u → −u, K → −K) when above — or to the end of the clock
 * when there is no root (every pathway is stuck and K_a → 0).
 */
import { parseReducedProblem, type NormalisedProblem } from '../reduced/problem.ts';
import { ComputationError } from '../util/errors.ts';
import { ValidationError, describe } from '../util/validation.ts';
import { integerPower, rationalPower } from './endstate-clock.ts';
import { ClockPathway, power } from './endstate-pathway.ts';
import { BalancedBuffers, readBalancedFast } from './endstate-problem.ts';

export interface EndStateResult {
  status: 'ok';
  /** [pathway a][mode α], the final K_aα. */
  strengths: number[][];
  /** [a][α] = K_aα / Σ_b K_bα (NaN, i.e. null in JSON, for a mode whose target S_α or final total is 0). */
  shares: number[][];
  /** Per mode: max_a share. */
  winnerShare: number[];
  /** Per mode: 1 / (M Σ_a share²). */
  participation: number[];
  /**
   * Present only when some mode's Σ_a |K_aα| exceeds 100× the scale max_α S_α/λ_α (large gains of opposite
   * signs, several pathways): per mode, the estimated absolute error of its strengths, max(|Σ_a K_aα − S_α/λ_α|,
   * 1e-9·Σ_a |K_aα|) — how far the total misses the value it must equal exactly, or the clock's relative
   * precision in so large a split (measured against odex at rtol 1e-13: worst 1.2e-10·Σ_a |K_aα| over 28
   * seeded cases, depths 4–20, spec/exact/endstate.spec.ts).
   */
  accuracy?: number[];
}

const pool: ClockPathway[] = [];

/**
 * The final K_a of every pathway of one mode, written into `out` (length M). q and p are the balanced initial
 * values of each pathway (q ignored for depth 1); any signs, c = q² − p² of either sign.
 */
export function modeEndState(
  depths: readonly number[],
  singularValue: number,
  inputVariance: number,
  q: ArrayLike<number>,
  p: ArrayLike<number>,
  out: Float64Array = new Float64Array(depths.length),
): Float64Array {
  const M = depths.length;
  const target = singularValue / inputVariance;
  if (!Number.isFinite(target)) {
    throw new ComputationError(
      `the learned total S/λ = ${singularValue}/${inputVariance} overflows double precision: no end state can be reported`,
    );
  }
  if (M === 1) {
    out[0] = singleEndState(depths[0]!, target, q[0]!, p[0]!);
    return out;
  }
  let total0 = 0;
  for (let a = 0; a < M; a++) {
    const D = depths[a]!;
    out[a] = D === 1 ? p[a]! : p[a]! * power(q[a]!, D - 1);
    if (!Number.isFinite(out[a]!)) {
      throw new ComputationError(
        `the initial strength of pathway ${a}, p·q^{D−1} = ${p[a]}·${q[a]}^${D - 1}, overflows double precision: ` +
          `with other pathways beside it the end state cannot be computed`,
      );
    }
    total0 += out[a]!;
  }
  if (total0 === target) return out;
  // Downward runs are the upward runs of the mirror image p → −p, u → −u, K → −K, target → −target.
  const sign = total0 < target ? 1 : -1;
  // Pathway objects are reused from mode to mode (init resets them): a sweep calls this millions of times.
  while (pool.length < M) pool.push(new ClockPathway(1, 0, 0));
  const pathways = M === pool.length ? pool : pool.slice(0, M);
  for (let a = 0; a < M; a++) pathways[a]!.init(depths[a]!, q[a]!, sign * p[a]!);
  solveUpward(pathways, sign * target, out);
  if (sign < 0) for (let a = 0; a < M; a++) out[a] = -out[a]!;
  for (let a = 0; a < M; a++) {
    if (!Number.isFinite(out[a]!)) {
      throw new ComputationError(
        `the end state of pathway ${a} (depth ${depths[a]}) came out as ${out[a]}: an intermediate of the clock ` +
          `overflowed double precision (initial gains too large for this engine)`,
      );
    }
  }
  return out;
}

/**
 * A single pathway's end state without the clock: K moves monotonically towards S/λ and reaches it exactly
 * unless it is stuck, i.e. its sign can never change while it has to (K → 0). Reading the answer off the
 * kind needs no power of q, so gains whose K₀ overflows (q = 1e154 at depth 4) still give S/λ.
 */
function singleEndState(D: number, target: number, q: number, p: number): number {
  const K0 = D === 1 ? p : p * q ** (D - 1);
  if (K0 === target) return target;
  if (D === 1) return target;
  // Normalised as ClockPathway does: q ≥ 0 (for even D flip p too).
  if (q < 0) {
    q = -q;
    if (D % 2 === 0) p = -p;
  }
  // Downward runs (K₀ > target) are upward runs of the mirror p → −p, target → −target.
  const sign = K0 < target ? 1 : -1;
  const ps = sign * p;
  const targetS = sign * target;
  // Stuck (the mirror's K rises to 0 and stays below it): p ≤ −q for D ≥ 3 (q = 0 included), p = −q for D = 2.
  const stuck = D === 2 ? ps === -q : ps <= -q || q === 0;
  if (!stuck) return target;
  // A stuck pathway's K tends to 0, reached only when the target itself is 0 or on the way.
  return targetS <= 0 ? target : 0;
}

/**
 * Runs the clock up from 0 (where Σ K_a < target) to the first u with Σ K_a(u) = target and writes the K_a
 * there. With a blow-up ahead (u_hi, the first one) the unknown is the logit x = ln(u/w), w = u_hi − u: both
 * u = u_hi/(1 + e^{−x}) and w = u_hi/(1 + e^{x}) come out with full relative precision, so the leader's
 * distance to its blow-up keeps its digits when the root is close to it, and u keeps its digits when the
 * root is close to the start. Without a blow-up the unknown is x = u. Halley's method (every pathway gives
 * d²K/du² in closed form), so that from the usual start three evaluations reach round-off; the last step is
 * applied to the strengths by their second-order Taylor expansion instead of a further evaluation.
 */
function solveUpward(pathways: ClockPathway[], target: number, out: Float64Array): void {
  const M = pathways.length;
  let uHi = Infinity;
  let leader = -1;
  let unbounded = false;
  for (let a = 0; a < M; a++) {
    const pw = pathways[a]!;
    if (pw.blowup < uHi) {
      uHi = pw.blowup;
      leader = a;
    }
    if (pw.unbounded) unbounded = true;
  }
  const finite = uHi < Infinity;
  if (!finite && !unbounded && target >= 0) {
    const late = pathways.findIndex((pw) => pw.couldLearn);
    if (late >= 0) {
      throw new ComputationError(
        `pathway ${late} (depth ${pathways[late]!.depth}) is the only one that can learn this mode, but its clock ` +
          `distance to the blow-up, |c|^{−(D−2)/2}·∫sech^{D−2}, overflows double precision: the initial scale is ` +
          `too small for this depth to give an end state`,
      );
    }
    // Nothing can carry the mode: every K_a rises to its limit 0 and the total never reaches the target.
    out.fill(0);
    return;
  }
  const clock = upward.reset(pathways, out, uHi);

  let lo = finite ? -Infinity : 0;
  let hi = Infinity;
  let x = 0;
  if (finite && target > 0) {
    // Guess: the leader alone, near its blow-up, where K ≈ ((D − 2) T)^{−D/(D−2)} (exact when c = 0).
    // (D − 2)T = target^{−(D−2)/D} = 1/(target^{1/D})^{D−2}; a guess beyond the middle starts there, x = 0.
    const D = pathways[leader]!.depth;
    const m = D - 2;
    const w = 1 / (m * integerPower(rationalPower(target, 1, D), m));
    if (w < 0.5 * uHi) x = Math.log((uHi - w) / w);
  }
  let previousStep = Infinity;
  let stalls = 0;
  for (let iteration = 0; iteration < 300; iteration++) {
    clock.evaluate(x);
    const { total, slope, curve, size } = clock;
    const F = total - target;
    if (F > 0 || Number.isNaN(F)) hi = x;
    else if (F < 0) lo = x;
    else break;
    const scale = Math.abs(target) + size;
    if (Math.abs(F) <= EPS * scale && scale < Infinity) break; // at the round-off of the sum: no step does better
    // Steps on ln(ΣK/target) once ΣK is within a factor 100 of a positive target (near a blow-up ΣK is a
    // power of w, so this is ~linear in x; for depth 2 it is ~linear in u), otherwise on F itself: from far
    // below that overshoots, and the next step comes back from above on the logarithm.
    const logNewton = target > 0 && total > 0 && total >= 0.01 * target && total < Infinity;
    let g = F;
    let g1 = slope;
    let g2 = curve;
    if (logNewton) {
      // ln(1 + r) by its series once |r| < 1e-3 (six terms: the rest is below r⁷/7 ≈ 1e-22 of 1).
      const r = (total - target) / target;
      g = Math.abs(r) < 1e-3 ? r * (1 - r * (1 / 2 - r * (1 / 3 - r * (1 / 4 - r * (1 / 5 - r / 6))))) : Math.log(total / target);
      g1 = slope / total;
      g2 = curve / total - g1 * g1;
    }
    const newton = -g / g1;
    // Halley's correction, trusted only while it is a correction (far out, where the curvature term dominates,
    // the plain Newton step and the safeguards below do better).
    const halley = 1 + (0.5 * newton * g2) / g1;
    let step = halley >= 0.5 && halley <= 2 ? newton / halley : newton;
    // In the logit a step of 30 already rescales u or w by e^{30}; longer ones come from flat stretches of F.
    if (finite && Math.abs(step) > 30) step = Math.sign(step) * 30;
    let next = x + step;
    // Safeguard: steps that do not shrink (e.g. from far above a non-positive target, where F is exponential
    // and every step is ~1/2 in u) give way to bisection, or to a long jump while one side of the bracket is
    // still open.
    const crawling = Math.abs(step) > 0.5 * previousStep;
    previousStep = Math.abs(step);
    stalls = crawling ? stalls + 1 : 0;
    // Cubic convergence: after a Halley step below 1e-7 the iterate is at round-off, and so are the strengths
    // moved there to second order in Δu = u_x δ + ½u_xx δ² (the neglected terms are O(δ³)). Tested before the
    // bracket: a step below one ulp of x leaves x where it is, on the bracket's edge. The step must also solve
    // the local quadratic model of F (a step on the logarithm far from the target need not).
    const model = F + step * (slope + 0.5 * step * curve);
    const small = Math.abs(step) <= 1e-6 * Math.max(1, Math.abs(x)) && Math.abs(F) <= 1e-5 * scale;
    if (stalls < 3 && small && Math.abs(model) <= Math.max(1e-3 * Math.abs(F), 4 * EPS * scale)) {
      clock.moveBy(step);
      break;
    }
    // A step too long for that, yet short enough that the cubic model's root is at round-off (its neglected
    // terms below ε of the scale): one evaluation saved in about a third of the modes (bench/endstate).
    if (stalls < 3 && Math.abs(F) <= 1e-3 * scale && clock.finishCubic(step, F, scale)) break;
    if (stalls >= 3 || !(next > lo && next < hi)) {
      // A long jump while one side of the bracket is open, else bisection — geometric on the clock without a
      // blow-up (x = u ≥ 0), where a Newton step from far below can overshoot to u ~ S/λ (K = ∞ at depth 2):
      // arithmetic halving from there back to u ~ ln(S/λ) would outlast the iteration limit once S/λ ≳ 1e90.
      if (hi === Infinity) next = x + Math.max(1, Math.abs(x));
      else if (lo === -Infinity) next = x - Math.max(1, Math.abs(x));
      else if (!finite && hi > 4 * Math.max(1, lo)) next = Math.sqrt(Math.max(1, lo) * hi);
      else next = 0.5 * (lo + hi);
      if (stalls >= 3) {
        stalls = 0;
        previousStep = Infinity;
      }
    }
    const collapsed = hi < Infinity && lo > -Infinity && hi - lo <= 4e-16 * Math.max(1, Math.abs(lo), Math.abs(hi));
    if (next === x || collapsed) break;
    x = next;
  }
  if (finite || unbounded) polishAtCrossing(pathways, target, out, clock.u, uHi);
}

/**
 * The clock of `solveUpward` as a function of its unknown x, with the sums it needs; one object reused for every
 * mode (no closure or allocation per call).
 */
class UpwardClock {
  private pathways: ClockPathway[] = [];
  private out: Float64Array = new Float64Array(0);
  private uHi = Infinity;
  private finite = false;
  /**
   * At the last x: Σ K_a, dF/dx, d²F/dx², d³F/dx³, Σ|K_a| (the scale of the round-off in the total), u, du/dx,
   * d²u/dx², d³u/dx³.
   */
  total = 0;
  slope = 0;
  curve = 0;
  curve3 = 0;
  size = 0;
  u = 0;
  private ux = 1;
  private uxx = 0;
  private uxxx = 0;

  reset(pathways: ClockPathway[], out: Float64Array, uHi: number): this {
    this.pathways = pathways;
    this.out = out;
    this.uHi = uHi;
    this.finite = uHi < Infinity;
    this.ux = 1;
    this.uxx = 0;
    this.uxxx = 0;
    return this;
  }

  evaluate(x: number): void {
    const { pathways, out, uHi, finite } = this;
    // u = u_hi/(1 + e^{−x}), w = u_hi/(1 + e^{x}), written so that e^{±x} cannot overflow when u_hi is huge.
    // With e = e^{−|x|} ≤ 1 one exponential gives both; u_hi·e is formed as e^{ln u_hi − |x|} only where e itself
    // would underflow.
    let u = x;
    let w = Infinity;
    if (finite) {
      const e = Math.exp(-Math.abs(x));
      const small = (e > 1e-290 ? uHi * e : Math.exp(Math.log(uHi) - Math.abs(x))) / (1 + e);
      const large = uHi / (1 + e);
      u = x < 0 ? small : large;
      w = x < 0 ? large : small;
    }
    let total = 0;
    let slope = 0;
    let curve = 0;
    let curve3 = 0;
    let size = 0;
    for (let a = 0; a < pathways.length; a++) {
      const pw = pathways[a]!;
      pw.evaluate(u, uHi, w);
      out[a] = pw.K;
      total += pw.K;
      size += Math.abs(pw.K);
      slope += pw.dK;
      curve += pw.d2K;
      curve3 += pw.d3K;
    }
    this.u = u;
    const ux = finite ? (u / uHi) * w : 1;
    if (finite) {
      // du/dx = u w / u_hi, d²u/dx² = du/dx · (w − u)/u_hi, d³u/dx³ = du/dx · (((w − u)/u_hi)² − 2 du/dx/u_hi).
      const tilt = (w - u) / uHi;
      this.ux = ux;
      this.uxx = ux * tilt;
      this.uxxx = ux * (tilt * tilt - (2 * ux) / uHi);
    }
    const { uxx, uxxx } = this;
    this.total = total;
    this.slope = slope * ux;
    this.curve = curve * ux * ux + slope * uxx;
    this.curve3 = curve3 * ux * ux * ux + 3 * curve * ux * uxx + slope * uxxx;
    this.size = size;
  }

  /**
   * The last step to fourth order: from the cubic Taylor model of F at x, its root δ (from Halley's `step`, two
   * Newton steps on the model), and the strengths moved there by their cubic Taylor expansions in
   * Δu = u_x δ + ½u_xx δ² + ⅙u_xxx δ³. Taken (true) only when the first neglected terms, estimated from the
   * ratio of the kept ones (see solveUpward), are below round-off of the scale, for F and for every pathway;
   * otherwise nothing changes (false).
   */
  finishCubic(step: number, F: number, scale: number): boolean {
    const { slope, curve, curve3 } = this;
    let d = step;
    for (let i = 0; i < 2; i++) {
      const model = F + d * (slope + d * (0.5 * curve + d * (curve3 / 6)));
      const derivative = slope + d * (curve + d * (0.5 * curve3));
      d -= model / derivative;
    }
    const limit = FINISH_TOLERANCE * scale;
    if (!(Math.abs(d) <= FINISH_STEP && fourthTerm(slope * d, 0.5 * curve * d * d, (curve3 / 6) * d * d * d) <= limit)) return false;
    const du = d * (this.ux + d * (0.5 * this.uxx + d * (this.uxxx / 6)));
    const { pathways, out } = this;
    for (let a = 0; a < pathways.length; a++) {
      const pw = pathways[a]!;
      if (!(fourthTerm(pw.dK * du, 0.5 * pw.d2K * du * du, (pw.d3K / 6) * du * du * du) <= limit)) return false;
    }
    for (let a = 0; a < pathways.length; a++) {
      const pw = pathways[a]!;
      out[a] = pw.K + du * (pw.dK + du * (0.5 * pw.d2K + du * (pw.d3K / 6)));
    }
    this.u += du;
    return true;
  }

  /** Moves the strengths by a last small step δ of x, to second order in Δu = u_x δ + ½u_xx δ². */
  moveBy(step: number): void {
    const du = step * (this.ux + 0.5 * this.uxx * step);
    for (let a = 0; a < this.pathways.length; a++) {
      const pw = this.pathways[a]!;
      this.out[a] = pw.K + du * (pw.dK + 0.5 * du * pw.d2K);
    }
    this.u += du;
  }
}
const upward = new UpwardClock();

/**
 * The fourth term of a Taylor series t₁ + t₂ + t₃ + …, estimated as |t₁|ρ³ with ρ = max(|t₂/t₁|, √|t₃/t₁|), the
 * ratio of a geometric series through the kept terms. For the shapes F takes (powers of w near a blow-up,
 * exponentials of u, both ~e^{kx} in the logit) the true ratio t₄/t₃ = kδ/4 is below ρ = kδ/2, so this
 * overestimates t₄ (by 3× there); it takes both ratios so that one term vanishing by accident does not hide
 * the next. NaN (e.g. from an overflowed derivative) compares false, i.e. as too large.
 */
function fourthTerm(t1: number, t2: number, t3: number): number {
  const a = Math.abs(t1);
  if (a === 0) return Math.abs(t2) + Math.abs(t3) === 0 ? 0 : Infinity;
  const rho = Math.max(Math.abs(t2) / a, Math.sqrt(Math.abs(t3) / a));
  return a * rho * rho * rho;
}
/** The fourth-order last step is tried for steps up to this (in x, where F varies on a scale ~1)… */
const FINISH_STEP = 1e-3;
/** …and taken when its neglected terms are below this fraction of the scale |target| + Σ|K_a|, ~ round-off. */
const FINISH_TOLERANCE = 2.220446049250313e-16;

/** Relative round-off of a double. */
const EPS = 2.220446049250313e-16;

/**
 * The root found on the clock u resolves u to ε·u, which moves a pathway that sits near its crossing p = 0 with a
 * large gain by ε·u·dK/du (dK/du = c^{D−1} there): 1e-6 relative at |q|^{D−1} = 1e8 for a mode whose initial total
 * is far above the target. When that exceeds 1e-14 of the mode's scale, the root is found again with the unknown
 * v = u − u₀ measured from that pathway's crossing u₀, which it then resolves to ε·v; the other pathways see
 * u = u₀ + v. Newton's method from the first root (F is ~linear in v there), the strengths moved by the last,
 * tiny step to second order.
 */
function polishAtCrossing(pathways: ClockPathway[], target: number, out: Float64Array, u: number, uHi: number): void {
  const M = pathways.length;
  let best = -1;
  let bestCrossing = NaN;
  let worst = 0;
  let size = Math.abs(target);
  for (let a = 0; a < M; a++) size += Math.abs(out[a]!);
  for (let a = 0; a < M; a++) {
    const pw = pathways[a]!;
    const error = pw.dK * EPS * u;
    if (!(error > 1e-14 * size && error > worst)) continue;
    const crossing = pw.crossing();
    // Only a crossing ahead and nearer than the start, where measuring from it is the better reference.
    if (!(crossing > 0 && Math.abs(u - crossing) <= 0.5 * crossing)) continue;
    best = a;
    bestCrossing = crossing;
    worst = error;
  }
  if (best < 0) return;
  const saved = Float64Array.from(out);
  let v = u - bestCrossing;
  let lo = -Infinity;
  let hi = Infinity;
  for (let iteration = 0; iteration < 30; iteration++) {
    let total = 0;
    let slope = 0;
    for (let a = 0; a < M; a++) {
      const pw = pathways[a]!;
      if (a === best) pw.evaluateFromCrossing(v);
      else pw.evaluate(bestCrossing + v, uHi, uHi - bestCrossing - v);
      out[a] = pw.K;
      total += pw.K;
      slope += pw.dK;
    }
    const F = total - target;
    if (F > 0) hi = v;
    else if (F < 0) lo = v;
    else return;
    const step = -F / slope;
    if (Math.abs(step) <= 1e-9 * Math.abs(v)) {
      // Quadratic convergence: v + step is at round-off; move the strengths there to second order.
      for (let a = 0; a < M; a++) {
        const pw = pathways[a]!;
        out[a] = pw.K + step * (pw.dK + 0.5 * step * pw.d2K);
      }
      return;
    }
    let next = v + step;
    if (!(next > lo && next < hi)) next = lo > -Infinity && hi < Infinity ? 0.5 * (lo + hi) : next;
    if (next === v || !Number.isFinite(next)) return;
    v = next;
  }
  // Not converged (it always has in the tests): keep the first root.
  out.set(saved);
}

/**
 * End states of a whole problem (same format as solveReduced; `times` and `solver` optional and ignored),
 * validated with field-level errors. Per-layer initial values must be balanced (D − 1 layers of each pathway
 * equal in absolute value in every mode); otherwise a ValidationError says the engine needs the (q, p) form.
 */
export function endState(problem: unknown): EndStateResult {
  // The usual { q, p } form without times or solver takes a fast path that accepts exactly what the parser
  // would (endstate-problem.ts) and reads it into reused buffers; anything else, errors included, goes through
  // parseReducedProblem. times are optional there: the parser's snapshot supplies them, so the user's object is
  // read only once, guarded.
  // A getter of the problem that itself calls endState would overwrite the shared buffers while they are read.
  const nested = reading;
  const input = nested ? new BalancedBuffers() : buffers;
  reading = true;
  let fast: boolean;
  try {
    fast = readBalancedFast(problem, input);
  } finally {
    reading = nested;
  }
  if (!fast) {
    const parsed = parseReducedProblem(problem, { timesOptional: true });
    const { q, p } = balancedValues(parsed);
    const K = parsed.singularValues.length;
    const M = parsed.depths.length;
    input.reserve(K, M);
    for (let m = 0; m < K; m++) {
      input.singularValues[m] = parsed.singularValues[m]!;
      input.inputVariances[m] = parsed.inputVariances[m]!;
    }
    for (let a = 0; a < M; a++) {
      input.depths[a] = parsed.depths[a]!;
      for (let m = 0; m < K; m++) {
        input.q[a * K + m] = q[a]![m]!;
        input.p[a * K + m] = p[a]![m]!;
      }
    }
  }
  try {
    return solveProblem(input);
  } finally {
    // A problem with many values leaves buffers that size behind; later small problems need not keep them.
    if (input === buffers && input.q.length > KEEP_VALUES) buffers = new BalancedBuffers();
  }
}

/** The problem as read, reused by every endState call; `reading` while user code (getters) may run. */
let buffers = new BalancedBuffers();
let reading = false;
/** Buffers beyond this many values per field are dropped after the call that needed them. */
const KEEP_VALUES = 4096;

/** One mode's strengths and initial values, per pathway count M (allocated once for each M). */
const modeScratch: { out: Float64Array; q: Float64Array; p: Float64Array }[] = [];

function solveProblem(input: BalancedBuffers): EndStateResult {
  const { singularValues, inputVariances, depths, q, p } = input;
  const M = input.pathways;
  const K = input.modes;
  let scratch = modeScratch[M];
  if (scratch === undefined) {
    scratch = { out: new Float64Array(M), q: new Float64Array(M), p: new Float64Array(M) };
    if (M <= 64) modeScratch[M] = scratch;
  }
  const { out, q: qMode, p: pMode } = scratch;
  const strengths: number[][] = [];
  const shareRows: number[][] = [];
  for (let a = 0; a < M; a++) {
    strengths.push(new Array<number>(K));
    shareRows.push(new Array<number>(K));
  }
  const winner = new Array<number>(K);
  const spread = new Array<number>(K);
  let scale = 0;
  let largest = 0;
  for (let m = 0; m < K; m++) {
    for (let a = 0; a < M; a++) {
      qMode[a] = q[a * K + m]!;
      pMode[a] = p[a * K + m]!;
    }
    const S = singularValues[m]!;
    const lambda = inputVariances[m]!;
    try {
      modeEndState(depths, S, lambda, qMode, pMode, out);
    } catch (error) {
      if (error instanceof ComputationError && error.where === undefined) {
        throw new ComputationError(error.message, `mode ${m} (S = ${S})`);
      }
      throw error;
    }
    // The measures of src/analysis/measures.ts (shares, winnerShare, participation) in the same operations and
    // order, so the same doubles (spec/exact/endstate.spec.ts compares them), without their three passes.
    let total = 0;
    let size = 0;
    for (let a = 0; a < M; a++) {
      strengths[a]![m] = out[a]!;
      total += out[a]!;
      size += Math.abs(out[a]!);
    }
    let best = -Infinity;
    let squares = 0;
    for (let a = 0; a < M; a++) {
      // A zero target ends at total 0 in exact arithmetic; the computed total is then round-off, and a share
      // of it would be noise of any size (1e14 was seen), so the shares are undefined by definition there.
      const share = total === 0 || S === 0 ? NaN : out[a]! / total;
      shareRows[a]![m] = share;
      best = Math.max(best, share);
      squares += share ** 2;
    }
    winner[m] = best;
    spread[m] = 1 / (M * squares);
    scale = Math.max(scale, S / lambda);
    largest = Math.max(largest, size);
  }
  const result: EndStateResult = { status: 'ok', strengths, shares: shareRows, winnerShare: winner, participation: spread };
  if (M >= 2 && largest > LARGE_GAIN * scale) result.accuracy = accuracyEstimate(strengths, singularValues, inputVariances, K);
  return result;
}

/** As solveReduced's (src/reduced/driver.ts): beyond 100× the scale the split keeps fewer digits. */
const LARGE_GAIN = 100;
/** The clock's relative precision in the split of a large-gain mode (measured worst 1.2e-10, see above). */
const SPLIT_PRECISION = 1e-9;

/**
 * Per mode, the estimated absolute error of its strengths when some mode's Σ_a |K_aα| exceeds LARGE_GAIN times the
 * scale (see EndStateResult.accuracy).
 */
function accuracyEstimate(strengths: number[][], singularValues: Float64Array, inputVariances: Float64Array, K: number): number[] {
  return Array.from({ length: K }, (_, m) => {
    const S = singularValues[m]!;
    let size = 0;
    let total = 0;
    for (const row of strengths) {
      size += Math.abs(row[m]!);
      total += row[m]!;
    }
    // A mode whose strengths are all 0 was not learned (nothing could carry it): no total to compare.
    return Math.max(size === 0 ? 0 : Math.abs(total - S / inputVariances[m]!), SPLIT_PRECISION * size);
  });
}

/** (q, p) per pathway and mode, from the balanced form or from balanced per-layer values. */
function balancedValues(problem: NormalisedProblem): { q: number[][]; p: number[][] } {
  if (problem.balanced) return { q: problem.balanced.q, p: problem.balanced.p };
  const { depths, initialStates } = problem;
  const K = initialStates.length;
  const q = depths.map(() => new Array<number>(K));
  const p = depths.map(() => new Array<number>(K));
  for (let m = 0; m < K; m++) {
    let offset = 0;
    depths.forEach((D, a) => {
      const layers = Array.from(initialStates[m]!.subarray(offset, offset + D));
      offset += D;
      const pair = layersToBalanced(layers);
      if (!pair) {
        throw new ValidationError(
          `init.layers[${a}]`,
          layers,
          `balanced per-layer values (in every mode, ${D - 1} of the ${D} layers of a depth-${D} pathway equal in ` +
            `absolute value; mode ${m} has ${describe(layers)}): the end-state engine needs the (q, p) form, ` +
            `so give init { q, p } (or balanced layers)`,
        );
      }
      q[a]![m] = pair.q;
      p[a]![m] = pair.p;
    });
  }
  return { q, p };
}

/**
 * A pathway's layer values of one mode as (q, p), when all but one of them (any one) share an absolute value.
 * Permuting layers and flipping the signs of an even number of them leave the dynamics and K unchanged, so
 * such a pathway is the balanced pathway with q = that absolute value and p = K / q^{D−1}.
 */
export function layersToBalanced(layers: readonly number[]): { q: number; p: number } | null {
  const D = layers.length;
  if (D === 1) return { q: 0, p: layers[0]! };
  if (D === 2) return { q: layers[0]!, p: layers[1]! };
  const candidates = Math.abs(layers[0]!) === Math.abs(layers[1]!) ? [-1] : [0, 1];
  for (const skip of candidates) {
    const common = Math.abs(layers[skip === 0 ? 1 : 0]!);
    let odd = -1; // the layer that may differ
    let ok = true;
    for (let d = 0; d < D && ok; d++) {
      if (d === skip || Math.abs(layers[d]!) === common) continue;
      if (odd >= 0 || skip >= 0) ok = false;
      else odd = d;
    }
    if (!ok) continue;
    const j = skip >= 0 ? skip : odd >= 0 ? odd : D - 1;
    if (common === 0) return { q: 0, p: layers[j]! };
    let sign = 1;
    for (let d = 0; d < D; d++) if (d !== j && layers[d]! < 0) sign = -sign;
    return { q: common, p: sign * layers[j]! };
  }
  return null;
}
