import { expect } from 'chai';
import type { RunContext } from '../../src/integrate/context.ts';
import {
  DOP853_PI,
  DOPRI5_PI,
  GustafssonControl,
  HairerPI,
  PredictiveControl,
  StiffnessDetector,
} from '../../src/integrate/controllers.ts';
import { solveWith } from '../../src/integrate/entry.ts';
import { MAX_REFUSED, MethodBase, NonFiniteRetry, runAdaptive, type Method } from '../../src/integrate/loop.ts';
import { MAX_NONFINITE_RETRIES } from '../../src/integrate/messages.ts';
import type { OdeProblem } from '../../src/integrate/types.ts';
import { decay, oscillator, oscillatorExact } from './problems.ts';

/**
 * A method added the way docs/integrators.md says: Heun–Euler 2(1) with a linear interpolant. `refuse` makes
 * prepare refuse every step size; `badEnd` makes complete report a non-finite new point.
 */
class HeunEuler extends MethodBase implements Method {
  readonly order = 2;
  y: Float64Array;
  f: Float64Array;
  private y1: Float64Array;
  private f1: Float64Array;
  readonly scratchY: Float64Array;
  readonly scratchF: Float64Array;
  private readonly k2: Float64Array;
  refuse = false;
  badEnd = false;

  constructor(private readonly n: number) {
    super();
    this.y = new Float64Array(n);
    this.f = new Float64Array(n);
    this.y1 = new Float64Array(n);
    this.f1 = new Float64Array(n);
    this.scratchY = new Float64Array(n);
    this.scratchF = new Float64Array(n);
    this.k2 = new Float64Array(n);
  }

  override prepare(): boolean {
    return !this.refuse;
  }

  override refusal(t: number): string {
    return `heun refused at t = ${t}`;
  }

  attempt(t: number, h: number, tph: number): number {
    const { n, y, f, y1, k2 } = this;
    for (let i = 0; i < n; i++) y1[i] = y[i]! + h * f[i]!;
    this.rhs(tph, y1, k2);
    this.stats.rhsEvaluations++;
    let err = 0;
    for (let i = 0; i < n; i++) {
      y1[i] = y[i]! + 0.5 * h * (f[i]! + k2[i]!);
      const e = (0.5 * h * (k2[i]! - f[i]!)) / (this.atol + this.rtol * Math.max(Math.abs(y[i]!), Math.abs(y1[i]!)));
      err += e * e;
    }
    return Math.sqrt(err / n) + (t > 1e300 ? NaN : 0);
  }

  override complete(tph: number): boolean {
    this.rhs(tph, this.y1, this.f1);
    this.stats.rhsEvaluations++;
    return !this.badEnd;
  }

  store(c: Float64Array, off: number, nvec: number): void {
    const n = this.n;
    for (let i = 0; i < n; i++) {
      c[off + i] = this.y[i]!;
      c[off + n + i] = this.y1[i]! - this.y[i]!;
      for (let v = 2; v < nvec; v++) c[off + v * n + i] = 0;
    }
  }

  advance(): void {
    [this.y, this.y1] = [this.y1, this.y];
    [this.f, this.f1] = [this.f1, this.f];
  }
}

const heunControl = { expo: 1 / 2, beta: 0, safety: 0.9, facMax: 5, facMin: 0.1 };

function heun(problem: OdeProblem, rtol: number, setup: (m: HeunEuler) => void = () => {}, outputTimes?: number[]) {
  const method = new HeunEuler(problem.dimension);
  setup(method);
  return solveWith(problem, { rtol, atol: rtol * 1e-2, ...(outputTimes ? { outputTimes } : {}) }, 'heun', 5, (ctx: RunContext) => {
    runAdaptive(ctx, method, new HairerPI(heunControl), null);
    return undefined;
  });
}

