/**
 * Events: sign changes of g(t, y) between accepted steps, located on the step's interpolant with Brent's
 * method.
 */
import type { DenseStore } from './dense.ts';
import type { EventFunction, EventHit } from './types.ts';

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
      const tol = 2 * Number.EPSILON * Math.abs(b) + 0.5 * xtol;
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
