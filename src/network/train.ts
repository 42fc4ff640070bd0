/**
 * Training runs with records: gradient descent (record at step s has time s·η, τ = 1) and gradient flow
 * through the package's integrators (one solve without dense output, so memory does not grow with the
 * interval).
 */
import { integrate } from '../integrate/index.ts';
import type { MethodName } from '../integrate/types.ts';
import { diagonalStrengths, modeMatrices, type Engine } from './engine.ts';
import type { Mat } from './matrix.ts';
import type { Outcome } from '../util/status.ts';
import type { RuleSpec } from './rules/index.ts';

export type TrainSpec =
  | { readonly method: 'gd'; readonly learningRate: number; readonly steps: number; readonly recordEvery: number; readonly rule?: RuleSpec }
  | {
      readonly method: 'flow';
      readonly times: readonly number[];
      readonly solver?: { readonly method?: MethodName; readonly rtol?: number; readonly atol?: number; readonly maxSteps?: number };
      /** How the error travels back (default gradient descent): src/network/rules. */
      readonly rule?: RuleSpec;
    };

export interface Record {
  readonly time: number;
  /** Full K_a = Uᵀ Ω_a V per pathway. */
  readonly modes: Mat[];
  /** diag K_a: strengths[a][α]. */
  readonly strengths: number[][];
  readonly loss: number;
}

export interface TrainResult {
  readonly status: Outcome;
  readonly message?: string;
  readonly records: Record[];
  /** Gradient flow: accepted + rejected integrator steps over the whole run. */
  readonly solverSteps?: number;
}

export function snapshot(engine: Engine, time: number): Record {
  const modes = modeMatrices(engine.task, engine.pathwayMaps());
  return { time, modes, strengths: diagonalStrengths(modes), loss: engine.loss() };
}

/** The recorded steps: 0, k, 2k, … and the last step n. */
export function recordSteps(steps: number, every: number): number[] {
  const out: number[] = [];
  for (let s = 0; s <= steps; s += every) out.push(s);
  if (out[out.length - 1] !== steps) out.push(steps);
  return out;
}

/** Called after each record: records so far (1 … total), the record's time, the records the run will make. */
export type RecordCallback = (recorded: number, time: number, total: number) => void;

export interface TrainOptions {
  readonly onRecord?: RecordCallback;
}

export function train(engine: Engine, spec: TrainSpec, options: TrainOptions = {}): TrainResult {
  return spec.method === 'gd' ? descend(engine, spec, options) : flow(engine, spec, options);
}

function descend(engine: Engine, spec: Extract<TrainSpec, { method: 'gd' }>, options: TrainOptions): TrainResult {
  const { learningRate: eta } = spec;
  const records: Record[] = [];
  engine.refresh();
  let done = 0;
  const steps = recordSteps(spec.steps, spec.recordEvery);
  for (const s of steps) {
    for (; done < s; done++) engine.step(eta);
    const rec = snapshot(engine, s * eta);
    if (!Number.isFinite(rec.loss)) {
      return {
        status: 'failed',
        message: `gradient descent diverged: the loss is ${rec.loss} at step ${s}; lower train.learningRate (${eta})`,
        records,
      };
    }
    // A finite loss is not enough: t = step × learningRate overflows for huge rates, and saturated tanh
    // weights can hold the loss finite while the weights themselves have overflowed (issue 13: no 'ok'
    // with a non-finite number in it).
    if (!Number.isFinite(rec.time)) {
      return {
        status: 'failed',
        message: `gradient descent diverged: the time step × learningRate is ${rec.time} at step ${s}; lower train.learningRate (${eta})`,
        records,
      };
    }
    if (!rec.strengths.every((row) => row.every((x) => Number.isFinite(x)))) {
      return {
        status: 'failed',
        message: `gradient descent diverged: a mode strength is not finite at step ${s}; lower train.learningRate (${eta})`,
        records,
      };
    }
    records.push(rec);
    options.onRecord?.(records.length, rec.time, steps.length);
  }
  return { status: 'ok', records };
}

/**
 * Gradient flow through one integrator call with `denseOutput: false`: the weight vector is the state, and a
 * dense output of every step would grow with the interval (5 state vectors per step for dopri5). Without it
 * the solve holds a fixed number of state vectors (measured: docs/simulator.md) and hands each record's state
 * to `onOutput` as the integration passes its time, interpolated on the step it falls in.
 */
function flow(engine: Engine, spec: Extract<TrainSpec, { method: 'flow' }>, options: TrainOptions): TrainResult {
  const theta = engine.theta;
  const n = theta.length;
  const rtol = spec.solver?.rtol ?? 1e-8;
  const atol = spec.solver?.atol ?? 1e-10;
  const method = spec.solver?.method ?? 'dopri5';
  const maxSteps = spec.solver?.maxSteps ?? 100_000;
  const rhs = (_t: number, y: Float64Array, dydt: Float64Array): void => {
    theta.set(y);
    engine.refresh();
    engine.flowInto(dydt);
  };
  const records: Record[] = [];
  engine.refresh();
  const times = spec.times;
  const tEnd = times.length > 0 ? times[times.length - 1]! : 0;
  if (!(tEnd > 0)) {
    // Nothing to integrate (no times, or only t = 0): the records are the initial state.
    for (const t of times) {
      records.push(snapshot(engine, t));
      options.onRecord?.(records.length, t, times.length);
    }
    return { status: 'ok', records, solverSteps: 0 };
  }
  const onOutput = (_k: number, t: number, y: Float64Array): void => {
    theta.set(y);
    engine.refresh();
    records.push(snapshot(engine, t));
    options.onRecord?.(records.length, t, times.length);
  };
  const sol = integrate(
    { dimension: n, autonomous: true, rhs, t0: 0, y0: theta, tEnd },
    { rtol, atol, maxSteps, denseOutput: false, outputTimes: times, onOutput },
    method,
  );
  theta.set(sol.yEnd);
  engine.refresh();
  const solverSteps = sol.stats.steps + sol.stats.rejectedSteps;
  if (sol.status !== 'ok') {
    return { status: 'failed', message: `gradient flow stopped at t = ${sol.tReached}: ${sol.message}`, records, solverSteps };
  }
  return { status: 'ok', records, solverSteps };
}
