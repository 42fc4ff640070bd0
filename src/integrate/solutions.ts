/**
 * Solution combinators: an `OdeSolution` built from others, and the one range check every solution shares.
 *
 * - `constantSolution`: nothing was integrated (t0 = tEnd); evaluates at t0 only.
 * - `mappedSolution`: a solution seen through a map of its state into another layout or dimension (e.g. a
 *   halved state lifted to the full one); events, yEnd and outputs are mapped too.
 * - `tailedSolution`: a head solution up to a switch time, continued by a tail `{ evaluate(t, out) }` to tEnd
 *   (a closed form of the remaining motion); status ok, `stiffFrom` = the switch time.
 * - `checkTime` / `checkSweep`: the range check and the non-decreasing-sweep check, for hand-written
 *   solutions too (src/reduced/clock.ts's ClockSolution).
 *
 * Both checks throw a `ValidationError` (a RangeError) naming the time, its index and the range.
 */
import type { RunContext } from './context.ts';
import type { DenseStore } from './dense.ts';
import { slabArray } from './memory.ts';
import type { EventHit, OdeSolution, SolverStats } from './types.ts';
import type { Status } from '../util/status.ts';
import { fmt, invalid } from './messages.ts';

/**
 * Throws unless tStart ≤ t ≤ tReached (NaN included): `${what}(t): t = … is outside the solution's range
 * [tStart, tReached]`. `what` names the call (default `evaluate`).
 */
export function checkTime(t: number, tStart: number, tReached: number, what = 'evaluate'): void {
  if (!(t >= tStart && t <= tReached)) {
    throw invalid(
      '',
      't',
      t,
      `a time within the solution's range [${fmt(tStart)}, ${fmt(tReached)}]`,
      `${what}(${fmt(t)}): t = ${fmt(t)} is outside the solution's range [${fmt(tStart)}, ${fmt(tReached)}]`,
    );
  }
}

/**
 * Throws unless times[from …] are non-decreasing (times[from] compared with times[from − 1] too) and within
 * [tStart, tReached]: `${what}: times[k] = … must be non-decreasing and within [tStart, tReached]`.
 */
export function checkSweep(
  times: ArrayLike<number>,
  tStart: number,
  tReached: number,
  what = 'evaluateSweep',
  from = 0,
): void {
  const m = times.length;
  for (let k = from; k < m; k++) {
    const t = times[k]!;
    if (!(t >= tStart && t <= tReached) || (k > 0 && !(t >= times[k - 1]!))) {
      throw invalid(
        '',
        `times[${k}]`,
        t,
        `non-decreasing times within [${fmt(tStart)}, ${fmt(tReached)}]`,
        `${what}: times[${k}] = ${fmt(t)} must be non-decreasing and within [${fmt(tStart)}, ${fmt(tReached)}]`,
      );
    }
  }
}

const NO_EVENTS: readonly EventHit[] = Object.freeze([]);

/** Outputs at t0 for a constant solution (SolverOptions.outputTimes): the states, and how many were reached. */
export interface ConstantOutputs {
  readonly outputs?: Float64Array;
  readonly outputsReached?: number;
}

/** The solution of a solve with nothing to integrate: t0 = tEnd. */
export class ConstantSolution implements OdeSolution {
  readonly method: string;
  readonly status: Status = 'ok';
  readonly message = '';
  readonly stats: SolverStats = { steps: 0, rejectedSteps: 0, rhsEvaluations: 0, jacobianEvaluations: 0 };
  readonly events: readonly EventHit[] = NO_EVENTS;
  readonly yEnd: Float64Array;
  readonly dimension: number;
  readonly tStart: number;
  readonly tReached: number;
  readonly outputs?: Float64Array;
  readonly outputsReached?: number;

