/**
 * Step-size controllers and the stiffness detector: values handed to the adaptive loop (loop.ts) or to
 * recordDopri5, one object per run (they keep state from step to step).
 *
 * A controller is asked for the next step size after every trial step of size h whose scaled error `err` is
 * finite: `next(h, err)`. err ≤ 1 means the step is accepted (the controller may remember it), err > 1 that
 * it is rejected. The loop then caps the result at maxStep and, right after a rejection, at h. (One call per
 * step, not one for each outcome: measured 1–3% faster in recordDopri5's loop.)
 */

export interface StepController {
  next(h: number, err: number): number;
}

/** Parameters of Hairer's PI controller: fac = err^expo / errOld^beta / safety, h_new = h / fac. */
export interface PIParameters {
  readonly expo: number;
  readonly beta: number;
  readonly safety: number;
  /** fac ≤ facMax: the step shrinks at most to h / facMax … */
  readonly facMax: number;
  /** … and fac ≥ facMin: it grows at most to h / facMin. */
  readonly facMin: number;
}

/** dopri5.f's defaults: β = 0.04, α = 0.2 − 0.75β, safety 0.9, h_new/h in [0.2, 10]. */
export const DOPRI5_PI: PIParameters = { expo: 0.2 - 0.04 * 0.75, beta: 0.04, safety: 0.9, facMax: 1 / 0.2, facMin: 1 / 10 };

/** dop853.f's defaults: β = 0 (no PI term), α = 1/8, safety 0.9, h_new/h in [1/3, 6]. */
export const DOP853_PI: PIParameters = { expo: 1 / 8, beta: 0, safety: 0.9, facMax: 3, facMin: 1 / 6 };

const LOG_MIN_ERR = Math.log(1e-4);

/**
 * Hairer's PI controller (dopri5.f, dop853.f): fac = err^α / errOld^β with errOld the last accepted error (at
 * least 1e-4), over the safety factor, clamped; after a rejection the step only shrinks. One log and one exp
 * (Math.pow costs ~50 ns each, a quarter of a step for small systems); log(0) = −∞ gives fac = 0, as pow does.
 */
export class HairerPI implements StepController {
  private logErrOld = LOG_MIN_ERR;
  private readonly expo: number;
  private readonly beta: number;
  private readonly safety: number;
  private readonly facMax: number;
  private readonly facMin: number;

  constructor(p: PIParameters, safety: number = p.safety) {
    this.expo = p.expo;
    this.beta = p.beta;
    this.safety = safety;
    this.facMax = p.facMax;
    this.facMin = p.facMin;
  }

  next(h: number, err: number): number {
    const lerr = Math.log(err);
    if (!(err <= 1)) return h / Math.min(this.facMax, Math.exp(this.expo * lerr) / this.safety);
    let fac = Math.exp(this.expo * lerr - this.beta * this.logErrOld);
    fac = Math.max(this.facMin, Math.min(this.facMax, fac / this.safety));
    // log(max(err, 1e-4)) without a second logarithm.
    this.logErrOld = err > 1e-4 ? lerr : LOG_MIN_ERR;
    return h / fac;
  }
}

/** rodas.f's step ratio limits and safety. */
const RODAS_SAFE = 0.9;
const RODAS_FAC_MAX = 5; // 1/0.2: the step may shrink to 1/5 …
const RODAS_FAC_MIN = 1 / 6; // … or grow to 6×

/**
 * RODAS's controller (rodas.f, PRED = true): the step fac = err^{1/4}/0.9 in [1/6, 5], and from the second
 * accepted step on the larger of that and Gustafsson's predictive factor
 * (h_acc/h)·(err²/err_acc)^{1/4}/0.9 (err_acc the last accepted error, at least 0.01).
 */
export class GustafssonControl implements StepController {
  private accepted = 0;
  // Doubles from the start, as the values they get.
  private hAcc = 0.5;
  private errAcc = 0.5;

