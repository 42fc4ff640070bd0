/**
 * solveReduced: the problem → solver → solution driver of the reduced model.
 * Each mode is integrated on its own (modes never interact), with its own step sizes and its own hand-over
 * to the stiff method once that mode has been learned.
 */
import { DEFAULT_MAX_STEPS, slabArray } from '../integrate/common.ts';
import { integrate } from '../integrate/index.ts';
import type { EventFunction, JacobianFunction, OdeSolution, RightHandSide, SolverStats } from '../integrate/types.ts';
import { ClockSolution, solveModeOnClock } from './clock.ts';
import { halvedModeModel, type HalvedModeModel, type LearnedTail } from './halved.ts';
import { modeModel, type ModeModel, type ModeParameters } from './model.ts';
import { parseReducedProblem, type NormalisedProblem } from './problem.ts';
import type { ReducedProblem, ReducedResult } from './types.ts';

export interface ModeSolution {
  readonly mode: number;
  readonly model: ModeModel;
  readonly ode: OdeSolution;
}

export interface ReducedSnapshot {
  /** strengths[a][α] */
  readonly strengths: number[][];
  readonly loss: number;
}

export interface ReducedSolution extends ReducedResult {
  readonly problem: NormalisedProblem;
  readonly modes: readonly ModeSolution[];
  /**
   * Learning time of each mode: the first t with Σ_a K_aα ≥ f·S_α/λ_α, located by event detection on the
   * dense output (null if not reached by the last output time). Present when `learningFraction` was given.
   */
  readonly learningTimes?: (number | null)[];
  /** Last time every mode reached (times[last] when status is ok). */
  readonly tReached: number;
  /** Dense evaluation at any t in [0, tReached]. */
  at(t: number): ReducedSnapshot;
  /** The plain result of the CLI contract, without the dense machinery. */
  toJSON(): ReducedResult;
}

/** Validates `problem` (throwing a ValidationError naming the bad field) and integrates every mode. */
export function solveReduced(problem: ReducedProblem | unknown, options: SolveOptions = {}): ReducedSolution {
  return solveNormalised(parseReducedProblem(problem), options);
}

export interface SolveOptions {
  /** Locate each mode's learning time for this fraction f of its learned value S/λ (e.g. 0.5). */
  readonly learningFraction?: number;
}