  constructor(method: string, t0: number, y0: ArrayLike<number>, outputs?: ConstantOutputs) {
    this.method = method;
    this.tStart = t0;
    this.tReached = t0;
    this.dimension = y0.length;
    this.yEnd = Float64Array.from(y0);
    if (outputs?.outputs !== undefined) this.outputs = outputs.outputs;
    if (outputs?.outputsReached !== undefined) this.outputsReached = outputs.outputsReached;
  }

  evaluate(t: number, out?: Float64Array): Float64Array {
    checkTime(t, this.tStart, this.tReached);
    const y = out ?? new Float64Array(this.dimension);
    y.set(this.yEnd);
    return y;
  }

  evaluateSweep(times: ArrayLike<number>, out: Float64Array): Float64Array {
    checkSweep(times, this.tStart, this.tReached);
    for (let k = 0; k < times.length; k++) out.set(this.yEnd, k * this.dimension);
    return out;
  }
}

/** Nothing integrated: the solution at t0 = tEnd is y0. */
export function constantSolution(method: string, t0: number, y0: ArrayLike<number>, outputs?: ConstantOutputs): OdeSolution {
  return new ConstantSolution(method, t0, y0, outputs);
}

/** A map of a state y (of the source's dimension) into out (of the mapped dimension); returns out. */
export type StateMap = (y: Float64Array, out: Float64Array) => Float64Array;

/**
 * `source` seen through `map`: every state it returns (evaluate, evaluateSweep, yEnd, event states, outputs)
 * mapped into `dimension` components. Status, message, statistics, times and stiffFrom are the source's; so
 * is the range check (the source's evaluate does it).
 */
export class MappedSolution implements OdeSolution {
  readonly method: string;
  readonly status: Status;
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
  private readonly source: OdeSolution;
  private readonly map: StateMap;
  private readonly scratch: Float64Array;

  constructor(source: OdeSolution, dimension: number, map: StateMap) {
    this.source = source;
    this.map = map;
    this.dimension = dimension;
    this.method = source.method;
    this.status = source.status;
    this.message = source.message;
    this.stats = source.stats;
    this.tStart = source.tStart;
    this.tReached = source.tReached;
    this.scratch = new Float64Array(source.dimension);
    this.events = source.events.map((e) => ({ index: e.index, t: e.t, y: map(e.y, new Float64Array(dimension)) }));
    this.yEnd = map(source.yEnd, new Float64Array(dimension));
    if (source.stiffFrom !== undefined) this.stiffFrom = source.stiffFrom;
    if (source.outputsReached !== undefined) this.outputsReached = source.outputsReached;
    if (source.outputs !== undefined) {
      const k = source.dimension;
      const rows = source.outputs.length / k;
      const mapped = new Float64Array(rows * dimension);
      const reached = source.outputsReached ?? rows;
      const y = new Float64Array(k);
      const x = new Float64Array(dimension);
      for (let r = 0; r < reached; r++) {
        for (let j = 0; j < k; j++) y[j] = source.outputs[r * k + j]!;
        mapped.set(map(y, x), r * dimension);
      }
      this.outputs = mapped;
    }
  }

  evaluate(t: number, out?: Float64Array): Float64Array {
    this.source.evaluate(t, this.scratch);
    return this.map(this.scratch, out ?? new Float64Array(this.dimension));
  }

  evaluateSweep(times: ArrayLike<number>, out: Float64Array): Float64Array {
    const k = this.source.dimension;
    const n = this.dimension;
    const values = this.source.evaluateSweep(times, new Float64Array(times.length * k));
    const y = new Float64Array(k);
    const x = new Float64Array(n);
    for (let i = 0; i < times.length; i++) {
      for (let j = 0; j < k; j++) y[j] = values[i * k + j]!;
      out.set(this.map(y, x), i * n);
    }
    return out;
  }
}

/** `source` with every state mapped into `dimension` components by `map`; see MappedSolution. */
export function mappedSolution(source: OdeSolution, dimension: number, map: StateMap): OdeSolution {
  return new MappedSolution(source, dimension, map);
}

