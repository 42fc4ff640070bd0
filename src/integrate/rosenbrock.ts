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
import type { RunContext } from './context.ts';
import { GustafssonControl } from './controllers.ts';
import { EPS, MAX_REFUSED, MethodBase, runAdaptive, type Method } from './loop.ts';
import { WorkPool } from './memory.ts';
import { fmt } from './messages.ts';
import { solveWith } from './entry.ts';
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

// Step-size control: GustafssonControl (controllers.ts), rodas.f's defaults. A singular iteration matrix halves
// h (MAX_REFUSED times in a row at most, loop.ts).

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

const noJacobian: JacobianFunction = () => {};

/** RODAS4 as a `Method` of the adaptive loop: the work arrays of one run and its current state. */
class RodasWork extends MethodBase implements Method {
  readonly n: number;
  readonly order = 4;
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
    super();
    this.n = n;
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

  private jacobian: JacobianFunction = noJacobian;
  /** The Jacobian is evaluated at the start of the next trial step (after every accepted one). */
  private needJac = true;

  get f(): Float64Array {
    return this.f0;
  }

  get scratchY(): Float64Array {
    return this.ytmp;
  }

  get scratchF(): Float64Array {
    return this.dy;
  }

  override begin(ctx: RunContext): void {
    const jacobian = ctx.problem.jacobian;
    if (!jacobian) throw new Error('internal: rosenbrock run without problem.jacobian');
    super.begin(ctx);
    this.jacobian = jacobian;
    this.needJac = true;
  }

  /** The Jacobian at (t, y) when the last step was accepted, then the LU of I/(hγ) − J: false if singular. */
  override prepare(t: number, h: number): boolean {
    if (this.needJac) {
      this.linearise(this.rhs, this.jacobian, this.n, t, this.y, this.f0, this.autonomous);
      this.stats.jacobianEvaluations++;
      if (!this.autonomous) this.stats.rhsEvaluations++;
      this.needJac = false;
    }
    return this.factor(this.n, h);
  }

  /** The six stages; the error is the last stage's increment k6 (embedded order 3). */
  attempt(t: number, h: number, tph: number): number {
    const n = this.n;
    const y = this.y;
    this.stages(this.rhs, n, t, h, tph, y, this.f0);
    this.stats.rhsEvaluations += 5;
    const ynew = this.ynew;
    const k6 = this.k6;
    const rtol = this.rtol;
    const atol = this.atol;
    let err = 0;
    for (let i = 0; i < n; i++) {
      const sk = atol + rtol * Math.max(Math.abs(y[i]!), Math.abs(ynew[i]!));
      const e = k6[i]! / sk;
      err += e * e + 0 * ynew[i]!; // NaN iff ynew[i] is not finite
    }
    return Math.sqrt(err / n);
  }

  /** f at the new point: needed for the next step (and to check the new state is usable). */
  override complete(tph: number): boolean {
    const f1 = this.f1;
    const n = this.n;
    this.rhs(tph, this.ynew, f1);
    this.stats.rhsEvaluations++;
    let fin = 0;
    for (let i = 0; i < n; i++) fin += 0 * f1[i]!; // NaN iff some f1[i] is not finite
    return fin === 0;
  }

  override refusal(t: number): string {
    return `singular or non-finite iteration matrix I/(hγ) − J at t = ${fmt(t)} (${MAX_REFUSED} tries)`;
  }

  /** Dense output: y + θ(Δ + (1−θ)(d2 + θ d3)), stored as the Nested5 form with r5 = 0. */
  store(c: Float64Array, off: number, nvec: number): void {
    const { k1, k2, k3, k4, k5, y, ynew } = this;
    const n = this.n;
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
  }

  /** The new point becomes the current one (buffers swapped); the Jacobian is due again. */
  advance(): void {
    const y = this.y;
    this.y = this.ynew;
    this.ynew = y;
    const f = this.f0;
    this.f0 = this.f1;
    this.f1 = f;
    this.needJac = true;
  }
}

const pool = new WorkPool((n) => new RodasWork(n));

/**
 * Runs RODAS4 with Gustafsson's controller on `ctx` from ctx.t to tEnd (or a terminal event / failure). Uses
 * ctx.f when ctx.haveF and ctx.h as the first step when > 0.
 */
export function runRosenbrock(ctx: RunContext): undefined {
  const w = pool.take(ctx.n);
  runAdaptive(ctx, w, new GustafssonControl(), null);
  pool.give(ctx.n, w);
  return undefined;
}

/** RODAS4 with dense output and events; requires problem.jacobian. */
export function rosenbrock(problem: OdeProblem, options: SolverOptions): OdeSolution {
  return solveWith(problem, options, 'rosenbrock', 5, runRosenbrock, true);
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
