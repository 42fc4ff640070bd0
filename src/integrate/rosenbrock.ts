/**
 * RODAS4: the linearly implicit Rosenbrock method of Hairer & Wanner ("Solving ODEs II", §VI.4, and the code
 * rodas.f, coefficient set METH = 1).
 *
 * Why this method: the reduced DLN systems become stiff once a mode is learned (eigenvalue ≈ −D S^{2−2/D}
 * transverse to the fixed-point manifold) while the solution is then nearly constant. We want
 *  - L-stability (R(∞) = 0), so that the fast transients are damped in one step instead of ringing, and the
 *    step size is limited by accuracy only;
 *  - stiff accuracy (the last stage is the solution), which avoids order reduction on stiff components;
 *  - no Newton iterations: one LU of (1/(hγ) I − J) per step with the problem's analytic Jacobian, six
 *    right-hand sides; for 1–40 states this is far cheaper than an implicit RK method;
 *  - order 4 with an embedded order-3 estimate (error = the 6th stage increment) and a 3rd-order continuous
 *    extension that costs nothing, for dense output and event location.
 * Alternatives considered: Rodas5 (order 5, 8 stages; more work per step for a gain only at tight
 * tolerances), ROS3P / Rodas3 (order 3, fewer stages, but larger step counts at rtol 1e-8 and no better
 * stability). RODAS4 is also what LSODA's stiff competitors in the Julia and Fortran worlds use by default.
 *
 * Non-autonomous problems: ∂f/∂t enters the stages (the γ_i terms); it is estimated by one forward difference
 * per Jacobian evaluation, as rodas.f does. For autonomous problems the difference is exactly zero and the
 * terms are skipped.
 */
import {
  EPS,
  Nested5,
  budgetMessage,
  fail,
  MAX_NONFINITE_RETRIES,
  nonFiniteMessage,
  firstNonFinite,
  fmt,
  initialStepHeuristic,
  makeContext,
  Solution,
  stopRequested,
  stoppedByEvent,
  validateInputs,
  WorkPool,
  type RunContext,
} from './common.ts';
import type { JacobianFunction, OdeProblem, OdeSolution, RightHandSide, SolverOptions } from './types.ts';

// RODAS4 coefficients (rodas.f, RO4COE with METH = 1; transformed variables as in the code).
const C2 = 0.386;
const C3 = 0.21;
const C4 = 0.63;
const GAMMA = 0.25;
const D1 = 0.25;
const D2 = -0.1043;
const D3 = 0.1035;
const D4 = -0.03620000000000023;
const A21 = 1.544;
const A31 = 0.9466785280815826;
const A32 = 0.2557011698983284;
const A41 = 3.314825187068521;
const A42 = 2.896124015972201;
const A43 = 0.9986419139977817;
const A51 = 1.221224509226641;
const A52 = 6.019134481288629;
const A53 = 12.53708332932087;
const A54 = -0.687886036105895;
const C21 = -5.6688;
const C31 = -2.430093356833875;
const C32 = -0.2063599157091915;
const C41 = -0.1073529058151375;
const C42 = -9.594562251023355;
const C43 = -20.47028614809616;
const C51 = 7.496443313967647;
const C52 = -10.24680431464352;
const C53 = -33.99990352819905;
const C54 = 11.7089089320616;
const C61 = 8.083246795921522;
const C62 = -7.981132988064893;
const C63 = -31.52159432874371;
const C64 = 16.31930543123136;
const C65 = -6.058818238834054;
// Dense output.
const DD21 = 10.12623508344586;
const DD22 = -7.487995877610167;
const DD23 = -34.80091861555747;
const DD24 = -7.992771707568823;
const DD25 = 1.025137723295662;
const DD31 = -0.6762803392801253;
const DD32 = 6.087714651680015;
const DD33 = 16.43084320892478;
const DD34 = 24.76722511418386;
const DD35 = -6.594389125716872;

// Step-size control (rodas.f defaults): 0.2 ≤ hnew/h ≤ 6, safety 0.9, Gustafsson's predictive controller.
const SAFE = 0.9;
const FAC1 = 5; // 1/0.2: the step may shrink to 1/5 …
const FAC2 = 1 / 6; // … or grow to 6×
/** Singular iteration matrices tolerated in a row (each halves h) before the solve fails. */
const MAX_SINGULAR = 5;

/**
 * In-place LU factorisation with partial pivoting of the row-major n×n matrix `a`. Returns false if a pivot
 * is zero or not finite.
 */
