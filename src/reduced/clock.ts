/**
 * One mode of the balanced model solved along its clock instead of in time: the fast path of `auto`.
 *
 * Along the clock u, du/dt = r/τ with r = S − λ Σ_b K_b, every pathway moves on its own: dx_a/du = g_a(x_a)
 * (halved.ts). In u the trajectory has no sigmoid and no exponential tail: each K_a(u) grows smoothly until the
 * residual reaches zero at a finite u∞ (K_a is increasing in u, dK_a/du = K_a′ g_a ≥ 0). All the difficulty of
 * the time course — the plateau, the learning transition, the exponential approach — sits in the time map
 *   t(u) = τ ∫₀^u du′ / r(u′),
 * whose only singularity is a logarithm at u∞ (r ≈ γ∞ (u∞ − u), γ = −dr/du = λ Σ_a K_a′ g_a). So:
 * 1. integrate x(w) with DOPRI5 (w = σu, σ = sign r₀, so that w increases whichever side the residual starts)
 *    until the residual ρ = σr changes sign — about 15 steps on the bench set where the integration in t
 *    needs about 42 (with a predictive step-size controller: the pathways keep accelerating);
 * 2. locate w∞ on the last step's continuous extension (Newton, dρ/dw = −γ), redo that step to end there, and
 *    correct the end until ρ is below rtol/1000 of S;
 * 3. subtract the logarithm: τ/ρ = τ/(γ∞(w∞ − w)) + τφ(w) with φ bounded, so
 *    t(w) = −(τ/γ∞) log(1 − w/w∞) + τΦ(w),  Φ(w) = ∫₀^w φ,
 *    and Φ is integrated step by step: from the residuals at the step's own stages, which the integration
 *    computed (DOPRI5's weights and continuous extension: nothing to evaluate), on steps that end ≥ 3 step
 *    sizes before w∞; nearer, on the steps' continuous extensions, 5-point Gauss–Lobatto (whose end nodes are
 *    the integration's own step ends), and 4-point Gauss–Legendre on the last step, which ends at w∞;
 * 4. invert t(w) = t_k for each output time by Newton in v = log(w∞ − w), where t is nearly linear (dt/dv =
 *    −τ(w∞ − w)/ρ → −τ/γ∞), which covers the whole course down to the learned state at t → ∞.
 *
 * Whatever this does not cover — a residual that starts at zero, a mode not learned when the clock is past the
 * last output time (one that never learns included), a zero of the residual that is not simple (γ∞ = 0), a
 * failing step — makes `solveModeOnClock` return null, and the caller integrates in time.
 */
import { evaluateStep, recordDopri5, RecordedSteps, type HandOver } from '../integrate/dopri5-recorded.ts';
import { DOPRI5_DENSE, DOPRI5_NODES, DOPRI5_WEIGHTS } from '../integrate/dopri5.ts';
import { checkSweep, checkTime } from '../integrate/solutions.ts';
import type { OdeSolution, SolverStats } from '../integrate/types.ts';
import type { HalvedModeModel } from './halved.ts';

// A module-level copy: under tsx (CommonJS) each use of an imported function is a getter call.
const stepValue = evaluateStep;
const rangeCheck = checkTime;
const sweepCheck = checkSweep;

/** Gauss–Legendre nodes and weights on [0, 1] (4 points: exact for polynomials of degree 7). */
const GL_NODES = [
  0.5 - 0.4305681557970263, 0.5 - 0.1699905217924281, 0.5 + 0.1699905217924281, 0.5 + 0.4305681557970263,
] as const;
const GL_WEIGHTS = [0.1739274225687269, 0.3260725774312731, 0.3260725774312731, 0.1739274225687269] as const;

/**
 * Gauss–Lobatto nodes and weights on [0, 1] (5 points, the ends included: also exact for degree 7, with an
 * error constant within 30% of the 4-point Gauss rule's). The ends are step ends, where the integration has
 * computed the residual already, so a step costs 3 new evaluations of φ instead of 4.
 */
const LOBATTO_NODES = [0, 0.5 - 0.5 * Math.sqrt(3 / 7), 0.5, 0.5 + 0.5 * Math.sqrt(3 / 7), 1] as const;
const LOBATTO_WEIGHTS = [1 / 20, 49 / 180, 16 / 45, 49 / 180, 1 / 20] as const;

/**
 * The Lagrange basis on the given nodes: row i holds ℓ_i(θ) = Σ_m row[m] θ^m (φ inside a step is the polynomial
 * through its node values).
 */