/** The continuation of a solution after its switch time: the state at t into out (returned). */
export interface Tail {
  evaluate(t: number, out: Float64Array): Float64Array;
}

/**
 * `head` up to `switchAt` (default head.tReached), `tail` from there to tEnd: one solution with status ok,
 * message '', stiffFrom = switchAt, yEnd = tail(tEnd), and the head's method, statistics and events. For a
 * solve stopped on purpose (SolverOptions.stopWhen) where a closed form takes over.
 */
export class TailedSolution implements OdeSolution {
  readonly method: string;
  readonly status: Status = 'ok';
  readonly message = '';
  readonly stats: SolverStats;
  readonly events: readonly EventHit[];
  readonly yEnd: Float64Array;
  readonly stiffFrom: number;
  readonly dimension: number;
  readonly tStart: number;
  readonly tReached: number;
  private readonly head: OdeSolution;
  private readonly tail: Tail;

  constructor(head: OdeSolution, tail: Tail, tEnd: number, switchAt: number = head.tReached) {
    this.head = head;
    this.tail = tail;
    this.method = head.method;
    this.stats = head.stats;
    this.events = head.events;
    this.dimension = head.dimension;
    this.tStart = head.tStart;
    this.tReached = tEnd;
    this.stiffFrom = switchAt;
    this.yEnd = tail.evaluate(tEnd, new Float64Array(head.dimension));
  }

  evaluate(t: number, out?: Float64Array): Float64Array {
    checkTime(t, this.tStart, this.tReached);
    const y = out ?? new Float64Array(this.dimension);
    return t <= this.stiffFrom ? this.head.evaluate(t, y) : this.tail.evaluate(t, y);
  }

  evaluateSweep(times: ArrayLike<number>, out: Float64Array): Float64Array {
    const n = this.dimension;
    const ts = this.stiffFrom;
    checkSweep(times, this.tStart, this.tReached);
    let split = 0;
    while (split < times.length && times[split]! <= ts) split++;
    if (split > 0) this.head.evaluateSweep(split === times.length ? times : Array.prototype.slice.call(times, 0, split), out);
    if (split < times.length) {
      const y = new Float64Array(n);
      for (let k = split; k < times.length; k++) out.set(this.tail.evaluate(times[k]!, y), k * n);
    }
    return out;
  }
}

/** `head` continued by `tail` from `switchAt` (default head.tReached) to tEnd; see TailedSolution. */
export function tailedSolution(head: OdeSolution, tail: Tail, tEnd: number, switchAt?: number): OdeSolution {
  return new TailedSolution(head, tail, tEnd, switchAt);
}

/**
 * The solution of a run on a dense store (what every integrator returns when it integrated something): the
 * run's status, statistics, events and outputs, evaluated on the store.
 */
export class StoreSolution implements OdeSolution {
  readonly method: string;
  readonly status: Status;
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
    if (ctx.status === 'stopped') {
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

  /** The shared range check, then: without dense output only t0, tReached and the kept last step answer. */
  private checkRange(t: number, what: string): void {
    checkTime(t, this.tStart, this.tReached, what);
    if (t < this.from && t !== this.tStart) {
      const kept =
        this.from === this.tReached
          ? `only t0 = ${fmt(this.tStart)} and tReached = ${fmt(this.tReached)} can be evaluated`
          : `t0 = ${fmt(this.tStart)} and the last step [${fmt(this.from)}, ${fmt(this.tReached)}] can be evaluated`;
      throw invalid(
        '',
        't',
        t,
        kept,
        `${what}(${fmt(t)}): this solve kept no dense output (options.denseOutput = false); ${kept}: ` +
          'request the times wanted in options.outputTimes',
      );
    }
  }

  evaluate(t: number, out?: Float64Array): Float64Array {
    this.checkRange(t, 'evaluate');
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
    checkSweep(times, this.tStart, this.tReached);
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