export function solveNormalised(problem: NormalisedProblem, options: SolveOptions = {}): ReducedSolution {
  const f = options.learningFraction;
  if (f !== undefined && !(f > 0 && f <= 1)) {
    throw new RangeError(`learningFraction: got ${f}; allowed: a number in (0, 1]`);
  }
  const { singularValues, inputVariances, depths, tau, times, solver, form } = problem;
  const tEnd = times[times.length - 1]!;
  const M = depths.length;
  const K = singularValues.length;
  const stats: SolverStats = { steps: 0, rejectedSteps: 0, rhsEvaluations: 0, jacobianEvaluations: 0 };
  const runs: ModeRun[] = [];
  const failures: string[] = [];
  // The fast default: `auto` on the balanced form integrates one state per pathway (src/reduced/halved.ts),
  // along each mode's clock (src/reduced/clock.ts) unless a learning-time event asks for the time integration
  // or the clock method does not apply to the mode.
  const halve = form === 'balanced' && solver.method === 'auto';
  let tReached = tEnd;
  for (let m = 0; m < K; m++) {
    const params: ModeParameters = { depths, singularValue: singularValues[m]!, inputVariance: inputVariances[m]!, tau };
    const balancedY0 = problem.initialStates[m]!;
    const threshold = f === undefined ? 0 : (f * singularValues[m]!) / inputVariances[m]!;
    let run: ModeRun | null = null;
    if (halve) {
      const halved = halvedModeModel(params, balancedY0);
      if (f === undefined) {
        const clock = solveModeOnClock(halved, tau, solver.rtol, solver.atol, solver.maxSteps ?? DEFAULT_MAX_STEPS, tEnd);
        if (clock !== null) run = new ClockModeRun(m, halved, clock, params, form);
      }
      run ??= genericHalvedRun(m, halved, params, form, tEnd, solver, f, threshold);
    } else {
      const model = modeModel(form, params);
      const raw = integrateMode(model.dimension, model.rhs, model.jacobian, balancedY0, tEnd, solver, f, model.strengths, M, threshold, undefined);
      run = new DenseModeRun({ raw, strengths: model.strengths }, { mode: m, model, ode: raw });
    }
    if (run.failure !== null) {
      failures.push(`mode ${m} (S = ${singularValues[m]}): ${run.failure}`);
      tReached = Math.min(tReached, run.tReached);
    }
    runs.push(run);
  }

  // Read-out at the output times: strengths from the integrated states (one sweep over each dense mode's steps).
  let T = times.length;
  while (T > 0 && !(times[T - 1]! <= tReached)) T--;
  const outTimes = times.slice(0, T);
  // K_aα(t) and the loss first into flat buffers, then the nested arrays of the result (packedDoubles).
  let maxDim = 1;
  for (const run of runs) maxDim = Math.max(maxDim, run.dimension);
  const scratch = readoutScratch(T * M * K + T + T * maxDim + maxDim);
  const kAll = scratch.subarray(0, T * M * K);
  const lossAll = scratch.subarray(T * M * K, T * M * K + T);
  lossAll.fill(0);
  const denseValues = scratch.subarray(T * M * K + T, T * M * K + T + T * maxDim);
  const y = scratch.subarray(T * M * K + T + T * maxDim);
  const kBuffer = new Float64Array(M);
  for (let m = 0; m < K; m++) {
    const run = runs[m]!;
    const n = run.dimension;
    const values = run.valuesAt(outTimes, denseValues);
    const strengthsOf = run.strengths;
    const S = singularValues[m]!;
    const lambda = inputVariances[m]!;
    for (let i = 0; i < T; i++) {
      // Late output times of a learned mode repeat one state: its strengths are computed once.
      let same = i > 0;
      for (let j = 0; j < n; j++) {
        const v = values[i * n + j]!;
        if (v !== y[j]) same = false;
        y[j] = v;
      }
      if (!same) strengthsOf(y, kBuffer);
      let total = 0;
      for (let a = 0; a < M; a++) {
        kAll[(i * M + a) * K + m] = kBuffer[a]!;
        total += kBuffer[a]!;
      }
      const r = S - lambda * total;
      lossAll[i] += (0.5 * r * r) / lambda;
    }
  }
  // After the read-out, whose occasional extra steps (a clock mode's state inside a step) count too.
  for (const run of runs) {
    const s = run.stats;
    stats.steps += s.steps;
    stats.rejectedSteps += s.rejectedSteps;
    stats.rhsEvaluations += s.rhsEvaluations;
    stats.jacobianEvaluations += s.jacobianEvaluations;
  }
  const strengths: number[][][] = new Array<number[][]>(T);
  const loss: number[] = [];
  for (let i = 0; i < T; i++) loss.push(lossAll[i]!);
  for (let i = 0; i < T; i++) {
    const row: number[][] = new Array<number[]>(M);
    for (let a = 0; a < M; a++) row[a] = packedDoubles(kAll, (i * M + a) * K, K);
    strengths[i] = row;
  }

  const result: ReducedResult = {
    status: failures.length ? 'failed' : 'ok',
    ...(failures.length ? { message: failures.join('; ') } : {}),
    times: outTimes,
    strengths,
    loss,
    stats,
  };
  const learningTimes =
    f === undefined
      ? undefined
      : runs.map((run, m): number | null => {
          const { raw, strengths: strengthsOf } = run.dense();
          const threshold = (f * singularValues[m]!) / inputVariances[m]!;
          const total0 = strengthsOf(raw.evaluate(0), kBuffer).reduce((s, k) => s + k, 0);
          // Already at or past the threshold at t = 0 is learned at 0; otherwise the first upward crossing.
          if (total0 >= threshold) return 0;
          return raw.events.length ? raw.events[0]!.t : null;
        });
  return new Solved(result, learningTimes, problem, runs, tReached);
}