function lagrangeBasis(nodes: readonly number[]): Float64Array[] {
  const n = nodes.length;
  const rows: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    // Coefficients of ℓ_i: solve Σ_m c_m θ_j^m = δ_ij by Gaussian elimination on the Vandermonde system.
    const a = nodes.map((t) => Array.from({ length: n }, (_, m) => t ** m));
    const b: number[] = nodes.map((_, j) => (j === i ? 1 : 0));
    for (let col = 0; col < n; col++) {
      let piv = col;
      for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[piv]![col]!)) piv = r;
      [a[col], a[piv]] = [a[piv]!, a[col]!];
      [b[col], b[piv]] = [b[piv]!, b[col]!];
      for (let r = col + 1; r < n; r++) {
        const f = a[r]![col]! / a[col]![col]!;
        for (let m = col; m < n; m++) a[r]![m]! -= f * a[col]![m]!;
        b[r]! -= f * b[col]!;
      }
    }
    const c = new Float64Array(n);
    for (let r = n - 1; r >= 0; r--) {
      let acc = b[r]!;
      for (let m = r + 1; m < n; m++) acc -= a[r]![m]! * c[m]!;
      c[r] = acc / a[r]![r]!;
    }
    rows.push(c);
  }
  return rows;
}

/** ∫₀^θ of each basis polynomial: row[m] is the coefficient of θ^{m+1} (θ = 1 gives the weights). */
function integratedBasis(rows: readonly Float64Array[]): Float64Array[] {
  return rows.map((c) => c.map((cm, m) => cm / (m + 1)));
}

const GAUSS_BASIS = lagrangeBasis(GL_NODES);
const GAUSS_INTEGRAL = integratedBasis(GAUSS_BASIS);
const LOBATTO_BASIS = lagrangeBasis(LOBATTO_NODES);
const LOBATTO_INTEGRAL = integratedBasis(LOBATTO_BASIS);

/**
 * Stops the clock integration after the first accepted step whose end has a residual of the other sign, or
 * (`beyondHorizon`) once the clock is certainly past the last output time: ρ never exceeds ρ₀ along the way,
 * so t(w) ≥ τw/ρ₀, and a mode still short of its target there is left to the integration in time (a mode
 * whose pathways cannot reach the target would otherwise be followed along an endless clock).
 */
class CrossingWatch implements HandOver {
  beyondHorizon = false;
  constructor(
    private readonly halved: HalvedModeModel,
    private readonly sign: number,
    private readonly wHorizon: number,
  ) {}

  /** The residual at the end of each accepted step (the Lobatto rule's end nodes, see ClockSolution). */
  readonly endResiduals: number[] = [];
  /** Per accepted step, the residuals at its stages 2–7 (six each; stage 7 is the end). */
  readonly stageResiduals: number[] = [];

  check(w: number, y: Float64Array): boolean {
    // The last right-hand side of an accepted step is at its end y (DOPRI5 is FSAL), and the clock's
    // right-hand side leaves the residual there in halved.lastResidual: nothing to evaluate. The six before it
    // are the step's stages (nothing evaluates the clock between the accepted trial and this check).
    const halved = this.halved;
    const r = halved.lastResidual;
    this.endResiduals.push(r);
    const ring = halved.recentResiduals;
    const c = halved.recentCount;
    const stages = this.stageResiduals;
    for (let i = 5; i >= 0; i--) stages.push(ring[(c - i) & 7]!);
    if (!(this.sign * r > 0)) return true;
    this.beyondHorizon = w > this.wHorizon;
    return this.beyondHorizon;
  }
}

/**
 * A state-sized scratch array shared by every mode (what uses it finishes before anything else can: the clock
 * code is synchronous and does not call itself). Small typed arrays cost more to create than the few
 * evaluations each was made for.
 */
let sharedState = new Float64Array(8);
function scratchState(n: number): Float64Array {
  if (sharedState.length < n) sharedState = new Float64Array(n);
  return sharedState;
}

const STAGE_NODES = DOPRI5_NODES;
const STAGE_WEIGHTS = DOPRI5_WEIGHTS;
const STAGE_DENSE = DOPRI5_DENSE;
/**
 * A step's φ comes from its stages where the step ends at least this many step sizes before w∞; nearer, from
 * the Lobatto rule on the continuous extension. The stages' own states are lower-order approximations, whose
 * errors the weights cancel only where φ varies slowly on the step's scale, and φ's x-derivative grows like
 * 1/(w∞ − w)² towards the end. Measured on both bench sets at rtol 1e-8 (max over problems, output times and
 * pathways of the change in K from the Lobatto-only answer, relative to max S): stages up to 1 step size from
 * w∞, 3.1e-7; 1.5, 1.2e-7; 2, 1.3e-8; 3, 1.3e-8; 4, 1.0e-8 — from 2 on, differences of the two quadratures at the
 * tolerance (rtol = 1e-8), no longer growing. At 3, 60–80% of the steps take their φ from the stages.
 */
const STAGE_DISTANCE = 3;

/** φ at a step's seven stages (scratch of the constructor). */
const PHI_STAGES = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];

/**
 * From an integrand's values f_i at a DOPRI5 step's seven stages (i = 0 … 6; the last at the step's end):
 * the derivative of the integral's continuous extension — the extension DOPRI5 gives a component of its own,
 * I(θ)/h = θ(c1 + (1 − θ)(c2 + θ(c3 + (1 − θ)c4))) with c1 = Σ b_i f_i, c2 = f_0 − c1, c3 = c1 − f_6 − c2,
 * c4 = Σ d_i f_i — at the five Lobatto nodes into out[off …]. That derivative is a cubic in θ, which the
 * Lobatto nodes represent exactly, so the Lobatto weights reproduce ∫₀¹ of it (= c1), which is returned.
 * Exact for integrands that are cubics in θ; the integral has DOPRI5's order 5 in h, the derivative order 4
 * (spec/reduced/clock-stages.spec.ts).
 */