export function luFactor(a: Float64Array, n: number, piv: Int32Array): boolean {
  for (let k = 0; k < n; k++) {
    let p = k;
    let max = Math.abs(a[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]!);
      if (v > max) {
        max = v;
        p = i;
      }
    }
    piv[k] = p;
    if (!(max > 0 && max < Infinity)) return false;
    if (p !== k) {
      const rk = k * n;
      const rp = p * n;
      for (let j = 0; j < n; j++) {
        const tmp = a[rk + j]!;
        a[rk + j] = a[rp + j]!;
        a[rp + j] = tmp;
      }
    }
    const rk = k * n;
    const inv = 1 / a[rk + k]!;
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const l = a[ri + k]! * inv;
      a[ri + k] = l;
      if (l !== 0) for (let j = k + 1; j < n; j++) a[ri + j] -= l * a[rk + j]!;
    }
  }
  return true;
}

/** Solves (LU) x = b in place in `b`, with the factors and pivots from luFactor. */
export function luSolve(a: Float64Array, n: number, piv: Int32Array, b: Float64Array): void {
  for (let k = 0; k < n; k++) {
    const p = piv[k]!;
    if (p !== k) {
      const tmp = b[k]!;
      b[k] = b[p]!;
      b[p] = tmp;
    }
  }
  for (let i = 1; i < n; i++) {
    const ri = i * n;
    let s = b[i]!;
    for (let j = 0; j < i; j++) s -= a[ri + j]! * b[j]!;
    b[i] = s;
  }
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    let s = b[i]!;
    for (let j = i + 1; j < n; j++) s -= a[ri + j]! * b[j]!;
    b[i] = s / a[ri + i]!;
  }
}

/** Preallocated work arrays of one solve. */
class RodasWork {
  readonly k1: Float64Array;
  readonly k2: Float64Array;
  readonly k3: Float64Array;
  readonly k4: Float64Array;
  readonly k5: Float64Array;
  readonly k6: Float64Array;
  readonly dy: Float64Array;
  readonly ytmp: Float64Array;
  ynew: Float64Array;
  readonly fdt: Float64Array;
  readonly jac: Float64Array;
  readonly e: Float64Array;
  readonly piv: Int32Array;
  /** Whether fdt (∂f/∂t) is non-zero for the current Jacobian. */
  nonAutonomous = false;
  /** The run's state and f at the current and the new point (swapped after each accepted step). */
  y: Float64Array;
  f0: Float64Array;
  f1: Float64Array;

  constructor(n: number) {
    this.y = new Float64Array(n);
    this.f0 = new Float64Array(n);
    this.f1 = new Float64Array(n);
    this.k1 = new Float64Array(n);
    this.k2 = new Float64Array(n);
    this.k3 = new Float64Array(n);
    this.k4 = new Float64Array(n);
    this.k5 = new Float64Array(n);
    this.k6 = new Float64Array(n);
    this.dy = new Float64Array(n);
    this.ytmp = new Float64Array(n);
    this.ynew = new Float64Array(n);
    this.fdt = new Float64Array(n);
    this.jac = new Float64Array(n * n);
    this.e = new Float64Array(n * n);
    this.piv = new Int32Array(n);
  }

  /** Jacobian and ∂f/∂t at (t, y) with f0 = f(t, y). One Jacobian and one right-hand-side evaluation. */
  linearise(rhs: RightHandSide, jacobian: JacobianFunction, n: number, t: number, y: Float64Array, f0: Float64Array, autonomous = false): void {
    jacobian(t, y, this.jac);
    if (autonomous) {
      this.nonAutonomous = false;
      return;
    }
    const delt = Math.sqrt(EPS * Math.max(1e-5, Math.abs(t)));
    rhs(t + delt, y, this.dy);
    let nz = false;
    for (let i = 0; i < n; i++) {
      const d = (this.dy[i]! - f0[i]!) / delt;
      this.fdt[i] = d;
      if (d !== 0) nz = true;
    }
    this.nonAutonomous = nz;
  }

  /** Builds and factors E = I/(hγ) − J. */
  factor(n: number, h: number): boolean {
    const fac = 1 / (h * GAMMA);
    const e = this.e;
    const jac = this.jac;
    const nn = n * n;
    for (let i = 0; i < nn; i++) e[i] = -jac[i]!;
    for (let i = 0; i < n; i++) e[i * n + i] += fac;
    return luFactor(e, n, this.piv);
  }