  next(h: number, err: number): number {
    let fac = Math.max(RODAS_FAC_MIN, Math.min(RODAS_FAC_MAX, Math.sqrt(Math.sqrt(err)) / RODAS_SAFE));
    let hNew = h / fac;
    if (!(err <= 1)) return hNew;
    if (++this.accepted > 1) {
      let facgus = ((this.hAcc / h) * Math.sqrt(Math.sqrt((err * err) / this.errAcc))) / RODAS_SAFE;
      facgus = Math.max(RODAS_FAC_MIN, Math.min(RODAS_FAC_MAX, facgus));
      fac = Math.max(fac, facgus);
      hNew = h / fac;
    }
    this.hAcc = h;
    this.errAcc = Math.max(1e-2, err);
    return hNew;
  }
}

/** (1e-4)^{3/16} and (1e-4)^{1/32}. */
const E4_ALPHA = 1e-4 ** (3 / 16);
const E4_BETA = 1e-4 ** (1 / 32);
const PREDICTIVE_SAFETY = 0.9;

/**
 * A step-size controller for solutions whose derivatives keep growing along the run (the clock method's: each
 * pathway accelerates towards a blow-up beyond the end of learning). Hairer's PI controller looks at the last
 * errors only and keeps underestimating the next one, so it either has many rejected steps or needs a small
 * safety factor (many small steps). This one takes the smaller of
 * - the PI step, h·(safety / err^α · errOld^β) with α = 3/16, β = 1/32 (dopri5.f: 0.17, 0.04), and
 * - Gustafsson's predictive step (Hairer & Wanner, Solving ODEs II, §IV.8), which extrapolates the trend of
 *   the error constant: h·PREDICTIVE_SAFETY·(h/hOld)·(errOld/err)^α / err^α,
 * both within [h/5, 10h]. The exponents are those four square roots give: a log and an exp per step (as in
 * HairerPI) cost more than the rest of the controller.
 */
export class PredictiveControl implements StepController {
  /** err^{3/16} and err^{1/32} of the last accepted step (1e-4 before the first, as dopri5.f's facold). */
  private a = E4_ALPHA;
  private b = E4_BETA;
  /** The last accepted step (−0.5 before the first: a double from the start, as the values it gets). */
  private hOld = -0.5;
  /** 1/safety of the PI part. */
  private readonly invSafety: number;

  constructor(safety: number) {
    this.invSafety = 1 / safety;
  }

  next(h: number, err: number): number {
    const e = err > 1e-4 ? err : 1e-4;
    const e16 = Math.sqrt(Math.sqrt(Math.sqrt(Math.sqrt(e))));
    const a = e16 * e16 * e16;
    if (!(err <= 1)) return h / Math.min(5, a * this.invSafety);
    let hNew = h / Math.max(0.1, Math.min(5, (a / this.b) * this.invSafety));
    if (this.hOld > 0) {
      const g = ((h / this.hOld) * PREDICTIVE_SAFETY * this.a) / (a * a);
      const hg = h * Math.max(0.2, Math.min(10, g));
      if (hg < hNew) hNew = hg;
    }
    this.a = a;
    this.b = Math.sqrt(e16);
    this.hOld = h;
    return hNew;
  }
}

/** When a method reports stiffness: h·|λ| > hLambda on `steps` accepted steps (6 non-stiff ones reset). */
export interface StiffnessTest {
  readonly hLambda: number;
  readonly steps: number;
}

/** Hairer's defaults for DOPRI5 (dopri5.f): h·|λ| > 3.25 (its stability boundary is ≈ 3.3) on 15 steps. */
export const HAIRER_STIFFNESS: StiffnessTest = { hLambda: 3.25, steps: 15 };

/**
 * Hairer's stiffness detector: fed the method's estimate of h·|λ| after every accepted step, it fires once
 * the estimate exceeded test.hLambda on test.steps accepted steps, a run of 6 below it resetting the count.
 */
export class StiffnessDetector {
  private stiffSteps = 0;
  private nonStiffSteps = 0;
  private readonly hLambda: number;
  private readonly steps: number;

  constructor(test: StiffnessTest) {
    this.hLambda = test.hLambda;
    this.steps = test.steps;
  }

  /** After an accepted step with stiffness estimate hLambda: true when the detector fires. */
  after(hLambda: number): boolean {
    if (hLambda > this.hLambda) {
      this.nonStiffSteps = 0;
      return ++this.stiffSteps >= this.steps;
    }
    if (++this.nonStiffSteps >= 6) this.stiffSteps = 0;
    return false;
  }
}