export function lobattoFromStages(f: ArrayLike<number>, out: number[] | Float64Array, off: number): number {
  let c1 = 0;
  let c4 = 0;
  for (let i = 0; i < 6; i++) c1 += STAGE_WEIGHTS[i]! * f[i]!;
  for (let i = 0; i < 7; i++) c4 += STAGE_DENSE[i]! * f[i]!;
  const c2 = f[0]! - c1;
  const c3 = c1 - f[6]! - c2;
  let sum = 0;
  for (let i = 0; i < 5; i++) {
    let v: number;
    if (i === 0) v = f[0]!;
    else if (i === 4) v = f[6]!;
    else {
      // d/dθ of θ(c1 + (1 − θ)p(θ)), p = c2 + θ(c3 + (1 − θ)c4).
      const th = LOBATTO_NODES[i]!;
      const p = c2 + th * (c3 + (1 - th) * c4);
      const dp = c3 + (1 - 2 * th) * c4;
      v = c1 + (1 - th) * p + th * (-p + (1 - th) * dp);
    }
    out[off + i] = v;
    sum += LOBATTO_WEIGHTS[i]! * v;
  }
  return sum;
}

/** Layout of ClockSolution's table. */
const STRIDE = 10;
const SPAN = 1;
const PHI = 2;
const TIME = 3;
/** log(w∞ − w) at the step's start (v there). */
const LOGREST = 4;
const NODES = 5;
/** Near w∞ the continuous extension is used where its error is below this fraction of the tolerance's. */
const NEAR_END = 0.05;
/** exp(−DEEP) < 2⁻⁶⁰·e⁻⁸: below the rounding of w∞ with a wide margin. */
const DEEP = 60 * Math.LN2 + 8;

/** No clock integration goes further than this (a clock this long means the mode does not learn). */
const CLOCK_LIMIT = 1e300;

/**
 * A mode solved along its clock: the state at any time t ≥ 0 (see the module comment). Evaluation at a time
 * is deterministic, so outputs and dense evaluation at the same t agree to the last bit.
 */
export class ClockSolution implements OdeSolution {
  readonly method = 'auto';
  readonly status = 'ok' as const;
  readonly message = '';
  readonly events = [];
  readonly dimension: number;
  readonly tStart = 0;
  readonly tReached: number;
  readonly yEnd: Float64Array;
  readonly stats: SolverStats;
  /** Clock at the end of learning (w = σu). */
  readonly wEnd: number;
  /**
   * The same in the steps' own coordinate, w − origin (see solveModeOnClock: a clock too long for its last
   * steps to be resolved in w is recorded from an origin near its end).
   */
  private readonly zEnd: number;
  private readonly halved: HalvedModeModel;
  private readonly steps: RecordedSteps;
  private readonly sign: number;
  private readonly tau: number;
  /** γ at w∞. */
  private readonly gammaEnd: number;
  private readonly logWEnd: number;
  /**
   * Per step j (the last one ending at w∞), STRIDE numbers from j·STRIDE: start w, span, Φ, t and log(w∞ − w)
   * at its start, φ at its five Lobatto nodes (the last step: its four Gauss nodes). One plain array: several
   * small typed arrays per mode cost more to allocate than to fill.
   */
  private readonly table: number[];
  /** How far below w∞ the last step's continuous extension is used (see the constructor). */
  private readonly nearEnd: number;
  /** See `learned`. */
  private readonly learnedDepth: number;
  /** Φ(w∞), and |φ(w∞)|. */
  private readonly phiEnd: number;
  private readonly phiAtEnd: number;
  private readonly count: number;
  private readonly xEnd: Float64Array;

