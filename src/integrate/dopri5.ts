/**
 * Dormand–Prince 5(4) (DOPRI5 of Hairer, Nørsett & Wanner, "Solving ODEs I", §II.5 and the code dopri5.f):
 * explicit Runge–Kutta pair with FSAL, PI step-size control (β = 0.04, safety 0.9, step ratio in [0.2, 10]),
 * Hairer's starting-step heuristic, Shampine's 4th-order continuous extension, event location on it, and
 * Hairer's stiffness detection (by default h·|λ| ≥ 3.25 for 15 accepted steps; `auto` uses a quicker test) with
 * which `auto` hands over to RODAS4.
 */
import type { RunContext } from './context.ts';
import {
  DOPRI5_PI,
  HAIRER_STIFFNESS,
  HairerPI,
  StiffnessDetector,
  type StiffnessTest,
} from './controllers.ts';
import { MethodBase, runAdaptive, type Method } from './loop.ts';
import { WorkPool } from './memory.ts';
import { solveWith } from './entry.ts';
import type { OdeProblem, OdeSolution, RightHandSide, SolverOptions } from './types.ts';

export { HAIRER_STIFFNESS, type StiffnessTest } from './controllers.ts';

// Butcher tableau (Dormand & Prince 1980).
const C2 = 1 / 5;
const C3 = 3 / 10;
const C4 = 4 / 5;
const C5 = 8 / 9;
const A21 = 1 / 5;
const A31 = 3 / 40;
const A32 = 9 / 40;
const A41 = 44 / 45;
const A42 = -56 / 15;
const A43 = 32 / 9;
const A51 = 19372 / 6561;
const A52 = -25360 / 2187;
const A53 = 64448 / 6561;
const A54 = -212 / 729;
const A61 = 9017 / 3168;
const A62 = -355 / 33;
const A63 = 46732 / 5247;
const A64 = 49 / 176;
const A65 = -5103 / 18656;
const A71 = 35 / 384;
const A73 = 500 / 1113;
const A74 = 125 / 192;
const A75 = -2187 / 6784;
const A76 = 11 / 84;
// Error weights: 5th-order minus embedded 4th-order solution.
const E1 = 71 / 57600;
const E3 = -71 / 16695;
const E4 = 71 / 1920;
const E5 = -17253 / 339200;
const E6 = 22 / 525;
const E7 = -1 / 40;
// Dense output (Shampine 1986), the r5 vector of CONTD5.
const D1 = -12715105075 / 11282082432;
const D3 = 87487479700 / 32700410799;
const D4 = -10690763975 / 1880347072;
const D5 = 701980252875 / 199316789632;
const D6 = -1453857185 / 822651844;
const D7 = 69997945 / 29380423;

/**
 * The nodes, 5th-order weights and dense-output weights of the tableau above, for a caller that integrates a
 * quantity of its own from a step's stages (src/reduced/clock.ts: the time map along the clock). Index i is
 * stage i + 1; stage 7 is the step's end (FSAL), with weight 0 in the solution.
 */
export const DOPRI5_NODES: readonly number[] = [0, C2, C3, C4, C5, 1, 1];
export const DOPRI5_WEIGHTS: readonly number[] = [A71, 0, A73, A74, A75, A76, 0];
export const DOPRI5_DENSE: readonly number[] = [D1, 0, D3, D4, D5, D6, D7];

/** Hairer's stiffness threshold for DOPRI5: h·|λ| above this (its real stability boundary is ≈ 3.3) … */
export const STIFF_HLAMBDA = HAIRER_STIFFNESS.hLambda;
/** … on this many accepted steps (a run of 6 non-stiff ones resets the count). */
export const STIFF_STEPS = HAIRER_STIFFNESS.steps;

/**
 * DOPRI5 as a `Method` of the adaptive loop: the stage vectors of one run, its current state, and the
 * interpolant of the step just accepted. The low-level pieces (step, error, coefficients, trial) are also
 * what recordDopri5 is built from.
 */