  /**
   * The six stages from (t, y) with f0 = f(t, y) and a factored E: fills k1..k6 and ynew (= y + … + k6).
   * Five right-hand-side evaluations.
   */
  stages(rhs: RightHandSide, n: number, t: number, h: number, tph: number, y: Float64Array, f0: Float64Array): void {
    const { k1, k2, k3, k4, k5, k6, dy, ytmp, fdt, e, piv } = this;
    const ynew = this.ynew;
    const na = this.nonAutonomous;
    const hc21 = C21 / h;
    const hc31 = C31 / h;
    const hc32 = C32 / h;
    const hc41 = C41 / h;
    const hc42 = C42 / h;
    const hc43 = C43 / h;
    const hc51 = C51 / h;
    const hc52 = C52 / h;
    const hc53 = C53 / h;
    const hc54 = C54 / h;
    const hc61 = C61 / h;
    const hc62 = C62 / h;
    const hc63 = C63 / h;
    const hc64 = C64 / h;
    const hc65 = C65 / h;
    // Stage 1.
    if (na) for (let i = 0; i < n; i++) k1[i] = f0[i]! + h * D1 * fdt[i]!;
    else for (let i = 0; i < n; i++) k1[i] = f0[i]!;
    luSolve(e, n, piv, k1);
    // Stage 2.
    for (let i = 0; i < n; i++) ytmp[i] = y[i]! + A21 * k1[i]!;
    rhs(t + C2 * h, ytmp, dy);
    for (let i = 0; i < n; i++) k2[i] = dy[i]! + hc21 * k1[i]!;
    if (na) for (let i = 0; i < n; i++) k2[i] += h * D2 * fdt[i]!;
    luSolve(e, n, piv, k2);
    // Stage 3.
    for (let i = 0; i < n; i++) ytmp[i] = y[i]! + A31 * k1[i]! + A32 * k2[i]!;
    rhs(t + C3 * h, ytmp, dy);
    for (let i = 0; i < n; i++) k3[i] = dy[i]! + hc31 * k1[i]! + hc32 * k2[i]!;
    if (na) for (let i = 0; i < n; i++) k3[i] += h * D3 * fdt[i]!;
    luSolve(e, n, piv, k3);
    // Stage 4.
    for (let i = 0; i < n; i++) ytmp[i] = y[i]! + A41 * k1[i]! + A42 * k2[i]! + A43 * k3[i]!;
    rhs(t + C4 * h, ytmp, dy);
    for (let i = 0; i < n; i++) k4[i] = dy[i]! + hc41 * k1[i]! + hc42 * k2[i]! + hc43 * k3[i]!;
    if (na) for (let i = 0; i < n; i++) k4[i] += h * D4 * fdt[i]!;
    luSolve(e, n, piv, k4);
    // Stage 5 (at t + h).
    for (let i = 0; i < n; i++) ytmp[i] = y[i]! + A51 * k1[i]! + A52 * k2[i]! + A53 * k3[i]! + A54 * k4[i]!;
    rhs(tph, ytmp, dy);
    for (let i = 0; i < n; i++) k5[i] = dy[i]! + hc51 * k1[i]! + hc52 * k2[i]! + hc53 * k3[i]! + hc54 * k4[i]!;
    luSolve(e, n, piv, k5);
    // Embedded (order 3) solution ytmp + k5, then the last stage.
    for (let i = 0; i < n; i++) ytmp[i] += k5[i]!;
    rhs(tph, ytmp, dy);
    for (let i = 0; i < n; i++) {
      k6[i] = dy[i]! + hc61 * k1[i]! + hc62 * k2[i]! + hc63 * k3[i]! + hc64 * k4[i]! + hc65 * k5[i]!;
    }
    luSolve(e, n, piv, k6);
    for (let i = 0; i < n; i++) ynew[i] = ytmp[i]! + k6[i]!;
  }
}

const pool = new WorkPool((n) => new RodasWork(n));

/**
 * Runs RODAS4 on `ctx` from ctx.t to tEnd (or a terminal event / failure). Uses ctx.f when ctx.haveF and
 * ctx.h as the first step when > 0.
 */