  constructor(
    halved: HalvedModeModel,
    steps: RecordedSteps,
    endResiduals: readonly number[],
    stageResiduals: readonly number[],
    r0: number,
    sign: number,
    tau: number,
    wEnd: number,
    xEnd: Float64Array,
    /** γ at xEnd. */
    gammaEnd: number,
    stats: SolverStats,
    tEnd: number,
    acceptedSpan: number,
    rtol: number,
    atol: number,
    /** Where the steps' coordinate (and wEnd, given in it) has its zero along the clock. */
    origin = 0,
  ) {
    this.halved = halved;
    this.steps = steps;
    this.sign = sign;
    this.tau = tau;
    this.wEnd = wEnd + origin;
    this.zEnd = wEnd;
    this.stats = stats;
    this.dimension = halved.dimension;
    const n = this.dimension;
    const rec = 2 + 5 * n;
    const data = steps.data;
    // Steps that start before w∞ (the last one is clipped there).
    let count = 0;
    while (count < steps.count && data[count * rec]! < wEnd) count++;
    this.count = count;
    this.xEnd = xEnd;
    this.gammaEnd = gammaEnd;
    this.logWEnd = Math.log(this.wEnd);
    const table = new Array<number>(count * STRIDE);
    this.table = table;
    const x = scratchState(n);
    let phi = 0;
    for (let j = 0; j < count; j++) {
      const w0 = data[j * rec]!;
      // The last step ends at w∞ (its record may end a Taylor step short of it or beyond it).
      const h = (j === count - 1 ? wEnd : data[j * rec + 1]!) - w0;
      const o = j * STRIDE;
      table[o] = w0;
      table[o + SPAN] = h;
      table[o + PHI] = phi;
      const logRest = Math.log(wEnd - w0);
      table[o + LOGREST] = logRest;
      table[o + TIME] = this.tau * (-(logRest - this.logWEnd) / this.gammaEnd + phi);
      const gammaEnd = this.gammaEnd;
      let sum = 0;
      const rStart = j === 0 ? r0 : endResiduals[j - 1]!;
      const rEnd = endResiduals[j]!;
      if (j < count - 1 && h > 0 && wEnd - (w0 + h) >= STAGE_DISTANCE * h) {
        // Far from w∞: φ from the residuals the integration computed at the step's stages, integrated as DOPRI5
        // integrates a component of its own (its 5th-order weights, its continuous extension), with nothing
        // to evaluate; that extension's derivative (a cubic) is kept at the Lobatto nodes, which represent it
        // exactly, so phiInStep and phiValueInStep read every step alike. (A span of 0 — a first step below the
        // rounding of a segmented clock's coordinate, see segmentedClock — contributes nothing: Lobatto below.)
        const base = j * 6;
        const phiStages = PHI_STAGES;
        for (let i = 0; i < 7; i++) {
          const r = i === 0 ? rStart : i === 6 ? rEnd : stageResiduals[base + i - 1]!;
          phiStages[i] = 1 / (sign * r) - 1 / (gammaEnd * (wEnd - (w0 + (i === 6 ? h : STAGE_NODES[i]! * h))));
        }
        sum = lobattoFromStages(phiStages, table, o + NODES);
      } else if (j < count - 1) {
        // Lobatto: the ends' residuals are the integration's (step j ends where step j + 1 starts).
        for (let i = 0; i < 5; i++) {
          const wi = w0 + LOBATTO_NODES[i]! * h;
          const v =
            i === 0
              ? 1 / (sign * rStart) - 1 / (gammaEnd * (wEnd - wi))
              : i === 4
                ? 1 / (sign * rEnd) - 1 / (gammaEnd * (wEnd - (w0 + h)))
                : this.phiAt(j, wi, x);
          table[o + NODES + i] = v;
          sum += LOBATTO_WEIGHTS[i]! * v;
        }
      } else {
        // The last step ends at w∞, where both terms of φ are infinite: Gauss nodes, all inside.
        for (let i = 0; i < 4; i++) {
          const v = this.phiAt(j, w0 + GL_NODES[i]! * h, x);
          table[o + NODES + i] = v;
          sum += GL_WEIGHTS[i]! * v;
        }
      }
      phi += h * sum;
    }
    this.phiEnd = phi;
    // The continuous extension of the last step matches its end at w∞, and its error grows like s·h⁴ from
    // there (s = w∞ − w, h the step's span); a step of the accepted size has an extension error of about the
    // tolerance. So within NEAR_END·h_acc·(h_acc/h)⁴ of w∞ the extension is within NEAR_END of the tolerance
    // (the redone last step is usually shorter than the accepted one, whose end lay beyond w∞).
    const lastSpan = count > 0 ? table[(count - 1) * STRIDE + SPAN]! : 0;
    this.nearEnd = lastSpan > 0 ? Math.min(lastSpan, NEAR_END * acceptedSpan * (acceptedSpan / lastSpan) ** 4) : 0;
    this.phiAtEnd = count > 0 ? Math.abs(this.phiValueInStep(count - 1, wEnd)) : 0;
    // The read-out returns x∞ where x is that close to it: |x − x∞| ≈ |dx/dw|·(w∞ − w) ≤ 1e-3·(atol + rtol·|x∞|)
    // in every pathway, with a margin e on w∞ − w; or, whatever the rates, where w∞ − w is below w∞'s rounding
    // (DEEP). Most late output times are then copies, with no search.
    const slope = scratchState(n);
    halved.clockRhs(0, xEnd, slope);
    let ratio = 0;
    for (let i = 0; i < n; i++) ratio = Math.max(ratio, Math.abs(slope[i]!) / (atol + rtol * Math.abs(xEnd[i]!)));
    const withinTolerance = Math.log((this.wEnd * ratio) / 1e-3) + 1;
    this.learnedDepth = withinTolerance < DEEP ? withinTolerance : DEEP;
    this.tReached = tEnd;
    this.yEnd = this.evaluate(tEnd);
    this.stats.rhsEvaluations += 6 * this.stepsFrom;
  }

  /** φ(w) = 1/ρ(w) − 1/(γ∞ (w∞ − w)) at w in step j, with the state written to x. */
  private phiAt(j: number, w: number, x: Float64Array): number {
    this.stateInStep(j, w, x);
    this.halved.measureResidual(x);
    return 1 / (this.sign * this.halved.lastResidual) - 1 / (this.gammaEnd * (this.zEnd - w));
  }

