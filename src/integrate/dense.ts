/**
 * The dense-output store: every accepted step's interpolant in one flat buffer (or only the current step's,
 * without dense output), evaluated anywhere on [t0, tLast].
 *
 * Nothing here allocates per step except when the store doubles its capacity.
 */
import { slabArray } from './memory.ts';
import { fmt } from './messages.ts';

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
