/**
 * The one driver of the reduced models: integrates every mode of a problem (each a `ModeTask`: any
 * `ReducedModel`, its start, its optional fast path and closed-form tail), reads the strengths and the loss
 * out at the output times, and locates learning times on the read-out. Modes never interact, so each is its
 * own small ODE system with its own step sizes and its own hand-over to the stiff method.
 */
import { integrate } from '../integrate/index.ts';
import { slabArray } from '../integrate/memory.ts';
import { tailedSolution } from '../integrate/solutions.ts';
import { DEFAULT_MAX_STEPS } from '../integrate/validate.ts';
import type { EventFunction, MethodName, OdeSolution, SolverStats } from '../integrate/types.ts';
import type { Outcome } from '../util/status.ts';
import { ValidationError } from '../util/errors.ts';
import type { ModeSolverSettings, ModeTask, ReducedModel } from './reduced-model.ts';

export interface DriverSettings {
  /** Output times: non-decreasing, from 0. */
  readonly times: readonly number[];
  readonly solver: { readonly method: MethodName; readonly rtol: number; readonly atol: number; readonly maxSteps?: number };
  /** Locate each mode's learning time for this fraction f of its learned total (e.g. 0.5). */
  readonly learningFraction?: number;
}

/** The plain, JSON-serialisable part of a driven solve. */
export interface DrivenResult {
  readonly status: Outcome;
  /** Present when status is `failed`: which mode failed and why. */
  readonly message?: string;
  readonly times: number[];
  /** strengths[t][i][α]: read-out i of mode α at times[t]. */
  readonly strengths: number[][][];
  /** Σ_α of each mode's loss at each output time. */
  readonly loss: number[];
  readonly stats: SolverStats;
  /**
   * Present only when some mode's strengths were far larger than the problem's scale max_α |learned total|
   * (large initial gains): per mode, the estimated absolute accuracy of its strengths, 300·rtol·max(|learned
   * total|, largest Σ_i |strength_i| at t = 0 or an output time). The documented accuracy (300·rtol·scale,
   * docs/problem-format.md) does not hold there: a state integration keeps rtol relative to the state, and
   * the state is that large.
   */
  readonly accuracy?: number[];
}

export interface DrivenSnapshot {
  /** strengths[i][α] */
  readonly strengths: number[][];
  readonly loss: number;
}

/**
 * A driven result's numbers read in place, without building the nested `strengths` arrays (≈ 224 B per
 * output time): what a writer streaming 10⁶ output times needs.
 */
export interface ResultRows {
  /** Number of output times. */
  readonly length: number;
  /** Read-outs per mode (the pathways, for the DLN). */
  readonly pathways: number;
  readonly modes: number;
  time(i: number): number;
  loss(i: number): number;
  /** Read-out a of mode α at times[i]: strengths[i][a][α]. */
  strength(i: number, a: number, alpha: number): number;
}

/** A driven solve: the result, each mode's dense solution and view, and evaluation at any time. */
export interface DrivenSolution<View, Problem> extends DrivenResult {
  /** The problem as the caller passed it to solveModes (for the DLN: the normalised problem). */
  readonly problem: Problem;
  /** Each mode as its task presents it (built on first use). */
  readonly modes: readonly View[];
  /**
   * Learning time of each mode: the first t with Σ_i strengths_i ≥ f · learnedTotal, located by event
   * detection on the dense output (0 if already there at t = 0, null if not reached by the last output time).
   * Present when `learningFraction` was given.
   */
  readonly learningTimes?: (number | null)[];
  /** Last time every mode reached (times[last] when status is ok). */
  readonly tReached: number;
  /** Dense evaluation at any t in [0, tReached]. */
  at(t: number): DrivenSnapshot;
  /** The output rows read in place from the flat columns the result keeps. */
  rows(): ResultRows;
  toJSON(): DrivenResult;
}