  private stateInStep(j: number, w: number, x: Float64Array): void {
    stepValue(this.steps.data, j * (2 + 5 * this.dimension), this.dimension, w, x, 0);
  }

  /**
   * Φ(w) for w in step j: the integral of the polynomial through φ's node values (the quartic through the
   * Lobatto nodes, on the last step the cubic through the Gauss nodes).
   */
  private phiInStep(j: number, w: number): number {
    const tb = this.table;
    const o = j * STRIDE;
    const h = tb[o + SPAN]!;
    const theta = (w - tb[o]!) / h;
    let acc = 0;
    if (j < this.count - 1) {
      for (let i = 0; i < 5; i++) {
        const c = LOBATTO_INTEGRAL[i]!;
        const integral = theta * (c[0]! + theta * (c[1]! + theta * (c[2]! + theta * (c[3]! + theta * c[4]!))));
        acc += tb[o + NODES + i]! * integral;
      }
    } else {
      for (let i = 0; i < 4; i++) {
        const c = GAUSS_INTEGRAL[i]!;
        acc += tb[o + NODES + i]! * theta * (c[0]! + theta * (c[1]! + theta * (c[2]! + theta * c[3]!)));
      }
    }
    return tb[o + PHI]! + h * acc;
  }

  /** The step whose clock interval holds the time t (the last one for every t past its start). */
  private stepOfTime(t: number): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.table[mid * STRIDE + TIME]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** φ(w) for w in step j: the polynomial through its node values (the derivative of phiInStep). */
  private phiValueInStep(j: number, w: number): number {
    const tb = this.table;
    const o = j * STRIDE;
    const theta = (w - tb[o]!) / tb[o + SPAN]!;
    let acc = 0;
    if (j < this.count - 1) {
      for (let i = 0; i < 5; i++) {
        const c = LOBATTO_BASIS[i]!;
        acc += tb[o + NODES + i]! * (c[0]! + theta * (c[1]! + theta * (c[2]! + theta * (c[3]! + theta * c[4]!))));
      }
    } else {
      for (let i = 0; i < 4; i++) {
        const c = GAUSS_BASIS[i]!;
        acc += tb[o + NODES + i]! * (c[0]! + theta * (c[1]! + theta * (c[2]! + theta * c[3]!)));
      }
    }
    return acc;
  }

  /**
   * The state at time t. Newton in v = log(w∞ − w) on t(v) = t within the step holding t: t(v) and
   * dt/dv = −τ(1/γ∞ + (w∞ − w) φ(w)) (which is −τ(w∞ − w)/ρ) come from the logarithm and the step's polynomial for φ,
   * not from the residual of the interpolated state, which near w∞ is round-off.
   */
  evaluate(t: number, out?: Float64Array): Float64Array {
    const x = out ?? new Float64Array(this.dimension);
    // The time map covers every t ≥ 0; the range is kept to [0, tReached] like every other solution's.
    if (!(t >= 0 && t <= this.tReached)) rangeCheck(t, 0, this.tReached);
    if (t === 0 || this.count === 0) {
      x.set(this.steps.y0);
      return x;
    }
    // Most late output times end here, before any search.
    if (this.learned(t)) {
      const xEnd = this.xEnd;
      for (let i = 0; i < xEnd.length; i++) x[i] = xEnd[i]!;
      return x;
    }
    const j = this.stepOfTime(t);
    const wEnd = this.zEnd;
    const last = j === this.count - 1;
    const w0 = this.table[j * STRIDE]!;
    const phi0 = this.table[j * STRIDE + PHI]!;
    const phiStart = last ? this.phiEnd : phi0;
    // v decreases as t grows: the bracket's upper end is the step start.
    let vHi = this.table[j * STRIDE + LOGREST]!;
    let vLo = last ? -Infinity : this.table[(j + 1) * STRIDE + LOGREST]!;
    const tau = this.tau;
    const invGamma = 1 / this.gammaEnd;
    const logWEnd = this.logWEnd;
    // Start: the logarithm alone, with Φ frozen at the step's start (at w∞ on the last step: exact in the limit).
    let v = logWEnd - (t / tau - phiStart) * this.gammaEnd;
    // On the last step Φ(w∞ − s) = Φ∞ − φ∞ s + …, so the start is off by γ∞|φ∞|s in v: below 1e-12 it is
    // the answer already (the state moves by 1e-12 of g s, far below any tolerance).
    const settled = last && v < vHi && this.gammaEnd * this.phiAtEnd * Math.exp(v) <= 1e-12;
    if (!(v < vHi && v > vLo)) v = vLo === -Infinity ? vHi - 1 : 0.5 * (vLo + vHi);
    for (let iter = 0; iter < 100 && !settled; iter++) {
      const s = Math.exp(v);
      const w = wEnd - s;
      const f = tau * (-(v - logWEnd) * invGamma + this.phiInStep(j, w)) - t;
      if (f === 0) break;
      if (f > 0) vLo = v;
      else vHi = v;
      const slope = -tau * (invGamma + s * this.phiValueInStep(j, w));
      const newton = v - f / slope;
      const dv = newton - v;
      // Converged when the clock would move less than its rounding (s·|dv| is the change in w), or v by less
      // than 1e-12 (Newton's last step, quadratic convergence: the error is far smaller still). Checked before
      // the bracket: a converged step may land on the bracket's end.
      if (s * Math.abs(dv) <= 2e-16 * wEnd || Math.abs(dv) <= 1e-12) {
        v = newton;
        break;
      }
      v = newton > vLo && newton < vHi ? newton : vLo === -Infinity ? v - 1 - (Math.abs(f) * this.gammaEnd) / tau : 0.5 * (vLo + vHi);
    }
    const s = Math.exp(v);
    // The state by a DOPRI5 step from the step start to w rather than from the continuous extension,
    // which is an order less accurate: measured on a three-pathway mode mid-transition, 9× smaller errors
    // (to ≈ 2·rtol). Except close to the end of the last step, which was taken to end at w∞: the extension
    // matches the step's end there and its error falls like (w∞ − w)·h⁴.
    if (last && s <= this.nearEnd) this.stateInStep(j, wEnd - s, x);
    else {
      this.steps.stepFrom(j, this.halved.clockRhs, wEnd - s - w0, x);
      this.stepsFrom++;
    }
    return x;
  }