/** The ReducedSolution of solveNormalised (a class: no closures to create per solve). */
class Solved implements ReducedSolution {
  readonly status: ReducedResult['status'];
  declare readonly message?: string;
  readonly times: number[];
  readonly strengths: number[][][];
  readonly loss: number[];
  readonly stats: SolverStats;
  declare readonly learningTimes?: (number | null)[];
  private modesCache: ModeSolution[] | undefined;
  private states: Float64Array[] | undefined;

  constructor(
    private readonly result: ReducedResult,
    learningTimes: (number | null)[] | undefined,
    readonly problem: NormalisedProblem,
    private readonly runs: readonly ModeRun[],
    readonly tReached: number,
  ) {
    this.status = result.status;
    if (result.message !== undefined) (this as { message?: string }).message = result.message;
    this.times = result.times;
    this.strengths = result.strengths;
    this.loss = result.loss;
    this.stats = result.stats;
    if (learningTimes !== undefined) (this as { learningTimes?: (number | null)[] }).learningTimes = learningTimes;
  }

  get modes(): readonly ModeSolution[] {
    return (this.modesCache ??= this.runs.map((run) => run.dense().public));
  }

  at(t: number): ReducedSnapshot {
    const { singularValues, inputVariances, depths } = this.problem;
    const M = depths.length;
    const K = singularValues.length;
    const runs = this.runs;
    const states = (this.states ??= runs.map((run) => new Float64Array(run.dimension)));
    const kBuffer = new Float64Array(M);
    if (!(t >= 0 && t <= this.tReached)) {
      throw new RangeError(`t: got ${t}; allowed: a time in [0, ${this.tReached}]`);
    }
    const snapshot: number[][] = [];
    for (let a = 0; a < M; a++) snapshot.push(new Array<number>(K));
    let total2 = 0;
    for (let m = 0; m < K; m++) {
      const { raw, strengths: strengthsOf } = runs[m]!.dense();
      strengthsOf(raw.evaluate(t, states[m]!), kBuffer);
      let total = 0;
      for (let a = 0; a < M; a++) {
        snapshot[a]![m] = kBuffer[a]!;
        total += kBuffer[a]!;
      }
      const r = singularValues[m]! - inputVariances[m]! * total;
      total2 += (0.5 * r * r) / inputVariances[m]!;
    }
    return { strengths: snapshot, loss: total2 };
  }

  toJSON(): ReducedResult {
    return this.result;
  }
}

/** One mode's run: its states at the output times now, its dense solution on demand. */
interface ModeRun {
  readonly dimension: number;
  readonly stats: SolverStats;
  /** Why the solve failed (null when it did not). */
  readonly failure: string | null;
  readonly tReached: number;
  readonly strengths: Strengths;
  /** The states at `outTimes` (a prefix of the problem's times), in `scratch` or a buffer of the run's own. */
  valuesAt(outTimes: readonly number[], scratch: Float64Array): Float64Array;
  dense(): DenseMode;
}

/** A mode's dense solution in its integrated layout, and the public ModeSolution. */
interface DenseMode extends IntegratedMode {
  readonly public: ModeSolution;
}

class DenseModeRun implements ModeRun {
  readonly dimension: number;
  readonly stats: SolverStats;
  readonly failure: string | null;
  readonly tReached: number;
  readonly strengths: Strengths;
  private readonly mode: DenseMode;

  constructor(integrated: IntegratedMode, publicMode: ModeSolution) {
    const raw = integrated.raw;
    this.dimension = raw.dimension;
    this.stats = raw.stats;
    this.failure = raw.status === 'failed' ? raw.message : null;
    this.tReached = raw.tReached;
    this.strengths = integrated.strengths;
    this.mode = { ...integrated, public: publicMode };
  }

  valuesAt(outTimes: readonly number[], scratch: Float64Array): Float64Array {
    return this.mode.raw.evaluateSweep(outTimes, scratch);
  }

  dense(): DenseMode {
    return this.mode;
  }
}

/** A halved mode solved along its clock (clock.ts): dense from the start. */
class ClockModeRun implements ModeRun {
  readonly dimension: number;
  readonly failure = null;
  readonly tReached = Infinity;
  readonly strengths: Strengths;
  readonly stats: SolverStats;
  private denseCache: DenseMode | undefined;