export function runRosenbrock(ctx: RunContext): void {
  const { n, problem, options, stats, store, events, outputs, maxSteps } = ctx;
  const hasStop = options.stopWhen !== undefined;
  // A local binding: an imported function is a getter call per use when tsx compiles to CommonJS.
  const stopCheck = stopRequested;
  const nvec = store.nvec;
  const rhs = problem.rhs;
  const jacobian = problem.jacobian;
  if (!jacobian) {
    throw new Error(
      'rosenbrock: problem.jacobian is required (the method uses the analytic Jacobian ∂f/∂y); ' +
        "supply it or use method 'dopri5' or 'odex'",
    );
  }
  const tEnd = problem.tEnd;
  const autonomous = problem.autonomous === true;
  // Imported bindings are property loads through getters when tsx compiles to CommonJS: keep them out of
  // the step loop.
  const eps = EPS;
  const rtol = options.rtol;
  const atol = options.atol;
  const hmax = Math.min(options.maxStep ?? Infinity, tEnd - problem.t0);
  const w = pool.take(n);
  const { k1, k2, k3, k4, k5, k6 } = w;
  let y: Float64Array = w.y;
  y.set(ctx.y);
  let f0: Float64Array = w.f0;
  let f1: Float64Array = w.f1;
  let t = ctx.t;

  if (ctx.haveF) {
    f0.set(ctx.f);
  } else {
    rhs(t, y, f0);
    stats.rhsEvaluations++;
    const bad = firstNonFinite(f0, n);
    if (bad >= 0) {
      fail(ctx, `non-finite derivative f[${bad}] = ${fmt(f0[bad]!)} at t = ${fmt(t)} (the initial point)`);
      pool.give(n, w);
      return;
    }
  }
  let h = ctx.h;
  if (!(h > 0)) {
    if (options.initialStep !== undefined) {
      h = options.initialStep;
    } else {
      ctx.f.set(f0);
      h = initialStepHeuristic(ctx, 4, hmax, w.ytmp, w.dy);
    }
  }
  h = Math.min(h, hmax);

  let reject = false;
  let needJac = true;
  let nonFinite = 0;
  let singular = 0;
  let hacc = 0;
  let erracc = 0;
  let accepted = 0;

  for (;;) {
    if (stats.steps + stats.rejectedSteps >= maxSteps) {
      ctx.t = t;
      fail(ctx, budgetMessage(ctx));
      break;
    }
    if (!(0.1 * h > Math.abs(t) * eps) || !(h > 0)) {
      fail(ctx, `step size underflow: h = ${fmt(h)} at t = ${fmt(t)} (the solution may blow up or be singular there)`);
      break;
    }
    if (needJac) {
      w.linearise(rhs, jacobian, n, t, y, f0, autonomous);
      stats.jacobianEvaluations++;
      if (!autonomous) stats.rhsEvaluations++;
      needJac = false;
    }
    let last = false;
    if (t + 1.01 * h >= tEnd) {
      h = tEnd - t;
      last = true;
    }
    if (!w.factor(n, h)) {
      stats.rejectedSteps++;
      if (++singular >= MAX_SINGULAR) {
        fail(ctx, `singular or non-finite iteration matrix I/(hγ) − J at t = ${fmt(t)} (${MAX_SINGULAR} tries)`);
        break;
      }
      h *= 0.5;
      reject = true;
      continue;
    }
    singular = 0;
    const tph = last ? tEnd : t + h;
    w.stages(rhs, n, t, h, tph, y, f0);
    stats.rhsEvaluations += 5;
    const ynew = w.ynew;

    let err = 0;
    for (let i = 0; i < n; i++) {
      const sk = atol + rtol * Math.max(Math.abs(y[i]!), Math.abs(ynew[i]!));
      const e = k6[i]! / sk;
      err += e * e + 0 * ynew[i]!; // NaN iff ynew[i] is not finite
    }
    err = Math.sqrt(err / n);
    if (!(err < Infinity)) {
      stats.rejectedSteps++;
      if (++nonFinite >= MAX_NONFINITE_RETRIES) {
        fail(ctx, nonFiniteMessage(t, h));
        break;
      }
      h *= 0.1;
      reject = true;
      continue;
    }

    let fac = Math.max(FAC2, Math.min(FAC1, Math.sqrt(Math.sqrt(err)) / SAFE));
    let hnew = h / fac;
    if (err <= 1) {
      // f at the new point: needed for the next step (and to check the new state is usable).
      rhs(tph, ynew, f1);
      stats.rhsEvaluations++;
      let fin = 0;
      for (let i = 0; i < n; i++) fin += 0 * f1[i]!; // NaN iff some f1[i] is not finite
      if (fin !== 0) {
        stats.rejectedSteps++;
        if (++nonFinite >= MAX_NONFINITE_RETRIES) {
          fail(ctx, `non-finite derivative at t = ${fmt(tph)} (${MAX_NONFINITE_RETRIES} retries with smaller steps)`);
          break;
        }
        h *= 0.1;
        reject = true;
        continue;
      }
      nonFinite = 0;
      stats.steps++;
      accepted++;
      // Predictive controller of Gustafsson (rodas.f, PRED = true).
      if (accepted > 1) {
        let facgus = ((hacc / h) * Math.sqrt(Math.sqrt((err * err) / erracc))) / SAFE;
        facgus = Math.max(FAC2, Math.min(FAC1, facgus));
        fac = Math.max(fac, facgus);
        hnew = h / fac;
      }
      hacc = h;
      erracc = Math.max(1e-2, err);
      // Dense output: y + θ(Δ + (1−θ)(d2 + θ d3)), stored as the Nested5 form with r5 = 0.
      const off = store.push(tph);
      const c = store.buf;
      for (let i = 0; i < n; i++) {
        const o = off + i;
        const k1i = k1[i]!;
        const k2i = k2[i]!;
        const k3i = k3[i]!;
        const k4i = k4[i]!;
        const k5i = k5[i]!;
        c[o] = y[i]!;
        c[o + n] = ynew[i]! - y[i]!;
        c[o + 2 * n] = DD21 * k1i + DD22 * k2i + DD23 * k3i + DD24 * k4i + DD25 * k5i;
        c[o + 3 * n] = DD31 * k1i + DD32 * k2i + DD33 * k3i + DD34 * k4i + DD35 * k5i;
        // The store may hold more nested vectors (DOP853's eight under `auto`): all higher terms are zero.
        for (let v = 4; v < nvec; v++) c[o + v * n] = 0;
      }
      const ty = y;
      y = ynew;
      w.ynew = ty;
      const tf = f0;
      f0 = f1;
      f1 = tf;
      const tOld = t;
      t = tph;
      needJac = true;
      if (events && stoppedByEvent(ctx, events, tOld, t, y)) break;
      if (outputs) outputs.advance(store, t, y);
      if (last) break;
      if (hasStop && stopCheck(ctx, t, y)) break;
      if (hnew > hmax) hnew = hmax;
      if (reject && hnew > h) hnew = h;
      reject = false;
    } else {
      reject = true;
      stats.rejectedSteps++;
    }
    h = hnew;
  }
  ctx.y.set(y);
  ctx.f.set(f0);
  ctx.haveF = true;
  ctx.t = t;
  ctx.h = h;
  w.y = y;
  w.f0 = f0;
  w.f1 = f1;
  pool.give(n, w);
}