  /** DOPRI5 steps taken by evaluate (each six right-hand sides). */
  private stepsFrom = 0;

  /** The states at the output times of the solve; its right-hand sides count in the statistics. */
  evaluateSweep(times: ArrayLike<number>, out: Float64Array): Float64Array {
    const before = this.stepsFrom;
    // The read-out below relies on increasing times (once one is learned, so are the rest).
    sweepCheck(times, 0, this.tReached);
    this.fillSweep(times, out);
    this.stats.rhsEvaluations += 6 * (this.stepsFrom - before);
    return out;
  }

  private fillSweep(times: ArrayLike<number>, out: Float64Array): void {
    const n = this.dimension;
    const x = scratchState(n);
    const xEnd = this.xEnd;
    const count = times.length;
    for (let k = 0; k < count; k++) {
      const t = times[k]!;
      // Times increase, so once one is read as x∞ (see `learned`) so are the rest: most late output times,
      // each a copy of x∞ (through evaluate they were half the read-out).
      if (this.learned(t)) {
        for (; k < count; k++) {
          for (let i = 0; i < n; i++) out[k * n + i] = xEnd[i]!;
        }
        break;
      }
      this.evaluate(t, x);
      // A loop, not out.set: TypedArray.prototype.set costs more than copying 1–3 doubles.
      for (let i = 0; i < n; i++) out[k * n + i] = x[i]!;
    }
  }

  /**
   * Whether the read-out at t is x∞: once γ∞(t/τ − Φ∞) > `learnedDepth`, w∞ − w is below w∞·e^{−learnedDepth}
   * (on the last step v = log(w∞ − w) ≈ log w∞ − γ∞(t/τ − Φ∞), off by γ∞|Φ(w) − Φ∞|, far below the margins).
   */
  private learned(t: number): boolean {
    if (this.count === 0 || !((t / this.tau - this.phiEnd) * this.gammaEnd > this.learnedDepth)) return false;
    return t >= this.table[(this.count - 1) * STRIDE + TIME]!;
  }
}

/**
 * The mode along its clock (module comment), or null when the clock method does not apply or its integration
 * did not finish; the caller then solves the mode in time.
 */