/** Integrates every task's mode over `settings.times` (see the module comment). */
export function solveModes<View, Problem>(
  problem: Problem,
  tasks: readonly ModeTask<View>[],
  settings: DriverSettings,
): DrivenSolution<View, Problem> {
  const f = settings.learningFraction;
  if (f !== undefined && !(f > 0 && f <= 1)) {
    throw new ValidationError('learningFraction', f, 'a number in (0, 1]');
  }
  const { times, solver } = settings;
  const tEnd = times[times.length - 1]!;
  const modeSolver: ModeSolverSettings = { rtol: solver.rtol, atol: solver.atol, maxSteps: solver.maxSteps ?? DEFAULT_MAX_STEPS };
  const K = tasks.length;
  const M = K > 0 ? tasks[0]!.model.readoutDimension : 0;
  const runs: ModeRun<View>[] = [];
  const failures: string[] = [];
  let tReached = tEnd;
  for (const task of tasks) {
    const model = task.model;
    const threshold = f === undefined ? null : f * model.learnedTotal;
    let ode: OdeSolution | null = null;
    if (f === undefined && task.fastPath !== undefined) ode = task.fastPath(tEnd, modeSolver);
    ode ??= integrateInTime(task, tEnd, solver, modeSolver, threshold);
    const run = new ModeRun(task, ode);
    if (run.failure !== null) {
      failures.push(`${task.label()}: ${run.failure}`);
      tReached = Math.min(tReached, ode.tReached);
    }
    runs.push(run);
  }

  // Read-out at the output times: strengths from the integrated states (one sweep over each mode's steps).
  let T = times.length;
  while (T > 0 && !(times[T - 1]! <= tReached)) T--;
  const outTimes = times.slice(0, T);
  // K and the loss first into flat buffers, then the nested arrays of the result (packedDoubles).
  let maxDim = 1;
  for (const run of runs) maxDim = Math.max(maxDim, run.model.dimension);
  const scratch = readoutScratch(T * M * K + T + T * maxDim + maxDim);
  const kAll = scratch.subarray(0, T * M * K);
  const lossAll = scratch.subarray(T * M * K, T * M * K + T);
  lossAll.fill(0);
  const denseValues = scratch.subarray(T * M * K + T, T * M * K + T + T * maxDim);
  const y = scratch.subarray(T * M * K + T + T * maxDim);
  const kBuffer = new Float64Array(M);
  const largestStrength = new Float64Array(K);
  for (let m = 0; m < K; m++) {
    const run = runs[m]!;
    const model = run.model;
    const n = model.dimension;
    const values = run.ode.evaluateSweep(outTimes, denseValues);
    let modeLoss = 0;
    let largest = 0;
    model.strengths(run.task.y0, kBuffer);
    for (let a = 0; a < M; a++) largest += Math.abs(kBuffer[a]!);
    for (let i = 0; i < T; i++) {
      // Late output times of a learned mode repeat one state: its strengths and loss are computed once.
      let same = i > 0;
      for (let j = 0; j < n; j++) {
        const v = values[i * n + j]!;
        if (v !== y[j]) same = false;
        y[j] = v;
      }
      if (!same) {
        model.strengths(y, kBuffer);
        modeLoss = model.loss(kBuffer);
      }
      let size = 0;
      for (let a = 0; a < M; a++) {
        kAll[(i * M + a) * K + m] = kBuffer[a]!;
        size += Math.abs(kBuffer[a]!);
      }
      if (size > largest) largest = size;
      lossAll[i] += modeLoss;
    }
    largestStrength[m] = largest;
  }
  const accuracy = accuracyEstimate(runs, largestStrength, solver.rtol);
  // No "ok" result holds a non-finite number: a read-out that overflowed (K(0) = p·q^{D−1} beyond double range,
  // a learned total S/λ that is not a double) ends the result before the first such time, as a failure.
  const bad = firstNonFinite(kAll, lossAll, T, M, K);
  if (bad !== null) {
    failures.push(
      `${bad.mode >= 0 ? `${tasks[bad.mode]!.label()}: ` : ''}${bad.what} is ${bad.value} at t = ${outTimes[bad.time]}, beyond double precision ` +
        `(|value| > 1.8e308: the initial gains or S/λ are too large for this model)`,
    );
    T = bad.time;
    outTimes.length = T;
    tReached = T > 0 ? outTimes[T - 1]! : 0;
  }
  // After the read-out, whose occasional extra steps (a fast-path mode's state inside a step) count too.
  const stats: SolverStats = { steps: 0, rejectedSteps: 0, rhsEvaluations: 0, jacobianEvaluations: 0 };
  for (const run of runs) {
    const s = run.ode.stats;
    stats.steps += s.steps;
    stats.rejectedSteps += s.rejectedSteps;
    stats.rhsEvaluations += s.rhsEvaluations;
    stats.jacobianEvaluations += s.jacobianEvaluations;
  }
  // The result keeps flat columns (8 bytes per number); the nested arrays of the public shape are built on
  // first use (a row of small arrays per output time cost ≈ 300 bytes per time, 423 MB at 10⁶ times).
  // Carved from the shared slab (slabArray) and filled by loops: a Float64Array of its own is backed off the
  // heap, and with Float64Array.from (which goes through the array's iterator) and two slices the three columns
  // were a third of the driver's own time in a small solve's profile. A result small enough for the slab keeps
  // it alive, as its modes' models (halved.ts) keep theirs already.
  const KT = T * M * K;
  const timeColumn = slabArray(T);
  const kColumn = slabArray(KT);
  const lossColumn = slabArray(T);
  for (let i = 0; i < T; i++) timeColumn[i] = outTimes[i]!;
  for (let i = 0; i < KT; i++) kColumn[i] = kAll[i]!;
  for (let i = 0; i < T; i++) lossColumn[i] = lossAll[i]!;
  const columns = new ResultColumns(timeColumn, kColumn, lossColumn, M, K);
  releaseReadoutScratch();
  const head: ResultHead = {
    status: failures.length ? 'failed' : 'ok',
    ...(failures.length ? { message: failures.join('; ') } : {}),
    stats,
    ...(accuracy === undefined ? {} : { accuracy }),
  };
  const learningTimes =
    f === undefined
      ? undefined
      : runs.map((run): number | null => {
          const { model, ode } = run;
          const threshold = f * model.learnedTotal;
          const total0 = model.strengths(ode.evaluate(0), kBuffer).reduce((s, k) => s + k, 0);
          // Already at or past the threshold at t = 0 is learned at 0; otherwise the first upward crossing.
          if (total0 >= threshold) return 0;
          return ode.events.length ? ode.events[0]!.t : null;
        });
  return new Driven(problem, head, columns, learningTimes, runs, tReached);
}