export class DopriWork extends MethodBase implements Method {
  readonly n: number;
  readonly order = 5;
  override readonly interpolatesFromStages = true;
  k1: Float64Array;
  readonly k2: Float64Array;
  readonly k3: Float64Array;
  readonly k4: Float64Array;
  readonly k5: Float64Array;
  readonly k6: Float64Array;
  k7: Float64Array;
  readonly ytmp: Float64Array;
  readonly ysti: Float64Array;
  y1: Float64Array;
  /** The run's current state (swapped with y1 after each accepted step). */
  y: Float64Array;

  constructor(n: number) {
    super();
    this.n = n;
    this.y = new Float64Array(n);
    this.k1 = new Float64Array(n);
    this.k2 = new Float64Array(n);
    this.k3 = new Float64Array(n);
    this.k4 = new Float64Array(n);
    this.k5 = new Float64Array(n);
    this.k6 = new Float64Array(n);
    this.k7 = new Float64Array(n);
    this.ytmp = new Float64Array(n);
    this.ysti = new Float64Array(n);
    this.y1 = new Float64Array(n);
  }

  /** Time, step size and end time of the trial step: fields rather than arguments, so that calling step()
   * does not box three doubles per step. */
  t = 0.5;
  h = 0.5;
  tph = 0.5;

  /**
   * The step just accepted, for `interpolate`: its start state, end state, f at its start and end (the stages
   * k3..k6 are the fields; none of these is overwritten before the next trial step).
   */
  iy0: Float64Array | null = null;
  iy1: Float64Array | null = null;
  ik1: Float64Array | null = null;
  ik7: Float64Array | null = null;
  it0 = 0.5;
  it1 = 0.5;
  ih = 0.5;

  /**
   * Shampine's continuous extension of the step just accepted, from its stages: the same coefficients and
   * the same nested formula as the dense store (DenseStore.evalStepInto), so the values are identical — without
   * keeping the five coefficient vectors.
   */
  override interpolate(t: number, out: Float64Array, outOff: number): void {
    const y0 = this.iy0!;
    const y1 = this.iy1!;
    const k1 = this.ik1!;
    const k7 = this.ik7!;
    const { k3, k4, k5, k6 } = this;
    const h = this.ih;
    const span = this.it1 - this.it0;
    const theta = span > 0 ? (t - this.it0) / span : 1;
    const th1 = 1 - theta;
    const n = y0.length;
    for (let i = 0; i < n; i++) {
      const ydiff = y1[i]! - y0[i]!;
      const bspl = h * k1[i]! - ydiff;
      const c3 = ydiff - h * k7[i]! - bspl;
      const c4 = h * (D1 * k1[i]! + D3 * k3[i]! + D4 * k4[i]! + D5 * k5[i]! + D6 * k6[i]! + D7 * k7[i]!);
      out[outOff + i] = y0[i]! + theta * (ydiff + th1 * (bspl + theta * (c3 + th1 * c4)));
    }
  }

  /**
   * The scaled RMS error estimate of the trial step from y (Hairer's scaling): NaN or ∞ exactly when the new
   * state, its derivative k7 or the estimate is not finite (`0 * y1[i]` is NaN exactly when y1[i] is not finite;
   * a non-finite k7 makes its term non-finite since E7 ≠ 0).
   */
  error(y: Float64Array, n: number, rtol: number, atol: number): number {
    const { k1, k3, k4, k5, k6, k7, y1 } = this;
    const h = this.h;
    let err = 0;
    for (let i = 0; i < n; i++) {
      const y1i = y1[i]!;
      const sk = atol + rtol * Math.max(Math.abs(y[i]!), Math.abs(y1i));
      const e = (h * (E1 * k1[i]! + E3 * k3[i]! + E4 * k4[i]! + E5 * k5[i]! + E6 * k6[i]! + E7 * k7[i]!)) / sk;
      err += e * e + 0 * y1i;
    }
    return Math.sqrt(err / n);
  }

