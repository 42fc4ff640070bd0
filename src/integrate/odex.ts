/**
 * The npm package odex (3.0.0-rc.4, Hairer–Wanner's GBS extrapolation code ODEX) behind the Integrator
 * interface, as an independent high-accuracy cross-check. Guards against its known defects
 * (research/ecosystem.md §1):
 *  1. NaN step sizes can loop forever with dense output on: every right-hand-side call and every accepted
 *     step is checked for a non-finite time, and both a step budget (accepted + odex's rejected count) and
 *     an evaluation budget abort the run by throwing from our callbacks.
 *  2. `xEnd === 0` is read as "no end point": we integrate in shifted time s = t − t0 from 0 to tEnd − t0 > 0.
 *  3. Without an explicit maximum the step is capped at 1: we always pass xEnd and maxStepSize.
 *  4. nEval accumulates across solves: a fresh Solver per solve, and we count right-hand-side calls
 *     ourselves (odex's nEval also omits the call it makes for dense output).
 *  5. y0 must be a plain Array: converted, and the raw (x, y, yp) right-hand side copies to and from
 *     Float64Array buffers.
 * Its maximum-steps exception becomes status 'failed'.
 *
 * Dense output: odex's per-step interpolant is a polynomial of degree ≤ 2·K + 1 (K = 9 extrapolation
 * columns). We sample it at 2K + 2 = 20 Chebyshev–Lobatto points per step and store the samples; barycentric
 * interpolation through them reproduces that polynomial exactly up to rounding. Events are located on it
 * like for the other methods.
 */
import { Solver } from 'odex';
import { budgetMessage, fail, firstNonFinite, type RunContext } from './context.ts';
import { Chebyshev } from './dense.ts';
import { fmt } from './messages.ts';
import { solveWith } from './entry.ts';
import type { OdeProblem, OdeSolution, SolverOptions } from './types.ts';

const MAX_COLUMNS = 9;
const NODES = 2 * MAX_COLUMNS + 2;
/** Right-hand-side calls allowed per attempted step before the evaluation budget aborts the run. */
const EVALS_PER_STEP = 200;

/** Thrown from our callbacks to stop odex; never escapes this module. */
class Abort extends Error {
  constructor(readonly kind: 'failed' | 'stopped', message: string) {
    super(message);
  }
}

export function odex(problem: OdeProblem, options: SolverOptions): OdeSolution {
  return solveWith(problem, options, 'odex', NODES, runOdex, false, Chebyshev);
}

