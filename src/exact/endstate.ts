/**
 * The clock-change end-state engine (DESIGN §2.3, docs/end-states.md): the final K_aα of every pathway and mode
 * without integrating the ODE. On the clock u = ∫ r dt/τ every pathway moves on its own (endstate-pathway.ts),
 * each K_a(u) is non-decreasing (dK/du = q^{2(D−1)} + (D−1)p²q^{2(D−2)} ≥ 0), and du/dt = −(λΣK − S)/τ, so u
 * runs monotonically to the root u_∞ of Σ_a K_a(u) = S/λ nearest to 0 — upwards when the initial total is
 * below S/λ, downwards (by the mirror p → −p, u → −u, K → −K) when above — or to the end of the clock
 * when there is no root (every pathway is stuck and K_a → 0).
 */
import { participation, shares, winnerShare } from '../analysis/measures.ts';
import { parseReducedProblem, type NormalisedProblem } from '../reduced/problem.ts';
import { ComputationError } from '../util/errors.ts';
import { ValidationError, describe } from '../util/validation.ts';
import { ClockPathway } from './endstate-pathway.ts';

export interface EndStateResult {
  status: 'ok';
  /** [pathway a][mode α], the final K_aα. */
  strengths: number[][];
  /** [a][α] = K_aα / Σ_b K_bα (NaN, i.e. null in JSON, for a mode whose final total is 0). */
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
    out[a] = D === 1 ? p[a]! : p[a]! * q[a]! ** (D - 1);
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
  const pathways: ClockPathway[] = [];
  for (let a = 0; a < M; a++) pathways.push(new ClockPathway(depths[a]!, q[a]!, sign * p[a]!));
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
 * root is close to the start. Without a blow-up the unknown is x = u.
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

  const logUHi = Math.log(uHi);
  let total = 0;
  let slope = 0;
  let size = 0; // Σ|K_a|, the scale of the round-off in total
  const evaluate = (x: number): void => {
    // u = u_hi/(1 + e^{−x}), w = u_hi/(1 + e^{x}), written so that e^{±x} cannot overflow when u_hi is huge.
    const u = !finite ? x : x < 0 ? Math.exp(x + logUHi) / (1 + Math.exp(x)) : uHi / (1 + Math.exp(-x));
    const w = !finite ? Infinity : x > 0 ? Math.exp(logUHi - x) / (1 + Math.exp(-x)) : uHi / (1 + Math.exp(x));
    total = 0;
    slope = 0;
    size = 0;
    for (let a = 0; a < M; a++) {
      const pw = pathways[a]!;
      pw.evaluate(u, uHi, w);
      out[a] = pw.K;
      total += pw.K;
      size += Math.abs(pw.K);
      slope += pw.dK;
    }
    if (finite) slope *= (u / uHi) * w; // du/dx = u w / u_hi
  };

  let lo = finite ? -Infinity : 0;
  let hi = Infinity;
  let x = 0;
  if (finite && target > 0) {
    // Guess: the leader alone, near its blow-up, where K ≈ ((D − 2) T)^{−D/(D−2)} (exact when c = 0).
    const D = pathways[leader]!.depth;
    const w = Math.min(target ** (-(D - 2) / D) / (D - 2), 0.5 * uHi);
    x = Math.log((uHi - w) / w);
  }
  // The fallback when Newton fails: a long jump while one side of the bracket is open, else bisection —
  // geometric on the clock without a blow-up (x = u ≥ 0), where a Newton step from far below can overshoot
  // to u ~ S/λ (K = ∞ at depth 2): arithmetic halving from there back to u ~ ln(S/λ) would outlast the
  // iteration limit once S/λ ≳ 1e90.
  const fallback = (): number => {
    if (hi === Infinity) return x + Math.max(1, Math.abs(x));
    if (lo === -Infinity) return x - Math.max(1, Math.abs(x));
    if (!finite && hi > 4 * Math.max(1, lo)) return Math.sqrt(Math.max(1, lo) * hi);
    return 0.5 * (lo + hi);
  };
  let previousStep = Infinity;
  let stalls = 0;
  for (let iteration = 0; iteration < 300; iteration++) {
    evaluate(x);
    const F = total - target;
    if (F > 0 || Number.isNaN(F)) hi = x;
    else if (F < 0) lo = x;
    else return;
    const scale = Math.abs(target) + size;
    // Newton on ln(ΣK/target) once ΣK is within a factor 100 of a positive target (near a blow-up ΣK is a
    // power of w, so this is ~linear in x; for depth 2 it is ~linear in u), otherwise on F itself: from far
    // below that overshoots, and the next step comes back from above on the logarithm.
    const logNewton = target > 0 && total >= 0.01 * target && total < Infinity;
    let step = logNewton ? -Math.log(total / target) * (total / slope) : -F / slope;
    // In the logit a step of 30 already rescales u or w by e^{30}; longer ones come from flat stretches of F.
    if (finite && Math.abs(step) > 30) step = Math.sign(step) * 30;
    let next = x + step;
    // Safeguard: Newton steps that do not shrink (e.g. from far above a non-positive target, where F is
    // exponential and every step is ~1/2 in u) give way to bisection, or to a long jump while one side of the
    // bracket is still open.
    const crawling = Math.abs(step) > 0.5 * previousStep;
    previousStep = Math.abs(step);
    stalls = crawling ? stalls + 1 : 0;
    if (stalls >= 3) {
      next = fallback();
      stalls = 0;
      previousStep = Infinity;
    } else if (next > lo && next < hi) {
      // Quadratic convergence: once a step is below 1e-9 (and F is small) the next iterate is at round-off.
      if (Math.abs(step) <= 1e-9 * Math.max(1, Math.abs(x)) && Math.abs(F) <= 1e-6 * scale) {
        evaluate(next);
        return;
      }
    } else {
      next = fallback();
    }
    const collapsed = hi < Infinity && lo > -Infinity && hi - lo <= 4e-16 * Math.max(1, Math.abs(lo), Math.abs(hi));
    if (next === x || collapsed) return;
    x = next;
  }
}