/**
 * Strengths beyond this multiple of the problem's scale get an accuracy estimate: 300·rtol relative to them is
 * then 100× the documented 300·rtol·scale (measured: two depth-10 pathways from K(0) = 1e10 and −5e9 toward
 * S = 2 end 156 away from the end state at rtol 1e-8 with `auto`, 2e-3 at rtol 1e-12).
 */
const LARGE_GAIN = 100;

function accuracyEstimate<View>(runs: readonly ModeRun<View>[], largest: Float64Array, rtol: number): number[] | undefined {
  let scale = 0;
  for (const run of runs) scale = Math.max(scale, Math.abs(run.model.learnedTotal));
  let flagged = false;
  for (let m = 0; m < runs.length; m++) if (largest[m]! > LARGE_GAIN * scale) flagged = true;
  if (!flagged) return undefined;
  return runs.map((run, m) => 300 * rtol * Math.max(Math.abs(run.model.learnedTotal), largest[m]!));
}

/** The first output time whose read-out (a strength of some mode, or the loss) is not finite, or null. */
function firstNonFinite(
  kAll: Float64Array,
  lossAll: Float64Array,
  T: number,
  M: number,
  K: number,
): { time: number; mode: number; what: string; value: number } | null {
  for (let i = 0; i < T; i++) {
    for (let a = 0; a < M; a++) {
      for (let m = 0; m < K; m++) {
        const v = kAll[(i * M + a) * K + m]!;
        if (!Number.isFinite(v)) return { time: i, mode: m, what: `strength ${a}`, value: v };
      }
    }
    if (!Number.isFinite(lossAll[i]!)) return { time: i, mode: -1, what: 'the loss', value: lossAll[i]! };
  }
  return null;
}