/** RODAS4 with dense output and events; requires problem.jacobian. */
export function rosenbrock(problem: OdeProblem, options: SolverOptions): OdeSolution {
  validateInputs(problem, options, 'rosenbrock');
  if (typeof problem.jacobian !== 'function') {
    throw new Error(
      'rosenbrock: problem.jacobian is required (the method uses the analytic Jacobian ∂f/∂y); ' +
        "supply it or use method 'dopri5' or 'odex'",
    );
  }
  const ctx = makeContext(problem, options, Nested5, 5);
  if (ctx.events) ctx.events.init(ctx.t, ctx.y);
  runRosenbrock(ctx);
  return new Solution('rosenbrock', ctx);
}

/**
 * Test helper: `steps` equal RODAS4 steps from t0 to tEnd without error control (order-of-accuracy tests).
 * Returns the state at tEnd.
 */
export function rosenbrockFixedSteps(problem: OdeProblem, steps: number): Float64Array {
  const n = problem.dimension;
  const jacobian = problem.jacobian;
  if (!jacobian) throw new Error('rosenbrockFixedSteps: problem.jacobian is required');
  const w = new RodasWork(n);
  let y: Float64Array = Float64Array.from(problem.y0);
  const f0 = new Float64Array(n);
  const h = (problem.tEnd - problem.t0) / steps;
  for (let s = 0; s < steps; s++) {
    const t = problem.t0 + s * h;
    problem.rhs(t, y, f0);
    w.linearise(problem.rhs, jacobian, n, t, y, f0);
    if (!w.factor(n, h)) throw new Error('rosenbrockFixedSteps: singular iteration matrix');
    w.stages(problem.rhs, n, t, h, t + h, y, f0);
    const ny = w.ynew;
    w.ynew = y;
    y = ny;
  }
  return y;
}