export function solveModeOnClock(
  halved: HalvedModeModel,
  tau: number,
  rtol: number,
  atol: number,
  maxSteps: number,
  tEnd: number,
): ClockSolution | null {
  const y0 = halved.y0;
  halved.measureResidual(y0);
  const r0 = halved.lastResidual;
  if (!(r0 !== 0 && Number.isFinite(r0))) return null;
  const sign = r0 > 0 ? 1 : -1;
  halved.clockSign = sign;
  const wHorizon = (Math.abs(r0) * tEnd) / tau;
  let watch = new CrossingWatch(halved, sign, wHorizon);
  // The options spelt out: a spread of CLOCK_STEPPING cost as much as a few right-hand sides.
  const run = recordDopri5(halved.clockRhs, halved.dimension, y0, CLOCK_LIMIT, {
    rtol,
    atol,
    maxSteps,
    handOver: watch,
    controller: CLOCK_STEPPING.controller,
    safety: CLOCK_STEPPING.safety,
    initialStepFactor: CLOCK_STEPPING.initialStepFactor,
  });
  let steps = run.steps;
  let stats = run.stats;
  // The steps' coordinate is w − origin; 0 unless the clock had to be recorded in segments (below).
  let origin = 0;
  if (run.status === 'failed' && stats.steps + stats.rejectedSteps < maxSteps) {
    // A clock far longer than its last steps (depth 16 from σ = 0.1: the last 10% of the learning in the last
    // 0.0026 of a clock of 3.9e13, whose rounding is 0.008) fails with a step-size underflow in w. Recorded in
    // segments, each from its own origin, the steps near the end are resolved in w − origin.
    const segmented = segmentedClock(halved, y0, sign, wHorizon, rtol, atol, maxSteps - stats.steps - stats.rejectedSteps);
    if (segmented === null) return null;
    // (The failed run's work counts too.)
    segmented.stats.steps += stats.steps;
    segmented.stats.rejectedSteps += stats.rejectedSteps;
    segmented.stats.rhsEvaluations += stats.rhsEvaluations;
    ({ steps, stats, origin, watch } = segmented);
  } else if (run.status !== 'stopped') return null;
  if (watch.beyondHorizon || steps.count === 0) return null;
  // The end of learning is located until the residual there is below rtol/1000 of its scale (S, or |r₀| if
  // larger; never below rounding): the learned total Σ_a K_a is then within that of S/λ. The criterion is on ρ,
  // not on the clock: a clock can be long compared with the scale on which the state moves at its end (a long
  // plateau: w∞ ≈ 1.1e7 for depth 8 from 5% of the learned factor, with the last 10% of the learning in the last
  // 1.3e-9 of the clock), and a tolerance relative to w∞ left K∞ 6e-7 off there.
  const residualTolerance = Math.max(1e-3 * rtol, 16 * Number.EPSILON) * Math.max(halved.singularValue, Math.abs(r0));
  // w∞ on the last step: Newton on ρ(w) with dρ/dw = −γ, kept inside the step.
  const n = halved.dimension;
  const rec = 2 + 5 * n;
  const off = (steps.count - 1) * rec;
  let lo = steps.data[off]!;
  let hi = steps.data[off + 1]!;
  const x = scratchState(n);
  // Start from the secant through ρ at the step's ends (both known: the integration computed them).
  const ends = watch.endResiduals;
  const rhoStart = sign * (ends.length >= 2 ? ends[ends.length - 2]! : r0);
  const rhoEnd = sign * ends[ends.length - 1]!;
  const secant = lo + ((hi - lo) * rhoStart) / (rhoStart - rhoEnd);
  // (Outside the step only through rounding or underflow, e.g. a subnormal start.)
  let w = secant > lo && secant < hi ? secant : hi;
  for (let iter = 0; iter < 50; iter++) {
    stepValue(steps.data, off, n, w, x, 0);
    halved.measure(x, 0);
    const rho = sign * halved.lastResidual;
    if (Math.abs(rho) <= residualTolerance) break;
    if (rho > 0) lo = w;
    else hi = w;
    let next = w + rho / halved.gamma;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    // Or the clock's rounding: ρ's own rounding may keep it above the tolerance.
    if (Math.abs(next - w) <= 4 * Number.EPSILON * Math.abs(w) || hi - lo <= 4 * Number.EPSILON * Math.abs(w)) {
      w = next;
      break;
    }
    w = next;
  }
  if (!(w > 0 && Number.isFinite(w))) return null;
  // w∞ as found is a zero of the continuous extension, which is an order less accurate than a step's end: redo
  // the last step to end there and correct its size by Newton (ρ at the step's end, dρ/dw = −γ) until ρ is
  // within the tolerance. Then the learned state x(w∞), which is every late output, is a step's end (or a
  // Taylor step from one), as accurate as the integration.
  const start = steps.data[off]!;
  const accepted = steps.data[off + 1]! - start;
  let h = w - start;
  // The redone steps' and the Taylor step's right-hand sides count in the statistics with the integration's.
  let xEnd = steps.redoLast(halved.clockRhs, h);
  stats.rhsEvaluations += 6;
  for (let iter = 0; iter < 4; iter++) {
    halved.measure(xEnd, 0);
    const rho = sign * halved.lastResidual;
    if (!(Math.abs(rho) > residualTolerance)) break;
    const dh = rho / halved.gamma;
    h += dh;
    if (Math.abs(dh) <= Math.sqrt(1e-3 * rtol) * h) {
      // A move this small is a first-order Taylor step along the clock, x∞ = x + (dx/dw)·dh: the neglected
      // ½x″dh² is (dh/h)² ≤ rtol/1000 of the step's own second-order change, and the step costs one right-hand
      // side where a redo costs six (on the bench set at rtol 1e-8 the first redo leaves |dh| ≈ 3e-9·w∞). The
      // last step's record then ends within dh of w∞; its extension is used up to w∞ (θ = 1 + dh/h).
      const slope = scratchState(n);
      halved.clockRhs(0, xEnd, slope);
      stats.rhsEvaluations++;
      for (let i = 0; i < n; i++) xEnd[i] = xEnd[i]! + slope[i]! * dh;
      break;
    }
    xEnd = steps.redoLast(halved.clockRhs, h);
    stats.rhsEvaluations += 6;
  }
  w = start + h;
  if (!(h > 0 && Number.isFinite(w))) return null;
  // A single pathway's learned state is K = S/λ exactly: the clock keeps only ε·|K(0)| of it (large gains).
  halved.snapLearned(xEnd);
  // The logarithm needs a simple zero of the residual: γ∞ > 0 (it is, unless every pathway ends with q = 0).
  halved.measure(xEnd, 0);
  const gammaEnd = halved.gamma;
  if (!(gammaEnd > 0 && gammaEnd < Infinity)) return null;
  return new ClockSolution(halved, steps, ends, watch.stageResiduals, r0, sign, tau, w, xEnd, gammaEnd, stats, tEnd, accepted, rtol, atol, origin);
}