/** One mode's solution in its integrated layout. */
class ModeRun<View> {
  readonly model: ReducedModel;
  /** Why the solve failed (null when it did not). */
  readonly failure: string | null;
  private viewCache: View | undefined;
  constructor(
    readonly task: ModeTask<View>,
    readonly ode: OdeSolution,
  ) {
    this.model = task.model;
    this.failure = ode.status === 'failed' ? ode.message : null;
  }

  get view(): View {
    return (this.viewCache ??= this.task.view(this.ode));
  }
}

/** The time integration of a mode, with its learning-time event and its closed-form hand-over if it has one. */
function integrateInTime<View>(
  task: ModeTask<View>,
  tEnd: number,
  solver: DriverSettings['solver'],
  modeSolver: ModeSolverSettings,
  threshold: number | null,
): OdeSolution {
  const { model, y0 } = task;
  const handOver = task.tailHandOver?.(modeSolver, threshold);
  const events = threshold === null ? undefined : [learnedEvent(model, threshold)];
  const integrated = integrate(
    { dimension: model.dimension, rhs: model.rhs, jacobian: model.jacobian, autonomous: true, t0: 0, y0, tEnd },
    {
      rtol: solver.rtol,
      atol: solver.atol,
      maxSteps: solver.maxSteps,
      ...(events ? { events } : {}),
      ...(handOver ? { stopWhen: (t: number, y: Float64Array): boolean => handOver.check(t, y) } : {}),
    },
    solver.method,
  );
  const tail = handOver?.tail ?? null;
  // The tail takes over where the hand-over stopped the integration.
  return tail !== null && integrated.status === 'stopped' ? tailedSolution(integrated, tail, tEnd, tail.tStart) : integrated;
}

/** g = Σ_i strengths_i − threshold, crossing upward when the mode is learned (the learning-time event). */
function learnedEvent(model: ReducedModel, threshold: number): EventFunction {
  const k = new Float64Array(model.readoutDimension);
  return { g: (_t, y) => model.strengths(y, k).reduce((s, v) => s + v, 0) - threshold, direction: 1 };
}

/** The DrivenSolution of solveModes (a class: no closures to create per solve). */
class Driven<View, Problem> implements DrivenSolution<View, Problem> {
  readonly status: Outcome;
  declare readonly message?: string;
  readonly stats: SolverStats;
  declare readonly learningTimes?: (number | null)[];
  declare readonly accuracy?: number[];
  private modesCache: View[] | undefined;
  private states: Float64Array[] | undefined;
  private timesCache: number[] | undefined;
  private strengthsCache: number[][][] | undefined;
  private lossCache: number[] | undefined;

  constructor(
    readonly problem: Problem,
    private readonly head: ResultHead,
    private readonly columns: ResultColumns,
    learningTimes: (number | null)[] | undefined,
    private readonly runs: readonly ModeRun<View>[],
    readonly tReached: number,
  ) {
    this.status = head.status;
    if (head.message !== undefined) (this as { message?: string }).message = head.message;
    this.stats = head.stats;
    if (head.accuracy !== undefined) (this as { accuracy?: number[] }).accuracy = head.accuracy;
    if (learningTimes !== undefined) (this as { learningTimes?: (number | null)[] }).learningTimes = learningTimes;
  }

  // Built on first use and then kept: a caller that reads them holds them anyway, and repeated reads
  // (solution.strengths[i] in a loop) must not rebuild them.
  get times(): number[] {
    return (this.timesCache ??= Array.from(this.columns.times));
  }

  get strengths(): number[][][] {
    return (this.strengthsCache ??= this.columns.nestedStrengths());
  }

