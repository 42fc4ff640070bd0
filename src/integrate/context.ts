/**
 * The run context: the mutable state a solve's pieces share (`auto` runs DOPRI5 and then RODAS4 on one
 * context), and how a run records that it stopped or failed.
 */
import type { Status } from '../util/status.ts';
import { DenseStore, type DenseKind } from './dense.ts';
import { EventTracker } from './events.ts';
import { slabArray } from './memory.ts';
import { fmt, stepBudgetMessage } from './messages.ts';
import { OutputTracker } from './outputs.ts';
import type { OdeProblem, SolverOptions, SolverStats } from './types.ts';
import { DEFAULT_MAX_STEPS } from './validate.ts';

/** Mutable run state shared between the pieces of a solve (dopri5 then rosenbrock, for `auto`). */
export interface RunContext {
  readonly n: number;
  readonly problem: OdeProblem;
  readonly options: SolverOptions;
  readonly maxSteps: number;
  readonly store: DenseStore;
  readonly stats: SolverStats;
  readonly events: EventTracker | null;
  /** Records the states at options.outputTimes as the run passes them (null without them). */
  readonly outputs: OutputTracker | null;
  /** Current time and state (state at `t` is `y`); `f` holds f(t, y) when `haveF`. */
  t: number;
  readonly y: Float64Array;
  readonly f: Float64Array;
  haveF: boolean;
  /** Suggested next step size (0: let the method choose). */
  h: number;
  status: Status;
  message: string;
  /** Set when a terminal event stopped the run. */
  tStop: number;
}

export function makeContext(
  problem: OdeProblem,
  options: SolverOptions,
  kind: DenseKind,
  nvec: number,
): RunContext {
  const n = problem.dimension;
  const y = slabArray(n);
  for (let i = 0; i < n; i++) y[i] = problem.y0[i]!;
  const events = options.events && options.events.length > 0 ? new EventTracker(options.events, n) : null;
  const store = new DenseStore(n, problem.t0, y, kind, nvec, options.denseOutput !== false);
  const outputs = options.outputTimes !== undefined ? new OutputTracker(options.outputTimes, n, options.onOutput) : null;
  // Output times at t0 are the initial state.
  if (outputs) outputs.advance(store, problem.t0, y);
  return {
    n,
    problem,
    options,
    maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS,
    store,
    stats: { steps: 0, rejectedSteps: 0, rhsEvaluations: 0, jacobianEvaluations: 0 },
    events,
    outputs,
    t: problem.t0,
    y,
    f: slabArray(n),
    haveF: false,
    h: 0,
    status: 'ok',
    message: '',
    tStop: NaN,
  };
}

/** Returns the index of the first non-finite entry, or −1. */
export function firstNonFinite(v: Float64Array, n: number): number {
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    if (!(x - x === 0)) return i;
  }
  return -1;
}

/**
 * After an accepted step from tOld to t: locates a terminal event on that step's dense output (the last one
 * in ctx.store) and, if one fired, records it on ctx (status 'stopped', tStop, message) and returns true.
 */
export function stoppedByEvent(ctx: RunContext, events: EventTracker, tOld: number, t: number, y: Float64Array): boolean {
  const tc = events.check(ctx.store, ctx.store.count - 1, tOld, t, y);
  if (tc !== tc) return false;
  ctx.status = 'stopped';
  ctx.tStop = tc;
  ctx.message = `stopped by terminal event at t = ${fmt(tc)}`;
  return true;
}


/** After an accepted step ending at (t, y): whether options.stopWhen ends the run there (and if so, records it). */
export function stopRequested(ctx: RunContext, t: number, y: Float64Array): boolean {
  const stopWhen = ctx.options.stopWhen;
  if (stopWhen === undefined || !stopWhen(t, y)) return false;
  ctx.status = 'stopped';
  ctx.tStop = t;
  ctx.message = `stopped by options.stopWhen at t = ${fmt(t)}`;
  return true;
}

/** Records a failure on the context. */
export function fail(ctx: RunContext, message: string): void {
  ctx.status = 'failed';
  ctx.message = message;
}

/** The failure message for an exhausted step budget. */
export function budgetMessage(ctx: RunContext): string {
  return stepBudgetMessage(ctx.maxSteps, ctx.t, ctx.problem.tEnd);
}