  /** Hairer's stiffness estimate h·|λ| ≈ h‖f(y1) − f(ysti)‖/‖y1 − ysti‖ of the trial step (0 if y1 = ysti). */
  stiffness(): number {
    const { k6, k7, ysti, y1 } = this;
    const n = this.n;
    let stnum = 0;
    let stden = 0;
    for (let i = 0; i < n; i++) {
      const a = k7[i]! - k6[i]!;
      const b = y1[i]! - ysti[i]!;
      stnum += a * a;
      stden += b * b;
    }
    return stden > 0 ? this.h * Math.sqrt(stnum / stden) : 0;
  }

  /**
   * The continuous extension of the trial step from y as the five nested coefficient vectors r1..r5 of the
   * dense store, into c[off + j·n + i]: y(θ) = r1 + θ(r2 + (1−θ)(r3 + θ(r4 + (1−θ) r5))).
   */
  coefficients(y: Float64Array, n: number, c: Float64Array | number[], off: number): void {
    const { k1, k3, k4, k5, k6, k7, y1 } = this;
    const h = this.h;
    for (let i = 0; i < n; i++) {
      const ydiff = y1[i]! - y[i]!;
      const bspl = h * k1[i]! - ydiff;
      const o = off + i;
      c[o] = y[i]!;
      c[o + n] = ydiff;
      c[o + 2 * n] = bspl;
      c[o + 3 * n] = ydiff - h * k7[i]! - bspl;
      c[o + 4 * n] = h * (D1 * k1[i]! + D3 * k3[i]! + D4 * k4[i]! + D5 * k5[i]! + D6 * k6[i]! + D7 * k7[i]!);
    }
  }

  get f(): Float64Array {
    return this.k1;
  }

  get scratchY(): Float64Array {
    return this.ytmp;
  }

  get scratchF(): Float64Array {
    return this.k2;
  }

  attempt(t: number, h: number, tph: number): number {
    this.t = t;
    this.h = h;
    this.tph = tph;
    this.step(this.rhs, this.n, this.y, this.autonomous);
    this.stats.rhsEvaluations += 6;
    return this.error(this.y, this.n, this.rtol, this.atol);
  }

  store(c: Float64Array, off: number, _nvec: number): void {
    this.coefficients(this.y, this.n, c, off);
  }

  override keep(t: number, tph: number, h: number): void {
    this.iy0 = this.y;
    this.iy1 = this.y1;
    this.ik1 = this.k1;
    this.ik7 = this.k7;
    this.it0 = t;
    this.it1 = tph;
    this.ih = h;
  }

  /** FSAL: k7 becomes the next k1; y1 becomes y (buffers swapped rather than copied). */
  advance(): void {
    const k1 = this.k1;
    this.k1 = this.k7;
    this.k7 = k1;
    const y = this.y;
    this.y = this.y1;
    this.y1 = y;
  }

  /** Whether the trial step ends the run (set by `trial`). */
  last = false;

  /**
   * The trial step of size h from (t, y), stretched or cut to end exactly at tEnd when it would end within 1%
   * of it (this.last then true): sets this.t, this.h, this.tph, takes the step and returns its scaled error.
   */
  trial(
    rhs: RightHandSide,
    n: number,
    y: Float64Array,
    t: number,
    h: number,
    tEnd: number,
    autonomous: boolean,
    rtol: number,
    atol: number,
  ): number {
    const last = t + 1.01 * h >= tEnd;
    this.last = last;
    this.t = t;
    this.h = last ? tEnd - t : h;
    this.tph = last ? tEnd : t + h;
    this.step(rhs, n, y, autonomous);
    return this.error(y, n, rtol, atol);
  }