  get loss(): number[] {
    return (this.lossCache ??= Array.from(this.columns.loss));
  }

  get modes(): readonly View[] {
    return (this.modesCache ??= this.runs.map((run) => run.view));
  }

  at(t: number): DrivenSnapshot {
    const runs = this.runs;
    const K = runs.length;
    const M = K > 0 ? runs[0]!.model.readoutDimension : 0;
    const states = (this.states ??= runs.map((run) => new Float64Array(run.model.dimension)));
    const kBuffer = new Float64Array(M);
    if (!(t >= 0 && t <= this.tReached)) {
      throw new ValidationError('t', t, `a time in [0, ${this.tReached}]`);
    }
    const snapshot: number[][] = [];
    for (let a = 0; a < M; a++) snapshot.push(new Array<number>(K));
    let total = 0;
    for (let m = 0; m < K; m++) {
      const { model, ode } = runs[m]!;
      model.strengths(ode.evaluate(t, states[m]!), kBuffer);
      for (let a = 0; a < M; a++) snapshot[a]![m] = kBuffer[a]!;
      total += model.loss(kBuffer);
    }
    return { strengths: snapshot, loss: total };
  }

  rows(): ResultRows {
    const { times, k, loss, M, K } = this.columns;
    return {
      length: times.length,
      pathways: M,
      modes: K,
      time: (i) => times[i]!,
      loss: (i) => loss[i]!,
      strength: (i, a, alpha) => k[(i * M + a) * K + alpha]!,
    };
  }

  /**
   * The plain result. Arrays already built are shared; the others are built for this call and not kept, so
   * serialising a solve with 10⁶ output times does not leave its nested arrays behind.
   */
  toJSON(): DrivenResult {
    const c = this.columns;
    // In the order of the result's contract: status, message, times, strengths, loss, stats.
    return {
      status: this.head.status,
      ...(this.head.message === undefined ? {} : { message: this.head.message }),
      times: this.timesCache ?? Array.from(c.times),
      strengths: this.strengthsCache ?? c.nestedStrengths(),
      loss: this.lossCache ?? Array.from(c.loss),
      stats: this.stats,
      ...(this.head.accuracy === undefined ? {} : { accuracy: this.head.accuracy }),
    };
  }
}

/** The status, message and statistics of a driven result (the rest is in ResultColumns). */
type ResultHead = Pick<DrivenResult, 'status' | 'message' | 'stats' | 'accuracy'>;

/** A driven result's numbers as flat columns: k[(t·M + i)·K + α] = strength i of mode α at times[t]. */
class ResultColumns {
  constructor(
    readonly times: Float64Array,
    readonly k: Float64Array,
    readonly loss: Float64Array,
    readonly M: number,
    readonly K: number,
  ) {}

  nestedStrengths(): number[][][] {
    const { k, M, K } = this;
    const T = this.times.length;
    const strengths: number[][][] = new Array<number[][]>(T);
    for (let i = 0; i < T; i++) {
      const row: number[][] = new Array<number[]>(M);
      for (let a = 0; a < M; a++) row[a] = packedDoubles(k, (i * M + a) * K, K);
      strengths[i] = row;
    }
    return strengths;
  }
}

let readoutBuffer = new Float64Array(4096);

/**
 * Scratch for the read-out, reused across solves: a Float64Array of more than 8 doubles lives outside the
 * JavaScript heap, and allocating (and later collecting) several per solve cost more than the read-out.
 * Safe to share: the read-out runs no user code, and nothing outlives solveModes.
 */
function readoutScratch(length: number): Float64Array {
  if (readoutBuffer.length < length) readoutBuffer = new Float64Array(Math.max(length, 2 * readoutBuffer.length));
  return readoutBuffer;
}

/** Beyond this many doubles (1 MB) the scratch is not kept after a solve: one long solve must not pin it. */
const KEPT_SCRATCH = 1 << 17;
function releaseReadoutScratch(): void {
  if (readoutBuffer.length > KEPT_SCRATCH) readoutBuffer = new Float64Array(4096);
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