describe('integrate: the shared adaptive loop, controllers and detector', () => {
  it('runs a method added from outside (Heun–Euler 2(1)): accurate, counted, with dense output and output times', () => {
    const times = [0, 1.3, 2.9, 6];
    const s = heun(oscillator(1, 0, 6), 1e-6, undefined, times);
    expect(s.status).to.equal('ok');
    expect(s.tReached).to.equal(6);
    const [q, p] = oscillatorExact(1, 0, 6);
    expect(s.yEnd[0]).to.be.closeTo(q, 1e-3);
    expect(s.yEnd[1]).to.be.closeTo(p, 1e-3);
    // One right-hand side at the start, one for the starting step, then one per trial and one per accepted step.
    expect(s.stats.rhsEvaluations).to.equal(2 + s.stats.steps * 2 + s.stats.rejectedSteps);
    times.forEach((t, k) => {
      const y = s.evaluate(t);
      expect(s.outputs![2 * k]).to.equal(y[0]);
      expect(s.outputs![2 * k + 1]).to.equal(y[1]);
    });
  });

  it('a method refusing every step size fails after MAX_REFUSED halvings with its own message', () => {
    const s = heun(decay(), 1e-6, (m) => void (m.refuse = true));
    expect(s.status).to.equal('failed');
    expect(s.message).to.equal('heun refused at t = 0');
    expect(s.stats.rejectedSteps).to.equal(MAX_REFUSED);
    expect(s.stats.steps).to.equal(0);
  });

  it('a non-finite new point is retried like a non-finite trial, and the run fails after MAX_NONFINITE_RETRIES', () => {
    const s = heun(decay(), 1e-6, (m) => void (m.badEnd = true));
    expect(s.status).to.equal('failed');
    expect(s.message).to.match(/^non-finite state or derivative in the step from t = 0 \(12 retries/);
    expect(s.stats.rejectedSteps).to.equal(MAX_NONFINITE_RETRIES);
    expect(s.tReached).to.equal(0);
  });

  it('NonFiniteRetry: h/10 until the 12th in a row, a finite trial starting the count again', () => {
    const r = new NonFiniteRetry();
    for (let k = 1; k < MAX_NONFINITE_RETRIES; k++) expect(r.next(1)).to.equal(0.1);
    expect(r.next(1)).to.be.NaN;
    r.reset();
    expect(r.next(2)).to.equal(2 * 0.1);
  });

  it("HairerPI: dopri5.f's and dop853.f's formulas, growth and shrink limits", () => {
    const pi = new HairerPI(DOPRI5_PI);
    // First accepted step: errOld = 1e-4.
    const fac = Math.exp(DOPRI5_PI.expo * Math.log(0.5) - 0.04 * Math.log(1e-4));
    expect(pi.next(1, 0.5)).to.equal(1 / Math.max(0.1, Math.min(5, fac / 0.9)));
    expect(pi.next(1, 0)).to.equal(10); // growth at most 10×
    expect(pi.next(1, 1e12)).to.equal(0.2); // shrink at most 5×
    const d8 = new HairerPI(DOP853_PI);
    // β = 0: the old DOP853 step h / max(1/6, min(3, err^{1/8}/0.9)), bit for bit.
    for (const err of [0.3, 1e-9, 0.97]) {
      expect(d8.next(1, err)).to.equal(1 / Math.max(1 / 6, Math.min(3, Math.exp(Math.log(err) / 8) / 0.9)));
    }
    expect(d8.next(2, 40)).to.equal(2 / Math.min(3, Math.exp(Math.log(40) / 8) / 0.9));
    // A safety factor of its own (recordDopri5's option).
    expect(new HairerPI(DOPRI5_PI, 0.8).next(1, 4)).to.equal(1 / Math.min(5, Math.exp(DOPRI5_PI.expo * Math.log(4)) / 0.8));
  });

  it("GustafssonControl: rodas.f's step, and the predictive factor from the second accepted step on", () => {
    const g = new GustafssonControl();
    const first = 1 / Math.max(1 / 6, Math.min(5, Math.sqrt(Math.sqrt(0.2)) / 0.9));
    expect(g.next(1, 0.2)).to.equal(first);
    const plain = Math.max(1 / 6, Math.min(5, Math.sqrt(Math.sqrt(0.5)) / 0.9));
    const gus = Math.max(1 / 6, Math.min(5, ((1 / 2) * Math.sqrt(Math.sqrt((0.5 * 0.5) / 0.2))) / 0.9));
    expect(g.next(2, 0.5)).to.equal(2 / Math.max(plain, gus));
    expect(g.next(1, 1e8)).to.equal(1 / 5);
  });

  it('PredictiveControl: never above the PI step, limited to [h/5, 10h]', () => {
    const c = new PredictiveControl(0.9);
    const h1 = c.next(1, 0.1);
    expect(h1).to.be.within(0.2, 10);
    // Then the smaller of the PI step and Gustafsson's (h/hOld)·0.9·errOld^α/err^{2α} step (errOld = 0.1, err = 1).
    const e16 = Math.sqrt(Math.sqrt(Math.sqrt(Math.sqrt(0.1))));
    const pi = 2 / Math.max(0.1, Math.min(5, (1 / Math.sqrt(e16)) * (1 / 0.9)));
    const predictive = 2 * Math.max(0.2, Math.min(10, 2 * 0.9 * e16 * e16 * e16));
    expect(c.next(2, 1)).to.equal(Math.min(pi, predictive));
    // A fast-growing error: after err = 1e-6 at h = 1, err = 0.5 at h = 1.2 — the predictive step is smaller.
    const d = new PredictiveControl(0.9);
    d.next(1, 1e-6);
    const f16 = Math.sqrt(Math.sqrt(Math.sqrt(Math.sqrt(1e-4))));
    const g16 = Math.sqrt(Math.sqrt(Math.sqrt(Math.sqrt(0.5))));
    const piD = 1.2 / Math.max(0.1, Math.min(5, ((g16 * g16 * g16) / Math.sqrt(f16)) * (1 / 0.9)));
    const predD = 1.2 * Math.max(0.2, Math.min(10, ((1.2 / 1) * 0.9 * f16 * f16 * f16) / (g16 * g16 * g16 * (g16 * g16 * g16))));
    expect(predD).to.be.below(piD);
    expect(d.next(1.2, 0.5)).to.equal(predD);
    expect(c.next(1, 1e9)).to.equal(0.2);
  });

  it('StiffnessDetector: fires on the n-th stiff accepted step, 6 non-stiff ones reset the count', () => {
    const d = new StiffnessDetector({ hLambda: 2, steps: 3 });
    expect([d.after(3), d.after(3)]).to.deep.equal([false, false]);
    for (let k = 0; k < 6; k++) expect(d.after(1)).to.equal(false);
    expect([d.after(3), d.after(3), d.after(3)]).to.deep.equal([false, false, true]);
    // Five non-stiff steps do not reset it.
    const e = new StiffnessDetector({ hLambda: 2, steps: 2 });
    e.after(3);
    for (let k = 0; k < 5; k++) e.after(0);
    expect(e.after(2.5)).to.equal(true);
  });
});