  constructor(
    private readonly mode: number,
    private readonly halved: HalvedModeModel,
    private readonly clock: ClockSolution,
    private readonly params: ModeParameters,
    private readonly form: NormalisedProblem['form'],
  ) {
    this.dimension = halved.dimension;
    this.strengths = halved.strengths;
    this.stats = clock.stats;
  }

  valuesAt(outTimes: readonly number[], scratch: Float64Array): Float64Array {
    return this.clock.evaluateSweep(outTimes, scratch);
  }

  dense(): DenseMode {
    const { clock, halved } = this;
    return (this.denseCache ??= {
      raw: clock,
      strengths: halved.strengths,
      public: new HalvedModeSolution(this.mode, clock, halved, this.form, this.params),
    });
  }
}

/**
 * Takes the rest of a halved mode's motion over to its closed-form learned tail once learnedTail accepts
 * (checked after accepted steps). While far from learned (the remaining clock would change the rates by ≫ 1%)
 * it checks only every few steps: a later hand-over costs a step or two, the check every step cost ≈ 9% of
 * a solve.
 */
class TailHandOver {
  tail: LearnedTail | null = null;
  private skip = 0;
  private readonly halved: HalvedModeModel;
  private readonly rtol: number;
  private readonly atol: number;
  /** With a learning-time event: not before Σ_a K_a has reached this (null: no condition). */
  private readonly threshold: number | null;
  private readonly kTail: Float64Array;

  constructor(halved: HalvedModeModel, rtol: number, atol: number, threshold: number | null) {
    this.halved = halved;
    this.rtol = rtol;
    this.atol = atol;
    this.threshold = threshold;
    this.kTail = new Float64Array(halved.dimension);
  }

  check(t: number, y: Float64Array): boolean {
    if (this.skip > 0) {
      this.skip--;
      return false;
    }
    const halved = this.halved;
    if (this.threshold !== null) {
      halved.strengths(y, this.kTail);
      let total = 0;
      for (let a = 0; a < this.kTail.length; a++) total += this.kTail[a]!;
      if (!(total >= this.threshold)) return false;
    }
    const tail = halved.learnedTail(t, y, this.rtol, this.atol);
    this.tail = tail;
    if (tail === null) {
      const d = halved.tailDistance;
      // The refused criteria are at least third order in the remaining residual, which falls by a
      // factor of a few per step near the end: a factor 10³ too large needs more than one step.
      this.skip = d > 1e6 ? 3 : d > 1e3 ? 1 : 0;
    }
    return tail !== null;
  }
}

/** A halved mode through the general `auto` (dense store, events, RODAS4 when stiff), with the tail hand-over. */
function genericHalvedRun(
  m: number,
  halved: HalvedModeModel,
  params: ModeParameters,
  form: NormalisedProblem['form'],
  tEnd: number,
  solver: NormalisedProblem['solver'],
  f: number | undefined,
  threshold: number,
): ModeRun {
  const handOver = new TailHandOver(halved, solver.rtol, solver.atol, f === undefined ? null : threshold);
  const stopWhen = (t: number, y: Float64Array): boolean => handOver.check(t, y);
  const integrated = integrateMode(halved.dimension, halved.rhs, halved.jacobian, halved.y0, tEnd, solver, f, halved.strengths, halved.dimension, threshold, stopWhen);
  const tail = handOver.tail;
  const raw = tail !== null && integrated.status === 'event' ? withTail(integrated, tail, tEnd) : integrated;
  return new DenseModeRun({ raw, strengths: halved.strengths }, new HalvedModeSolution(m, raw, halved, form, params));
}

/** A mode as integrated: its solution in the integrated layout and the strengths of that layout. */
interface IntegratedMode {
  readonly raw: OdeSolution;
  readonly strengths: (y: ArrayLike<number>, out: Float64Array) => Float64Array;
}

type Strengths = (y: ArrayLike<number>, out: Float64Array) => Float64Array;