/**
 * End states of a whole problem (same format as solveReduced; `times` and `solver` optional and ignored),
 * validated with field-level errors. Per-layer initial values must be balanced (D − 1 layers of each pathway
 * equal in absolute value in every mode); otherwise a ValidationError says the engine needs the (q, p) form.
 */
export function endState(problem: unknown): EndStateResult {
  // times are optional here: the parser's snapshot supplies them, so the user's object is read only once, guarded.
  const parsed = parseReducedProblem(problem, { timesOptional: true });
  const { singularValues, inputVariances, depths } = parsed;
  const { q, p } = balancedValues(parsed);
  const M = depths.length;
  const strengths: number[][] = depths.map(() => new Array<number>(singularValues.length));
  const out = new Float64Array(M);
  const qMode = new Float64Array(M);
  const pMode = new Float64Array(M);
  for (let m = 0; m < singularValues.length; m++) {
    for (let a = 0; a < M; a++) {
      qMode[a] = q[a]![m]!;
      pMode[a] = p[a]![m]!;
    }
    try {
      modeEndState(depths, singularValues[m]!, inputVariances[m]!, qMode, pMode, out);
    } catch (error) {
      if (error instanceof ComputationError && error.where === undefined) {
        throw new ComputationError(error.message, `mode ${m} (S = ${singularValues[m]})`);
      }
      throw error;
    }
    for (let a = 0; a < M; a++) strengths[a]![m] = out[a]!;
  }
  const accuracy = accuracyEstimate(strengths, singularValues, inputVariances);
  return {
    status: 'ok',
    strengths,
    shares: shares(strengths),
    winnerShare: winnerShare(strengths),
    participation: participation(strengths),
    ...(accuracy === undefined ? {} : { accuracy }),
  };
}

/** As solveReduced's (src/reduced/driver.ts): beyond 100× the scale the split keeps fewer digits. */
const LARGE_GAIN = 100;
/** The clock's relative precision in the split of a large-gain mode (measured worst 1.2e-10, see above). */
const SPLIT_PRECISION = 1e-9;

function accuracyEstimate(strengths: number[][], singularValues: readonly number[], inputVariances: readonly number[]): number[] | undefined {
  const K = singularValues.length;
  let scale = 0;
  for (let m = 0; m < K; m++) scale = Math.max(scale, singularValues[m]! / inputVariances[m]!);
  const size = new Array<number>(K).fill(0);
  const total = new Array<number>(K).fill(0);
  for (const row of strengths) {
    for (let m = 0; m < K; m++) {
      size[m] += Math.abs(row[m]!);
      total[m] += row[m]!;
    }
  }
  if (strengths.length < 2 || !size.some((s) => s > LARGE_GAIN * scale)) return undefined;
  // A mode whose strengths are all 0 was not learned (nothing could carry it): no total to compare.
  return size.map((s, m) => Math.max(s === 0 ? 0 : Math.abs(total[m]! - singularValues[m]! / inputVariances[m]!), SPLIT_PRECISION * s));
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
