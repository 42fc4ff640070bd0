/**
 * Training runs with records: gradient descent (record at step s has time s·η, τ = 1) and gradient flow
 * through the package's integrators (in chunks of a bounded number of steps, so the dense output of a
 * high-dimensional state never grows; see STEPS_PER_SOLVE).
 */
import { integrate } from '../integrate/index.ts';
import type { MethodName } from '../integrate/types.ts';
import { ValidationError } from '../util/validation.ts';
import { diagonalStrengths, modeMatrices, type Engine } from './engine.ts';
import type { Mat } from './matrix.ts';

export type TrainSpec =
  | { readonly method: 'gd'; readonly learningRate: number; readonly steps: number; readonly recordEvery: number }
  | {
      readonly method: 'flow';
      readonly times: readonly number[];
      readonly solver?: { readonly method?: MethodName; readonly rtol?: number; readonly atol?: number; readonly maxSteps?: number };
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
  readonly status: 'ok' | 'failed';
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

export function train(engine: Engine, spec: TrainSpec): TrainResult {
  return spec.method === 'gd' ? descend(engine, spec) : flow(engine, spec);
}

function descend(engine: Engine, spec: Extract<TrainSpec, { method: 'gd' }>): TrainResult {
  const { learningRate: eta } = spec;
  const records: Record[] = [];
  engine.refresh();
  let done = 0;
  for (const s of recordSteps(spec.steps, spec.recordEvery)) {
    for (; done < s; done++) engine.step(eta);
    const rec = snapshot(engine, s * eta);
    if (!Number.isFinite(rec.loss)) {
      return {
        status: 'failed',
        message: `gradient descent diverged: the loss is ${rec.loss} at step ${s}; lower train.learningRate (${eta})`,
        records,
      };
    }
    records.push(rec);
  }
  return { status: 'ok', records };
}

/**
 * Steps per integrator call. The integrators keep a dense output of every step (initially room for 256 steps
 * of the whole weight vector), so a long interval is integrated in chunks that never outgrow that first
 * allocation; each chunk starts from the previous chunk's end state (the step size restarts from the
 * integrator's initial guess, which costs a few steps per chunk).
 */
const STEPS_PER_SOLVE = 200;

/**
 * Above this many weights gradient flow is refused: the dense store's first allocation (256 steps × 5
 * vectors × n doubles for dopri5) would pass 2 GB.
 */
export const MAX_FLOW_WEIGHTS = 200_000;

function flow(engine: Engine, spec: Extract<TrainSpec, { method: 'flow' }>): TrainResult {
  const theta = engine.theta;
  const n = theta.length;
  if (n > MAX_FLOW_WEIGHTS) {
    throw new ValidationError(
      'train.method',
      'flow',
      `"gd" for networks above ${MAX_FLOW_WEIGHTS} weights (this one has ${n}): gradient flow keeps the integrator's ` +
        'dense output of every weight; gradient descent with a small learning rate approximates it to O(η)',
    );
  }
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
  let t = 0;
  let y = Float64Array.from(theta);
  let used = 0;
  const fail = (message: string): TrainResult => {
    theta.set(y);
    engine.refresh();
    return { status: 'failed', message: `gradient flow stopped at t = ${t}: ${message}`, records, solverSteps: used };
  };
  for (const target of spec.times) {
    while (target > t) {
      let steps = 0;
      const sol = integrate(
        { dimension: n, rhs, t0: t, y0: y, tEnd: target },
        { rtol, atol, maxSteps: maxSteps - used, stopWhen: () => ++steps >= STEPS_PER_SOLVE },
        method,
      );
      used += sol.stats.steps + sol.stats.rejectedSteps;
      if (sol.tReached > t) {
        y = Float64Array.from(sol.yEnd);
        t = sol.tReached;
      }
      if (sol.status === 'failed') return fail(sol.message);
      if (sol.status === 'ok') t = target;
      if (used >= maxSteps && t < target) return fail(`step budget train.solver.maxSteps = ${maxSteps} used up`);
    }
    theta.set(y);
    engine.refresh();
    records.push(snapshot(engine, target));
  }
  return { status: 'ok', records, solverSteps: used };
}