function integrateMode(
  dimension: number,
  rhs: RightHandSide,
  jacobian: JacobianFunction,
  y0: Float64Array,
  tEnd: number,
  solver: NormalisedProblem['solver'],
  learningFraction: number | undefined,
  strengths: Strengths,
  pathways: number,
  threshold: number,
  stopWhen: ((t: number, y: Float64Array) => boolean) | undefined,
): OdeSolution {
  if (!(tEnd > 0)) return constantSolution(y0, solver.method);
  const events = learningFraction === undefined ? undefined : [learnedEvent(strengths, pathways, threshold)];
  return integrate(
    { dimension, rhs, jacobian, autonomous: true, t0: 0, y0, tEnd },
    {
      rtol: solver.rtol,
      atol: solver.atol,
      maxSteps: solver.maxSteps,
      ...(events ? { events } : {}),
      ...(stopWhen ? { stopWhen } : {}),
    },
    solver.method,
  );
}

/**
 * A solve stopped at tail.tStart by `stopWhen`, continued to tEnd by the closed-form tail: one OdeSolution
 * with status ok. `stiffFrom` is where the tail took over (the integrator never needed its stiff method).
 */
class TailedSolution implements OdeSolution {
  readonly method: string;
  readonly status = 'ok' as const;
  readonly message = '';
  readonly stats: SolverStats;
  readonly events: OdeSolution['events'];
  readonly yEnd: Float64Array;
  readonly stiffFrom: number;
  readonly dimension: number;
  readonly tStart: number;
  readonly tReached: number;
  private readonly head: OdeSolution;
  private readonly tail: LearnedTail;

  constructor(head: OdeSolution, tail: LearnedTail, tEnd: number) {
    this.head = head;
    this.tail = tail;
    this.method = head.method;
    this.stats = head.stats;
    this.events = head.events;
    this.dimension = head.dimension;
    this.tStart = head.tStart;
    this.tReached = tEnd;
    this.stiffFrom = tail.tStart;
    this.yEnd = tail.evaluate(tEnd, slabArray(head.dimension));
  }

  private check(t: number): void {
    if (!(t >= this.tStart && t <= this.tReached)) {
      throw new RangeError(`evaluate(${t}): t is outside the solution's range [${this.tStart}, ${this.tReached}]`);
    }
  }

  evaluate(t: number, out?: Float64Array): Float64Array {
    this.check(t);
    const y = out ?? new Float64Array(this.dimension);
    return t <= this.stiffFrom ? this.head.evaluate(t, y) : this.tail.evaluate(t, y);
  }

  evaluateSweep(times: ArrayLike<number>, out: Float64Array): Float64Array {
    const n = this.dimension;
    const ts = this.stiffFrom;
    let split = 0;
    while (split < times.length && times[split]! <= ts) split++;
    for (let k = split; k < times.length; k++) {
      const t = times[k]!;
      this.check(t);
      if (k > 0 && !(t >= times[k - 1]!)) throw new RangeError(`evaluateSweep: times[${k}] = ${t} must be non-decreasing`);
    }
    if (split > 0) this.head.evaluateSweep(split === times.length ? times : Array.prototype.slice.call(times, 0, split), out);
    if (split < times.length) {
      const y = new Float64Array(n);
      for (let k = split; k < times.length; k++) out.set(this.tail.evaluate(times[k]!, y), k * n);
    }
    return out;
  }
}

function withTail(head: OdeSolution, tail: LearnedTail, tEnd: number): OdeSolution {
  return new TailedSolution(head, tail, tEnd);
}

/** A mode integrated in the halved form; its balanced-layout solution and model are built on first use. */
class HalvedModeSolution implements ModeSolution {
  readonly mode: number;
  private readonly raw: OdeSolution;
  private readonly halved: HalvedModeModel;
  private readonly form: NormalisedProblem['form'];
  private readonly params: ModeParameters;
  private odeCache: OdeSolution | undefined;
  private modelCache: ModeModel | undefined;

  constructor(mode: number, raw: OdeSolution, halved: HalvedModeModel, form: NormalisedProblem['form'], params: ModeParameters) {
    this.mode = mode;
    this.raw = raw;
    this.halved = halved;
    this.form = form;
    this.params = params;
  }

  get ode(): OdeSolution {
    return (this.odeCache ??= liftSolution(this.raw, this.halved));
  }

  get model(): ModeModel {
    return (this.modelCache ??= modeModel(this.form, this.params));
  }
}