/** odex on the context (events initialised, store of Chebyshev samples) from t0 to tEnd. */
function runOdex(ctx: RunContext): undefined {
  const { n, problem, options, stats, store, events, outputs, maxSteps } = ctx;
  const t0 = problem.t0;
  const tEnd = problem.tEnd;
  const xEnd = tEnd - t0;
  const rhs = problem.rhs;
  const yIn = new Float64Array(n);
  const yOut = new Float64Array(n);
  const yStep = new Float64Array(n);
  const evalBudget = (maxSteps + 1) * EVALS_PER_STEP;

  const f = (x: number, y: number[], yp: number[]): void => {
    if (!Number.isFinite(x)) {
      throw new Abort('failed', `odex produced a non-finite time (step size ${fmt(x)}) after t = ${fmt(ctx.t)}`);
    }
    if (stats.rhsEvaluations >= evalBudget) {
      throw new Abort('failed', `evaluation budget of ${evalBudget} right-hand sides exhausted at t = ${fmt(ctx.t)}`);
    }
    for (let i = 0; i < n; i++) yIn[i] = y[i]!;
    rhs(t0 + x, yIn, yOut);
    stats.rhsEvaluations++;
    for (let i = 0; i < n; i++) yp[i] = yOut[i]!;
  };

  const solver = new Solver(f, n, {
    rawFunction: true,
    relativeTolerance: options.rtol,
    absoluteTolerance: options.atol,
    maxSteps: maxSteps + 1,
    maxStepSize: Math.min(options.maxStep ?? Infinity, xEnd),
    initialStepSize: options.initialStep ?? 1e-4,
    maxExtrapolationColumns: MAX_COLUMNS,
    denseOutput: true,
  });
  const privateCounts = solver as unknown as { nReject?: unknown };
  const rejected = (): number => (typeof privateCounts.nReject === 'number' ? privateCounts.nReject : 0);
  const nodes = store.nodes!;

  const solOut = (xOld: number, x: number, y: number[], dense: (c: number, x: number) => number): void => {
    if (!Number.isFinite(x)) {
      throw new Abort('failed', `odex produced a non-finite time (step size ${fmt(x - xOld)}) after t = ${fmt(ctx.t)}`);
    }
    if (!(x > xOld)) {
      throw new Abort('failed', `step size underflow: odex's step from t = ${fmt(ctx.t)} did not advance time`);
    }
    for (let i = 0; i < n; i++) yStep[i] = y[i]!;
    const bad = firstNonFinite(yStep, n);
    if (bad >= 0) {
      throw new Abort('failed', `non-finite state y[${bad}] = ${fmt(yStep[bad]!)} at t = ${fmt(t0 + x)}`);
    }
    const last = Math.abs(x - xEnd) <= 8 * Number.EPSILON * Math.max(xEnd, 1);
    const tNew = last ? tEnd : Math.min(t0 + x, tEnd);
    const tOld = ctx.t;
    const off = store.push(tNew);
    const c = store.buf;
    // Sample odex's interpolant; the end points are the step's exact states.
    for (let j = 0; j < NODES; j++) {
      const o = off + j * n;
      if (j === 0) {
        for (let i = 0; i < n; i++) c[o + i] = ctx.y[i]!;
      } else if (j === NODES - 1) {
        for (let i = 0; i < n; i++) c[o + i] = yStep[i]!;
      } else {
        const xs = xOld + nodes[j]! * (x - xOld);
        for (let i = 0; i < n; i++) c[o + i] = dense(i, xs);
      }
    }
    stats.steps++;
    ctx.t = tNew;
    ctx.y.set(yStep);
    if (events) {
      const tc = events.check(store, store.count - 1, tOld, tNew, yStep);
      if (tc === tc) {
        ctx.tStop = tc;
        throw new Abort('stopped', `stopped by terminal event at t = ${fmt(tc)}`);
      }
    }
    if (outputs) outputs.advance(store, tNew, yStep);
    if (!last && stats.steps + rejected() >= maxSteps) {
      throw new Abort('failed', budgetMessage(ctx));
    }
    if (!last && options.stopWhen !== undefined && options.stopWhen(tNew, yStep)) {
      ctx.tStop = tNew;
      throw new Abort('stopped', `stopped by options.stopWhen at t = ${fmt(tNew)}`);
    }
  };

  const y0 = Array.from(ctx.y);
  try {
    solver.solve(0, y0, xEnd, solOut);
    if (!(ctx.t === tEnd)) {
      // odex stops when within 10 ulps of xEnd; make the end exact.
      if (store.count > 0 && Math.abs(ctx.t - tEnd) <= 16 * Number.EPSILON * Math.max(Math.abs(tEnd), 1)) {
        store.tLast = tEnd;
        ctx.t = tEnd;
      } else {
        fail(ctx, `odex stopped at t = ${fmt(ctx.t)} before tEnd = ${fmt(tEnd)}`);
      }
    }
  } catch (e) {
    if (e instanceof Abort) {
      if (e.kind === 'stopped') {
        ctx.status = 'stopped';
        ctx.message = e.message;
      } else {
        fail(ctx, e.message);
      }
    } else if (e instanceof Error && /maximum allowed steps exceeded/.test(e.message)) {
      ctx.t = ctx.store.tLast;
      fail(ctx, `${budgetMessage(ctx)} (odex: ${e.message})`);
    } else {
      throw e;
    }
  }
  stats.rejectedSteps = rejected();
  return undefined;
}