  /**
   * One trial step from (this.t, y) with k1 = f(t, y) and size this.h: fills k2..k7 and y1 (the 5th-order
   * solution, at this.tph). Six right-hand-side evaluations. For an autonomous problem the right-hand side is
   * called with t = 0 (a small integer, which V8 passes without allocating a heap number).
   */
  step(rhs: RightHandSide, n: number, y: Float64Array, autonomous: boolean): void {
    const { k1, k2, k3, k4, k5, k6, k7, ytmp, ysti, y1 } = this;
    const t = this.t;
    const h = this.h;
    const tph = this.tph;
    for (let i = 0; i < n; i++) ytmp[i] = y[i]! + h * A21 * k1[i]!;
    if (autonomous) rhs(0, ytmp, k2);
    else rhs(t + C2 * h, ytmp, k2);
    for (let i = 0; i < n; i++) ytmp[i] = y[i]! + h * (A31 * k1[i]! + A32 * k2[i]!);
    if (autonomous) rhs(0, ytmp, k3);
    else rhs(t + C3 * h, ytmp, k3);
    for (let i = 0; i < n; i++) ytmp[i] = y[i]! + h * (A41 * k1[i]! + A42 * k2[i]! + A43 * k3[i]!);
    if (autonomous) rhs(0, ytmp, k4);
    else rhs(t + C4 * h, ytmp, k4);
    for (let i = 0; i < n; i++) {
      ytmp[i] = y[i]! + h * (A51 * k1[i]! + A52 * k2[i]! + A53 * k3[i]! + A54 * k4[i]!);
    }
    if (autonomous) rhs(0, ytmp, k5);
    else rhs(t + C5 * h, ytmp, k5);
    for (let i = 0; i < n; i++) {
      ysti[i] = y[i]! + h * (A61 * k1[i]! + A62 * k2[i]! + A63 * k3[i]! + A64 * k4[i]! + A65 * k5[i]!);
    }
    if (autonomous) rhs(0, ysti, k6);
    else rhs(tph, ysti, k6);
    for (let i = 0; i < n; i++) {
      y1[i] = y[i]! + h * (A71 * k1[i]! + A73 * k3[i]! + A74 * k4[i]! + A75 * k5[i]! + A76 * k6[i]!);
    }
    if (autonomous) rhs(0, y1, k7);
    else rhs(tph, y1, k7);
  }
}

const pool = new WorkPool((n) => new DopriWork(n));

/**
 * Runs DOPRI5 with Hairer's PI controller on `ctx` from ctx.t to tEnd (or a terminal event / failure). With a
 * `stiffness` test, returns true as soon as the stiffness detector fires after an accepted step; ctx then
 * holds the current t, y, f and the next step size for the stiff method. Returns false otherwise (ctx.status
 * says how it ended).
 */
export function runDopri5(ctx: RunContext, stiffness: StiffnessTest | null): boolean {
  const w = pool.take(ctx.n);
  const stiff = runAdaptive(ctx, w, new HairerPI(DOPRI5_PI), stiffness === null ? null : new StiffnessDetector(stiffness));
  pool.give(ctx.n, w);
  return stiff;
}

/** Dormand–Prince 5(4) with dense output and events; see the module comment. */
export function dopri5(problem: OdeProblem, options: SolverOptions): OdeSolution {
  return solveWith(problem, options, 'dopri5', 5, runPlain);
}

function runPlain(ctx: RunContext): undefined {
  runDopri5(ctx, null);
  return undefined;
}

/**
 * Test helper: `steps` equal DOPRI5 steps from t0 to tEnd without error control (for the order-of-accuracy
 * tests). Returns the state at tEnd.
 */
export function dopri5FixedSteps(problem: OdeProblem, steps: number): Float64Array {
  const n = problem.dimension;
  const w = new DopriWork(n);
  let y: Float64Array = Float64Array.from(problem.y0);
  const h = (problem.tEnd - problem.t0) / steps;
  problem.rhs(problem.t0, y, w.k1);
  for (let s = 0; s < steps; s++) {
    const t = problem.t0 + s * h;
    w.t = t;
    w.h = h;
    w.tph = t + h;
    w.step(problem.rhs, n, y, false);
    const ny = w.y1;
    w.y1 = y;
    y = ny;
    w.k1.set(w.k7);
  }
  return y;
}