/** The solution of a halved mode seen in the balanced (q, p) layout of `ModeModel`. */
function liftSolution(raw: OdeSolution, halved: HalvedModeModel): OdeSolution {
  const n = halved.liftedDimension;
  const scratch = new Float64Array(halved.dimension);
  const liftNew = (y: Float64Array): Float64Array => halved.lift(y, new Float64Array(n));
  return {
    method: raw.method,
    status: raw.status,
    message: raw.message,
    stats: raw.stats,
    events: raw.events.map((e) => ({ index: e.index, t: e.t, y: liftNew(e.y) })),
    yEnd: liftNew(raw.yEnd),
    ...(raw.stiffFrom !== undefined ? { stiffFrom: raw.stiffFrom } : {}),
    dimension: n,
    tStart: raw.tStart,
    tReached: raw.tReached,
    evaluate(t, out) {
      raw.evaluate(t, scratch);
      return halved.lift(scratch, out ?? new Float64Array(n));
    },
    evaluateSweep(ts, out) {
      const k = halved.dimension;
      const values = raw.evaluateSweep(ts, new Float64Array(ts.length * k));
      const y = new Float64Array(k);
      const x = new Float64Array(n);
      for (let i = 0; i < ts.length; i++) {
        for (let j = 0; j < k; j++) y[j] = values[i * k + j]!;
        out.set(halved.lift(y, x), i * n);
      }
      return out;
    },
  };
}

let readoutBuffer = new Float64Array(4096);

/**
 * Scratch for the read-out, reused across solves: a Float64Array of more than 8 doubles lives outside the
 * JavaScript heap, and allocating (and later collecting) several per solve cost more than the read-out.
 * Safe to share: the read-out runs no user code, and nothing outlives solveNormalised.
 */
function readoutScratch(length: number): Float64Array {
  if (readoutBuffer.length < length) readoutBuffer = new Float64Array(Math.max(length, 2 * readoutBuffer.length));
  return readoutBuffer;
}

/**
 * buf[off … off + len) as a plain array. Small lengths (the number of modes, usually ≤ 4) as array literals:
 * V8 allocates those at their exact size as packed doubles, where `new Array(len)` filled with doubles changes
 * element kind (a second allocation) and `push` over-allocates; the result holds thousands of these.
 */
function packedDoubles(buf: Float64Array, off: number, len: number): number[] {
  switch (len) {
    case 1:
      return [buf[off]!];
    case 2:
      return [buf[off]!, buf[off + 1]!];
    case 3:
      return [buf[off]!, buf[off + 1]!, buf[off + 2]!];
    case 4:
      return [buf[off]!, buf[off + 1]!, buf[off + 2]!, buf[off + 3]!];
    default: {
      const out: number[] = [];
      for (let i = 0; i < len; i++) out.push(buf[off + i]!);
      return out;
    }
  }
}

/** g = Σ_a K_a − threshold, crossing upward when the mode is learned (the learning-time event). */
function learnedEvent(strengths: Strengths, pathways: number, threshold: number): EventFunction {
  const k = new Float64Array(pathways);
  return { g: (_t, y) => strengths(y, k).reduce((s, v) => s + v, 0) - threshold, direction: 1 };
}

/** The solution of a solve with nothing to integrate (all output times are 0). */
function constantSolution(y0: Float64Array, method: string): OdeSolution {
  const yEnd = Float64Array.from(y0);
  return {
    method,
    status: 'ok',
    message: '',
    stats: { steps: 0, rejectedSteps: 0, rhsEvaluations: 0, jacobianEvaluations: 0 },
    events: [],
    yEnd,
    dimension: y0.length,
    tStart: 0,
    tReached: 0,
    evaluate(t, out) {
      if (t !== 0) throw new RangeError(`t: got ${t}; allowed: 0 (nothing was integrated)`);
      const target = out ?? new Float64Array(y0.length);
      target.set(yEnd);
      return target;
    },
    evaluateSweep(ts, out) {
      for (let i = 0; i < ts.length; i++) {
        if (ts[i] !== 0) throw new RangeError(`t: got ${ts[i]}; allowed: 0 (nothing was integrated)`);
        out.set(yEnd, i * y0.length);
      }
      return out;
    },
  };
}
