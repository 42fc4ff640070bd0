/**
 * Shared machinery of the integrators: option validation, the flat dense-output store, event location on
 * the dense output, and the solution object every integrator returns.
 *
 * Nothing here allocates per step except when the dense store doubles its capacity or an event is hit.
 */
import type {
  EventFunction,
  EventHit,
  OdeProblem,
  OdeSolution,
  SolveStatus,
  SolverOptions,
  RightHandSide,
  SolverStats,
} from './types.ts';

export const EPS = 2.220446049250313e-16;
export const DEFAULT_MAX_STEPS = 100_000;

/** Formats a number for messages: full precision but short when possible. */
export function fmt(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return String(x);
}

function show(v: unknown): string {
  if (typeof v === 'number') return fmt(v);
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object') return Array.isArray(v) ? `an array of length ${v.length}` : 'an object';
  return `${typeof v} ${String(v)}`;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Throws an Error naming the offending field, its value and what is allowed. Called once per solve, before any
 * work is done.
 */
export function validateInputs(problem: OdeProblem, options: SolverOptions, method: string): void {
  const where = `${method}:`;
  if (problem === null || typeof problem !== 'object') {
    throw new TypeError(`${where} problem must be an object (got ${show(problem)})`);
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${where} options must be an object (got ${show(options)})`);
  }
  const n = problem.dimension;
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`${where} problem.dimension must be an integer >= 1 (got ${show(n)})`);
  }
  if (problem.autonomous !== undefined && typeof problem.autonomous !== 'boolean') {
    throw new TypeError(`${where} problem.autonomous must be a boolean or undefined (got ${show(problem.autonomous)})`);
  }
  if (typeof problem.rhs !== 'function') {
    throw new TypeError(`${where} problem.rhs must be a function (got ${show(problem.rhs)})`);
  }
  if (problem.jacobian !== undefined && typeof problem.jacobian !== 'function') {
    throw new TypeError(`${where} problem.jacobian must be a function or undefined (got ${show(problem.jacobian)})`);
  }
  if (!isFiniteNumber(problem.t0)) {
    throw new RangeError(`${where} problem.t0 must be a finite number (got ${show(problem.t0)})`);
  }
  if (!isFiniteNumber(problem.tEnd) || !(problem.tEnd > problem.t0)) {
    throw new RangeError(
      `${where} problem.tEnd must be a finite number > t0 = ${fmt(problem.t0)} (got ${show(problem.tEnd)}); ` +
        'integration is forward in time only',
    );
  }
  const y0 = problem.y0;
  if (y0 === null || typeof y0 !== 'object' || typeof y0.length !== 'number') {
    throw new TypeError(`${where} problem.y0 must be an array-like of ${n} numbers (got ${show(y0)})`);
  }
  if (y0.length !== n) {
    throw new RangeError(`${where} problem.y0 has length ${y0.length}; it must have length problem.dimension = ${n}`);
  }
  for (let i = 0; i < n; i++) {
    if (!isFiniteNumber(y0[i])) {
      throw new RangeError(`${where} problem.y0[${i}] must be a finite number (got ${show(y0[i])})`);
    }
  }
  if (!isFiniteNumber(options.rtol) || !(options.rtol > 0)) {
    throw new RangeError(`${where} options.rtol must be a finite number > 0 (got ${show(options.rtol)})`);
  }
  if (!isFiniteNumber(options.atol) || !(options.atol > 0)) {
    throw new RangeError(`${where} options.atol must be a finite number > 0 (got ${show(options.atol)})`);
  }
  if (options.maxSteps !== undefined && (!Number.isInteger(options.maxSteps) || options.maxSteps < 1)) {
    throw new RangeError(`${where} options.maxSteps must be an integer >= 1 (got ${show(options.maxSteps)})`);
  }
  if (options.initialStep !== undefined && (!isFiniteNumber(options.initialStep) || !(options.initialStep > 0))) {
    throw new RangeError(
      `${where} options.initialStep must be a finite number > 0 (got ${show(options.initialStep)})`,
    );
  }
  if (options.maxStep !== undefined && (typeof options.maxStep !== 'number' || !(options.maxStep > 0))) {
    throw new RangeError(`${where} options.maxStep must be a number > 0 (got ${show(options.maxStep)})`);
  }
  if (options.stopWhen !== undefined && typeof options.stopWhen !== 'function') {
    throw new TypeError(`${where} options.stopWhen must be a function or undefined (got ${show(options.stopWhen)})`);
  }
  if (options.denseOutput !== undefined && typeof options.denseOutput !== 'boolean') {
    throw new TypeError(`${where} options.denseOutput must be a boolean or undefined (got ${show(options.denseOutput)})`);
  }
  validateOutputTimes(problem, options, where);
  const events = options.events;
  if (events !== undefined) {
    if (!Array.isArray(events)) {
      throw new TypeError(`${where} options.events must be an array (got ${show(events)})`);
    }
    for (let k = 0; k < events.length; k++) {
      const e = events[k] as EventFunction;
      if (e === null || typeof e !== 'object' || typeof e.g !== 'function') {
        throw new TypeError(`${where} options.events[${k}].g must be a function (got ${show(e?.g)})`);
      }
      if (e.direction !== undefined && e.direction !== -1 && e.direction !== 0 && e.direction !== 1) {
        throw new RangeError(`${where} options.events[${k}].direction must be -1, 0 or 1 (got ${show(e.direction)})`);
      }
    }
  }
}

function validateOutputTimes(problem: OdeProblem, options: SolverOptions, where: string): void {
  const times = options.outputTimes;
  if (options.onOutput !== undefined) {
    if (typeof options.onOutput !== 'function') {
      throw new TypeError(`${where} options.onOutput must be a function or undefined (got ${show(options.onOutput)})`);
    }
    if (times === undefined) {
      throw new TypeError(`${where} options.onOutput needs options.outputTimes (the times at which it is called)`);
    }
  }
  if (times === undefined) return;
  if (times === null || typeof times !== 'object' || typeof times.length !== 'number') {
    throw new TypeError(`${where} options.outputTimes must be an array-like of numbers (got ${show(times)})`);
  }
  for (let k = 0; k < times.length; k++) {
    const t = times[k];
    if (!isFiniteNumber(t) || t < problem.t0 || t > problem.tEnd || (k > 0 && t < times[k - 1]!)) {
      throw new RangeError(
        `${where} options.outputTimes[${k}] = ${show(t)}: output times must be finite, non-decreasing and within ` +
          `[t0, tEnd] = [${fmt(problem.t0)}, ${fmt(problem.tEnd)}]`,
      );
    }
  }
}

/** Doubles per slab of `slabArray`. */
const SLAB = 16_384;
let slabBuffer = new Float64Array(SLAB);
let slabUsed = 0;

/**
 * A zeroed Float64Array of `length` carved out of a shared slab (a view; one 128 KB buffer serves many solves).
 * A Float64Array of more than 8 doubles is backed by memory outside the JavaScript heap, and creating one costs
 * about as much as a whole small solve (allocation, zero-fill, tracking by the garbage collector); a view of a
 * slab is an ordinary heap object. A slab stays alive while any view of it does: long-lived solutions keep at
 * most one slab each. Lengths above SLAB/8 get their own buffer.
 */
export function slabArray(length: number): Float64Array {
  if (length > SLAB >> 3) return new Float64Array(length);
  if (slabUsed + length > SLAB) {
    slabBuffer = new Float64Array(SLAB);
    slabUsed = 0;
  }
  const view = slabBuffer.subarray(slabUsed, slabUsed + length);
  slabUsed += length;
  return view;
}

/**
 * Storage layout of one step's interpolant.
 * - `Nested5`: five (or eight) vectors r1..r5 per step, y(θ) = r1 + θ(r2 + (1−θ)(r3 + θ(r4 + (1−θ) r5))). This
 *   is Hairer's DOPRI5 continuous extension; RODAS's cubic y0 + θ(Δ + (1−θ)(d2 + θ d3)) is the same form with
 *   r5 = 0, so `auto` keeps both pieces in one store. With nvec = 8 the nesting continues,
 *   … + (1−θ)(r5 + θ(r6 + (1−θ)(r7 + θ r8))): DOP853's 7th-degree continuous extension (lower-order pieces
 *   store zeros in the extra vectors).
 * - `Chebyshev`: `nvec` samples per step at Chebyshev–Lobatto points of [0, 1], evaluated by barycentric
 *   interpolation (the odex adapter).
 */
export type DenseKind = 0 | 1;
export const Nested5: DenseKind = 0;
export const Chebyshev: DenseKind = 1;

/**
 * Dense output in one flat buffer grown by doubling. Step i is the record buf[i·rec .. (i+1)·rec) with
 * rec = 1 + nvec·n: its start time, then its coefficients. Steps are contiguous: step i covers
 * [start_i, start_{i+1}] and the last one ends at `tLast`. One buffer rather than separate time and
 * coefficient arrays halves the (off-heap, zero-filled) allocations when the store grows, which for the small
 * systems here cost more than the steps themselves.
 */
export class DenseStore {
  readonly n: number;
  readonly kind: DenseKind;
  /** Vectors (of length n) stored per step. */
  readonly nvec: number;
  readonly stride: number;
  readonly rec: number;
  count = 0;
  buf: Float64Array;
  /** End of the last step (t0 while empty). */
  tLast: number;
  readonly tStart: number;
  readonly y0: Float64Array;
  /** Chebyshev–Lobatto nodes on [0,1] and barycentric weights (Chebyshev kind only). */
  readonly nodes: Float64Array | null;
  readonly weights: Float64Array | null;
  /**
   * false: only the last step is kept (record 0 is overwritten by every push, count stays 1), for solves
   * without dense output (SolverOptions.denseOutput).
   */
  readonly keepAll: boolean;
  /**
   * The last step's coefficients were not stored (keepAll false only): its integrator interpolated the outputs
   * from its own stages (see StepInterpolant), so only t0 and tLast can be evaluated.
   */
  stale = false;

  constructor(n: number, t0: number, y0: Float64Array, kind: DenseKind, nvec: number, keepAll = true) {
    this.n = n;
    this.kind = kind;
    this.nvec = nvec;
    this.stride = nvec * n;
    this.rec = this.stride + 1;
    this.keepAll = keepAll;
    // Without dense output the one record is allocated by the first push: an integrator that interpolates its
    // outputs from its stages never pushes.
    this.buf = keepAll ? slabArray(256 * this.rec) : new Float64Array(0);
    this.tStart = t0;
    this.tLast = t0;
    this.y0 = slabArray(n);
    this.y0.set(y0);
    if (kind === Chebyshev) {
      const m = nvec;
      this.nodes = new Float64Array(m);
      this.weights = new Float64Array(m);
      for (let j = 0; j < m; j++) {
        // θ_j = (1 − cos(πj/(m−1)))/2, increasing from 0 to 1; weights (−1)^j, halved at the ends.
        this.nodes[j] = j === 0 ? 0 : j === m - 1 ? 1 : 0.5 * (1 - Math.cos((Math.PI * j) / (m - 1)));
        this.weights[j] = (j % 2 === 0 ? 1 : -1) * (j === 0 || j === m - 1 ? 0.5 : 1);
      }
    } else {
      this.nodes = null;
      this.weights = null;
    }
  }

  /** Appends a step from tLast to tEnd; returns the offset of its coefficients in `buf`. */
  push(tEnd: number): number {
    const rec = this.rec;
    if (!this.keepAll) {
      if (this.buf.length < rec) this.buf = new Float64Array(rec);
      this.stale = false;
      this.buf[0] = this.tLast;
      this.tLast = tEnd;
      this.count = 1;
      return 1;
    }
    const base = this.count * rec;
    if (base + rec > this.buf.length) {
      const nb = new Float64Array(this.buf.length * 2);
      nb.set(this.buf);
      this.buf = nb;
    }
    this.buf[base] = this.tLast;
    this.tLast = tEnd;
    this.count++;
    return base + 1;
  }

  /** Records a step to tEnd whose coefficients are not stored (keepAll false only; see `stale`). */
  skip(tEnd: number): void {
    this.tLast = tEnd;
    this.stale = true;
  }

  /** The last step's interpolant at t into out[outOff …) (the initial state while empty). */
  interpolate(t: number, out: Float64Array, outOff: number): void {
    if (this.stale) throw new Error(`internal: no coefficients stored for the step ending at ${fmt(this.tLast)}`);
    if (this.count === 0) {
      for (let j = 0; j < this.n; j++) out[outOff + j] = this.y0[j]!;
      return;
    }
    this.evalStepInto(this.count - 1, t, out, outOff);
  }

  /** Index of the step containing t (t within [tStart, tLast], count ≥ 1). */
  find(t: number): number {
    let lo = 0;
    let hi = this.count - 1;
    const buf = this.buf;
    const rec = this.rec;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (buf[mid * rec]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Evaluates step i's interpolant at t into out. */
  evalStep(i: number, t: number, out: Float64Array): void {
    this.evalStepInto(i, t, out, 0);
  }

  /**
   * Evaluates at the increasing times `ts` (all within [tStart, tLast]) into out[k·n … (k+1)·n): one forward
   * sweep over the steps instead of a search per time.
   */
  evaluateSweep(ts: ArrayLike<number>, out: Float64Array): void {
    const n = this.n;
    const count = this.count;
    if (count === 0) {
      for (let k = 0; k < ts.length; k++) out.set(this.y0, k * n);
      return;
    }
    const buf = this.buf;
    const rec = this.rec;
    let i = 0;
    for (let k = 0; k < ts.length; k++) {
      const t = ts[k]!;
      while (i + 1 < count && buf[(i + 1) * rec]! <= t) i++;
      this.evalStepInto(i, t, out, k * n);
    }
  }

  /** Evaluates step i's interpolant at t into out[outOff … outOff + n). */
  evalStepInto(i: number, t: number, out: Float64Array, outOff: number): void {
    const n = this.n;
    const rec = this.rec;
    const c = this.buf;
    const t0 = c[i * rec]!;
    const t1 = i + 1 < this.count ? c[(i + 1) * rec]! : this.tLast;
    const h = t1 - t0;
    const theta = h > 0 ? (t - t0) / h : 1;
    const off = i * rec + 1;
    if (this.kind === Nested5) {
      const th1 = 1 - theta;
      if (this.nvec === 8) {
        for (let j = 0; j < n; j++) {
          const o = off + j;
          const inner = c[o + 5 * n]! + th1 * (c[o + 6 * n]! + theta * c[o + 7 * n]!);
          out[outOff + j] =
            c[o]! +
            theta * (c[o + n]! + th1 * (c[o + 2 * n]! + theta * (c[o + 3 * n]! + th1 * (c[o + 4 * n]! + theta * inner))));
        }
        return;
      }
      for (let j = 0; j < n; j++) {
        const o = off + j;
        out[outOff + j] =
          c[o]! + theta * (c[o + n]! + th1 * (c[o + 2 * n]! + theta * (c[o + 3 * n]! + th1 * c[o + 4 * n]!)));
      }
      return;
    }
    // Barycentric interpolation on Chebyshev–Lobatto nodes (second form): stable, exact for polynomials of
    // degree < m.
    const nodes = this.nodes!;
    const w = this.weights!;
    const m = this.nvec;
    for (let k = 0; k < m; k++) {
      // At (or within rounding of) a node the weights overflow; the node's sample is the value there.
      if (Math.abs(theta - nodes[k]!) <= 1e-15) {
        const o = off + k * n;
        for (let j = 0; j < n; j++) out[outOff + j] = c[o + j]!;
        return;
      }
    }
    let den = 0;
    for (let j = 0; j < n; j++) out[outOff + j] = 0;
    for (let k = 0; k < m; k++) {
      const q = w[k]! / (theta - nodes[k]!);
      den += q;
      const o = off + k * n;
      for (let j = 0; j < n; j++) out[outOff + j] += q * c[o + j]!;
    }
    const inv = 1 / den;
    for (let j = 0; j < n; j++) out[outOff + j] *= inv;
  }

  /** Evaluates anywhere on [tStart, tLast] (no range check). */
  evaluateAt(t: number, out: Float64Array): void {
    if (this.count === 0) {
      out.set(this.y0);
      return;
    }
    this.evalStep(this.find(t), t, out);
  }
}

/**
 * Reusable work objects (stage vectors) per state dimension. A run takes one and gives it back when done, so
 * repeated solves of small systems (the reduced model solves thousands of 1–8-state systems) allocate no work
 * arrays. Re-entrant: a solve started inside a right-hand side finds the pool empty and allocates its own.
 * A work object must not be referenced by anything that outlives the run.
 */
export class WorkPool<W> {
  private readonly free = new Map<number, W[]>();
  private readonly make: (n: number) => W;

  constructor(make: (n: number) => W) {
    this.make = make;
  }

  take(n: number): W {
    const list = this.free.get(n);
    return list !== undefined && list.length > 0 ? list.pop()! : this.make(n);
  }

  give(n: number, w: W): void {
    // Small systems only, and a few per size: the pool exists to avoid per-solve allocation, not to hold memory.
    if (n > 256) return;
    let list = this.free.get(n);
    if (list === undefined) this.free.set(n, (list = []));
    if (list.length < 4) list.push(w);
  }
}

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
  status: SolveStatus;
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

/** Hairer's starting step heuristic (HINIT of dopri5.f / rodas.f) for a method of order `order`. */
export function initialStepHeuristic(
  ctx: RunContext,
  order: number,
  hmax: number,
  y1: Float64Array,
  f1: Float64Array,
): number {
  ctx.stats.rhsEvaluations++;
  return hairerInitialStep(ctx.problem.rhs, ctx.n, ctx.t, ctx.y, ctx.f, ctx.options.rtol, ctx.options.atol, order, hmax, y1, f1);
}

/**
 * The heuristic of `initialStepHeuristic` without a run context: f = rhs(t, y) given; one more right-hand side
 * (at an Euler probe, into f1; y1 is scratch).
 */
export function hairerInitialStep(
  rhs: RightHandSide,
  n: number,
  t: number,
  y: Float64Array,
  f: Float64Array,
  rtol: number,
  atol: number,
  order: number,
  hmax: number,
  y1: Float64Array,
  f1: Float64Array,
): number {
  let dnf = 0;
  let dny = 0;
  for (let i = 0; i < n; i++) {
    const sk = atol + rtol * Math.abs(y[i]!);
    dnf += (f[i]! / sk) ** 2;
    dny += (y[i]! / sk) ** 2;
  }
  let h = dnf <= 1e-10 || dny <= 1e-10 ? 1e-6 : Math.sqrt(dny / dnf) * 0.01;
  h = Math.min(h, hmax);
  for (let i = 0; i < n; i++) y1[i] = y[i]! + h * f[i]!;
  rhs(t + h, y1, f1);
  let der2 = 0;
  for (let i = 0; i < n; i++) {
    const sk = atol + rtol * Math.abs(y[i]!);
    der2 += ((f1[i]! - f[i]!) / sk) ** 2;
  }
  der2 = Math.sqrt(der2) / h;
  const der12 = Math.max(Math.abs(der2), Math.sqrt(dnf));
  const h1 = der12 <= 1e-15 ? Math.max(1e-6, h * 1e-3) : Math.pow(0.01 / der12, 1 / order);
  h = Math.min(100 * h, h1, hmax);
  // A non-finite trial (e.g. the Euler probe overflowed) must not poison the step size.
  if (!(h > 0) || !Number.isFinite(h)) h = Math.min(1e-6, hmax);
  return h;
}

/**
 * The opening of an explicit Runge–Kutta run: the derivative at ctx.t written into `f0` (taken over from the
 * previous segment when ctx.haveF), and the first step size — ctx.h if a previous segment suggested one, else
 * options.initialStep, else Hairer's heuristic for a method of order `order` — capped at hmax. Returns null,
 * after fail(), when the derivative at the start is not finite. `y` is the run's private copy of ctx.y.
 */
export function openExplicitRun(
  ctx: RunContext,
  y: Float64Array,
  f0: Float64Array,
  order: number,
  hmax: number,
  scratchY: Float64Array,
  scratchF: Float64Array,
): number | null {
  if (ctx.haveF) {
    f0.set(ctx.f);
  } else {
    ctx.problem.rhs(ctx.t, y, f0);
    ctx.stats.rhsEvaluations++;
    const bad = firstNonFinite(f0, ctx.n);
    if (bad >= 0) {
      fail(ctx, `non-finite derivative f[${bad}] = ${fmt(f0[bad]!)} at t = ${fmt(ctx.t)} (the initial point)`);
      return null;
    }
  }
  let h = ctx.h;
  if (!(h > 0)) {
    if (ctx.options.initialStep !== undefined) {
      h = ctx.options.initialStep;
    } else {
      ctx.f.set(f0);
      h = initialStepHeuristic(ctx, order, hmax, scratchY, scratchF);
    }
  }
  return Math.min(h, hmax);
}

/** The interpolant of the step just accepted, evaluated at t in it into out[outOff … outOff + n). */
export interface StepInterpolant {
  interpolate(t: number, out: Float64Array, outOff: number): void;
}

/**
 * Records the state at each output time once the run has passed it: interpolated on the step just taken (the
 * store's last step, which is all a store without dense output keeps, or the integrator's own stages), or the
 * step's end state itself when an output time is exactly the step's end.
 */

export class OutputTracker {
  readonly times: ArrayLike<number>;
  readonly n: number;
  /** Index of the first output time not yet recorded. */
  next = 0;
  /** m·n states when there is no callback; empty otherwise. */
  readonly values: Float64Array;
  private readonly onOutput: ((index: number, t: number, y: Float64Array) => void) | undefined;
  private readonly scratch: Float64Array | null;

  constructor(
    times: ArrayLike<number>,
    n: number,
    onOutput: ((index: number, t: number, y: Float64Array) => void) | undefined,
  ) {
    this.times = times;
    this.n = n;
    this.onOutput = onOutput;
    this.values = onOutput === undefined ? new Float64Array(times.length * n) : new Float64Array(0);
    this.scratch = onOutput === undefined ? null : new Float64Array(n);
  }

  /**
   * After an accepted step ending at (tEnd, yEnd) — or with an empty store, at the start — records every output
   * time ≤ upTo (≤ tEnd) not yet recorded.
   */
  advance(step: StepInterpolant, tEnd: number, yEnd: Float64Array, upTo = tEnd): void {
    const times = this.times;
    const m = times.length;
    const n = this.n;
    while (this.next < m && times[this.next]! <= upTo) {
      const k = this.next++;
      const t = times[k]!;
      const out = this.scratch ?? this.values;
      const off = this.scratch ? 0 : k * n;
      if (t === tEnd) {
        for (let i = 0; i < n; i++) out[off + i] = yEnd[i]!;
      } else {
        step.interpolate(t, out, off);
      }
      if (this.onOutput) this.onOutput(k, t, out);
    }
  }
}

/**
 * After an accepted step from tOld to t: locates a terminal event on that step's dense output (the last one
 * in ctx.store) and, if one fired, records it on ctx (status 'event', tStop, message) and returns true.
 */
export function stoppedByEvent(ctx: RunContext, events: EventTracker, tOld: number, t: number, y: Float64Array): boolean {
  const tc = events.check(ctx.store, ctx.store.count - 1, tOld, t, y);
  if (tc !== tc) return false;
  ctx.status = 'event';
  ctx.tStop = tc;
  ctx.message = `stopped by terminal event at t = ${fmt(tc)}`;
  return true;
}

/**
 * Tracks the sign of each event function between accepted steps and locates crossings on the dense output
 * of the step just taken with Brent's method.
 */
export class EventTracker {
  readonly events: readonly EventFunction[];
  readonly m: number;
  readonly gPrev: Float64Array;
  readonly hits: EventHit[] = [];
  private readonly ybuf: Float64Array;
  /** Scratch: candidate crossing times per event in the current step (NaN = none). */
  private readonly cand: Float64Array;

  constructor(events: readonly EventFunction[], n: number) {
    this.events = events;
    this.m = events.length;
    this.gPrev = new Float64Array(this.m);
    this.ybuf = new Float64Array(n);
    this.cand = new Float64Array(this.m);
  }

  init(t: number, y: Float64Array): void {
    for (let k = 0; k < this.m; k++) this.gPrev[k] = this.events[k]!.g(t, y);
  }

  private phi(store: DenseStore, step: number, k: number, t: number): number {
    store.evalStep(step, t, this.ybuf);
    return this.events[k]!.g(t, this.ybuf);
  }

  /**
   * Checks the step `step` of `store`, ending at (tNew, yNew). Records hits; returns the time of the first
   * terminal crossing, or NaN when the run goes on.
   */
  check(store: DenseStore, step: number, tOld: number, tNew: number, yNew: Float64Array): number {
    let any = false;
    for (let k = 0; k < this.m; k++) {
      const ev = this.events[k]!;
      const gOld = this.gPrev[k]!;
      const gNew = ev.g(tNew, yNew);
      this.gPrev[k] = gNew;
      this.cand[k] = NaN;
      const dir = ev.direction ?? 0;
      // Upward: from < 0 to ≥ 0; downward: from > 0 to ≤ 0. A start exactly on 0 is not a crossing, so a
      // root at a step end is reported once.
      const up = gOld < 0 && gNew >= 0;
      const down = gOld > 0 && gNew <= 0;
      if (!((up && dir >= 0) || (down && dir <= 0))) continue;
      this.cand[k] = gNew === 0 ? tNew : this.brent(store, step, k, tOld, tNew, gOld, gNew);
      any = true;
    }
    if (!any) return NaN;
    // Earliest terminal crossing, then record every crossing up to it in time order.
    let tTerm = Infinity;
    for (let k = 0; k < this.m; k++) {
      const tc = this.cand[k]!;
      if (tc === tc && this.events[k]!.terminal && tc < tTerm) tTerm = tc;
    }
    const found: { index: number; t: number }[] = [];
    for (let k = 0; k < this.m; k++) {
      const tc = this.cand[k]!;
      if (tc === tc && tc <= tTerm) found.push({ index: k, t: tc });
    }
    found.sort((a, b) => a.t - b.t || a.index - b.index);
    for (const f of found) {
      const y = new Float64Array(store.n);
      store.evalStep(step, f.t, y);
      this.hits.push({ index: f.index, t: f.t, y });
    }
    return tTerm === Infinity ? NaN : tTerm;
  }

  /** Brent's zeroin on [a, b] with fa·fb < 0, to ~1e-13 relative in t. */
  private brent(store: DenseStore, step: number, k: number, a: number, b: number, fa: number, fb: number): number {
    const xtol = 1e-13 * Math.max(Math.abs(a), Math.abs(b), b - a);
    let c = a;
    let fc = fa;
    let d = b - a;
    let e = d;
    for (let iter = 0; iter < 200; iter++) {
      if (fb * fc > 0) {
        c = a;
        fc = fa;
        d = b - a;
        e = d;
      }
      if (Math.abs(fc) < Math.abs(fb)) {
        a = b;
        b = c;
        c = a;
        fa = fb;
        fb = fc;
        fc = fa;
      }
      const tol = 2 * EPS * Math.abs(b) + 0.5 * xtol;
      const m = 0.5 * (c - b);
      if (Math.abs(m) <= tol || fb === 0) break;
      if (Math.abs(e) < tol || Math.abs(fa) <= Math.abs(fb)) {
        d = m;
        e = m;
      } else {
        let s = fb / fa;
        let p: number;
        let q: number;
        if (a === c) {
          p = 2 * m * s;
          q = 1 - s;
        } else {
          const qq = fa / fc;
          const r = fb / fc;
          p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
          q = (qq - 1) * (r - 1) * (s - 1);
        }
        if (p > 0) q = -q;
        else p = -p;
        s = e;
        e = d;
        if (2 * p < 3 * m * q - Math.abs(tol * q) && p < Math.abs(0.5 * s * q)) {
          d = p / q;
        } else {
          d = m;
          e = m;
        }
      }
      a = b;
      fa = fb;
      b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
      fb = this.phi(store, step, k, b);
      if (!(fb === fb)) break; // g returned NaN: keep the best bracket end so far.
    }
    return b;
  }
}

/** The object every integrator returns. */
export class Solution implements OdeSolution {
  readonly method: string;
  readonly status: SolveStatus;
  readonly message: string;
  readonly stats: SolverStats;
  readonly events: readonly EventHit[];
  readonly yEnd: Float64Array;
  readonly stiffFrom?: number;
  readonly outputs?: Float64Array;
  readonly outputsReached?: number;
  readonly dimension: number;
  readonly tStart: number;
  readonly tReached: number;
  private readonly store: DenseStore;
  /** Earliest time `evaluate` answers for after tStart: tStart with dense output, else the last step's start. */
  private readonly from: number;

  constructor(method: string, ctx: RunContext, stiffFrom?: number) {
    this.method = method;
    this.status = ctx.status;
    this.message = ctx.message;
    this.stats = ctx.stats;
    this.events = ctx.events ? ctx.events.hits : [];
    this.store = ctx.store;
    this.dimension = ctx.n;
    this.tStart = ctx.store.tStart;
    if (ctx.status === 'event') {
      this.tReached = ctx.tStop;
      this.yEnd = slabArray(ctx.n);
      ctx.store.evaluateAt(ctx.tStop, this.yEnd);
    } else {
      this.tReached = ctx.store.tLast;
      this.yEnd = slabArray(ctx.n);
      this.yEnd.set(ctx.y);
    }
    if (stiffFrom !== undefined) this.stiffFrom = stiffFrom;
    const store = ctx.store;
    this.from = store.keepAll
      ? this.tStart
      : store.stale
        ? this.tReached
        : store.count === 0
          ? this.tStart
          : store.buf[0]!;
    const outputs = ctx.outputs;
    if (outputs) {
      // Output times in the last step up to a terminal event (which the loops leave to this point) and, for
      // an integrator that lands within rounding of tEnd and then snaps to it (odex), those at tEnd.
      outputs.advance(store, this.tReached, this.yEnd);
      if (!ctx.options.onOutput) this.outputs = outputs.values;
      this.outputsReached = outputs.next;
    }
  }

  private checkRange(t: number, what: string): void {
    if (!(t >= this.tStart && t <= this.tReached)) {
      throw new RangeError(
        `${what}: t = ${fmt(t)} is outside the solution's range [${fmt(this.tStart)}, ${fmt(this.tReached)}]`,
      );
    }
    if (t < this.from && t !== this.tStart) {
      const kept =
        this.from === this.tReached
          ? `only t0 = ${fmt(this.tStart)} and tReached = ${fmt(this.tReached)} can be evaluated`
          : `t0 = ${fmt(this.tStart)} and the last step [${fmt(this.from)}, ${fmt(this.tReached)}] can be evaluated`;
      throw new RangeError(
        `${what}: this solve kept no dense output (options.denseOutput = false); ${kept}: ` +
          'request the times wanted in options.outputTimes',
      );
    }
  }

  evaluate(t: number, out?: Float64Array): Float64Array {
    this.checkRange(t, `evaluate(${fmt(t)})`);
    const y = out ?? new Float64Array(this.dimension);
    if (t === this.tReached) {
      y.set(this.yEnd);
      return y;
    }
    if (t < this.from) {
      y.set(this.store.y0);
      return y;
    }
    this.store.evaluateAt(t, y);
    return y;
  }

  evaluateSweep(times: ArrayLike<number>, out: Float64Array): Float64Array {
    const m = times.length;
    for (let k = 0; k < m; k++) {
      const t = times[k]!;
      if (!(t >= this.tStart && t <= this.tReached) || (k > 0 && !(t >= times[k - 1]!))) {
        throw new RangeError(
          `evaluateSweep: times[${k}] = ${fmt(t)} must be non-decreasing and within [${fmt(this.tStart)}, ${fmt(this.tReached)}]`,
        );
      }
    }
    if (!this.store.keepAll) {
      for (let k = 0; k < m; k++) this.evaluate(times[k]!, out.subarray(k * this.dimension, (k + 1) * this.dimension));
      return out;
    }
    this.store.evaluateSweep(times, out);
    // The end point exactly, as evaluate() gives it.
    const n = this.dimension;
    for (let k = m - 1; k >= 0 && times[k] === this.tReached; k--) out.set(this.yEnd, k * n);
    return out;
  }
}

/** After an accepted step ending at (t, y): whether options.stopWhen ends the run there (and if so, records it). */
export function stopRequested(ctx: RunContext, t: number, y: Float64Array): boolean {
  const stopWhen = ctx.options.stopWhen;
  if (stopWhen === undefined || !stopWhen(t, y)) return false;
  ctx.status = 'event';
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
  return (
    `step budget exhausted: maxSteps = ${ctx.maxSteps} accepted + rejected steps used up at t = ${fmt(ctx.t)} ` +
    `(tEnd = ${fmt(ctx.problem.tEnd)}); raise options.maxSteps or loosen the tolerances`
  );
}


/** Consecutive trial steps with a non-finite stage before the solve fails. */
export const MAX_NONFINITE_RETRIES = 12;

/** The failure message after repeated non-finite trial steps. */
export function nonFiniteMessage(t: number, h: number): string {
  return (
    `non-finite state or derivative in the step from t = ${fmt(t)} ` +
    `(${MAX_NONFINITE_RETRIES} retries with smaller steps, last h = ${fmt(h)})`
  );
}