/** How the clock is integrated (recordDopri5's options besides the tolerances, budget and hand-over). */
const CLOCK_STEPPING = {
  // Along the clock the pathways accelerate towards u∞ (towards a blow-up beyond it, for depth ≥ 3), which
  // Hairer's controller keeps underestimating. Measured on the bench set at rtol 1e-8 (109 modes): Hairer's
  // with safety 0.9, 15.6 accepted + 5.0 rejected steps per mode; with 0.8, 17.2 + 0.36; the predictive
  // controller, 15.9 + 1.0. And Hairer's starting step, made for any problem, is ≈ 16× below the steps the
  // integration settles into (first steps ≈ 0.005, 0.04, 0.05 … 0.08 of w∞): starting 16× larger saves
  // 2 steps per mode for one rejected first step in 11; predictive + 16×: 14.0 + 1.06 (−14% right-hand sides).
  controller: 'predictive',
  safety: 0.9,
  initialStepFactor: 16,
} as const;

/**
 * A segment of the clock ends once its own coordinate is this many times its last step: a step's span is then
 * still known to 2⁻³⁶ of itself (rounding of the coordinate, 2⁻⁵² of it), where the one integration in w lost
 * it altogether (it stops when w·ε reaches a tenth of the step).
 */
const SEGMENT_RATIO = 2 ** 16;
/** Segments of one clock at most (each spans a factor 2¹⁶ of shrinking steps; the worst seen needed 4). */
const MAX_SEGMENTS = 64;

/** CrossingWatch across segments (it sees the clock w = origin + the segment's own coordinate), ending a segment. */
class SegmentWatch extends CrossingWatch {
  origin = 0;
  previous = 0;
  /** Whether the last stop ended a segment (its end state in `state`) rather than the integration. */
  rebase = false;
  readonly state: Float64Array;

  constructor(halved: HalvedModeModel, sign: number, wHorizon: number) {
    super(halved, sign, wHorizon);
    this.state = new Float64Array(halved.dimension);
  }

  override check(w: number, y: Float64Array): boolean {
    if (super.check(this.origin + w, y)) return true;
    const h = w - this.previous;
    this.previous = w;
    if (!(w > SEGMENT_RATIO * h)) return false;
    this.rebase = true;
    this.state.set(y);
    return true;
  }
}

/**
 * The clock recorded in segments, each integrated from its own origin (the end of the one before), merged
 * into one record in the coordinate w − origin of the last segment (where the clock ends): steps near the end
 * are resolved there as in a short clock, and earlier ones, far from the end, lose only a rounding of
 * their distance to it. Null when a segment fails or there are too many.
 */
function segmentedClock(
  halved: HalvedModeModel,
  y0: Float64Array,
  sign: number,
  wHorizon: number,
  rtol: number,
  atol: number,
  maxSteps: number,
): { steps: RecordedSteps; stats: SolverStats; origin: number; watch: CrossingWatch } | null {
  const n = halved.dimension;
  const watch = new SegmentWatch(halved, sign, wHorizon);
  const stats: SolverStats = { steps: 0, rejectedSteps: 0, rhsEvaluations: 0, jacobianEvaluations: 0 };
  const segments: { origin: number; steps: RecordedSteps }[] = [];
  let start = Float64Array.from(y0);
  let origin = 0;
  for (let k = 0; ; k++) {
    if (k === MAX_SEGMENTS) return null;
    watch.origin = origin;
    watch.previous = 0;
    watch.rebase = false;
    const used = stats.steps + stats.rejectedSteps;
    const run = recordDopri5(halved.clockRhs, n, start, CLOCK_LIMIT, { rtol, atol, maxSteps: maxSteps - used, handOver: watch, ...CLOCK_STEPPING });
    stats.steps += run.stats.steps;
    stats.rejectedSteps += run.stats.rejectedSteps;
    stats.rhsEvaluations += run.stats.rhsEvaluations;
    segments.push({ origin, steps: run.steps });
    if (run.status !== 'stopped') return null;
    if (!watch.rebase) break;
    origin += run.tReached;
    start = Float64Array.from(watch.state);
  }
  const rec = 2 + 5 * n;
  const merged = new RecordedSteps(n, y0);
  for (const segment of segments) {
    const shift = segment.origin - origin;
    const data = segment.steps.data;
    for (let j = 0; j < segment.steps.count; j++) {
      const off = j * rec;
      const to = merged.push(shift + data[off]!, shift + data[off + 1]!);
      const out = merged.data;
      for (let i = 2; i < rec; i++) out[to + i] = data[off + i]!;
    }
  }
  merged.finish();
  return { steps: merged, stats, origin, watch };
}


