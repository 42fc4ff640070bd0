/**
 * The solvable two-layer mean-field model of Bordelon & Pehlevan (ICLR 2023, Eq. 7–8): a two-layer linear
 * network f = (1/(γ₀N)) w·h, h = W x/√D, at infinite width on whitened data (Kˣ = I), one target direction y,
 * trained by gradient descent, ρ-feedback alignment, DFA or error-modulated Hebb (docs/learning-rules.md).
 *
 * Along y the output evolves under the effective NTK K = G̃² Φ¹ + G̃¹ Φ⁰ = H_y + G̃ (G̃² = 1, Φ⁰ = Kˣ = 1):
 * df/dt = K Δ, Δ = y − f. What each rule makes of H_y (the hidden kernel along y) and G̃ (the overlap of the
 * true gradient with the rule's pseudo-gradient):
 *
 * - GD: H_y = G̃ = cosh 2s = √(1 + γ₀²f²) with s = ∫γ₀Δ, so dΔ/dt = −2√(1 + γ₀²(y − Δ)²) Δ. The factor 2 (both
 *   layers contribute equally) is missing from the submission's print of Eq. 7 and is confirmed by the
 *   paper's own definitions and by simulation: /work/shared/research/companions-sources.md §3.
 * - ρ-FA, state a = s: da/dt = γ₀y − a³/2 − (1 + ρ)a, H_y = 1 + a², G̃ = ρ + a²/2, f = ((1 + ρ)a + a³/2)/γ₀.
 * - DFA: in two layers the one fixed random backward vector is FA's, so DFA is FA with ρ = 0.
 * - Hebb, state (Δ, H): dΔ/dt = −[H + γ₀Δ(y − Δ)]Δ, dH/dt = 2γ₀Δ²H. The pseudo-gradient g̃ = Δ h gives
 *   G̃ = (1/N) w·(Δ h) = γ₀Δf (derived here from f = (1/(γ₀N)) w·h), which makes the bracket K = H + G̃ as for
 *   the other rules; G̃ → 0 as Δ → 0 while H keeps the scale it grew to.
 *
 * The ODEs are `ReducedModel` values driven by `solveModes` (one mode; read-out: the output f, learned total y).
 */
import { integrate } from '../integrate/index.ts';
import { solveModes } from '../reduced/driver.ts';
import type { ModeTask, ReducedModel } from '../reduced/reduced-model.ts';
import type { OdeSolution } from '../integrate/types.ts';
import type { Outcome } from '../util/status.ts';
import { ComputationError } from '../util/errors.ts';
import { parseMeanFieldProblem, type MeanFieldProblem, type MeanFieldRule } from './meanfield-problem.ts';

export { parseMeanFieldProblem, MEAN_FIELD_RULES, MEAN_FIELD_LIMITS } from './meanfield-problem.ts';
export type { MeanFieldProblem, MeanFieldRule, MeanFieldSpec } from './meanfield-problem.ts';

/** Δ, H_y, G̃ and the output f at one state. */
export interface MeanFieldObservables {
  readonly residual: number;
  readonly kernel: number;
  readonly feedbackOverlap: number;
  readonly output: number;
}

/** The t → ∞ state: Δ* = 0 for every rule (the two-layer linear network fits one target). */
export interface MeanFieldFixedPoint {
  readonly residual: number;
  /** H_y*. */
  readonly kernel: number;
  /** G̃* (0 for Hebb: G̃ = γ₀Δf vanishes with Δ). */
  readonly feedbackOverlap: number;
  /** ΔH_y = H_y* − 1, computed without the cancellation of the difference. */
  readonly kernelChange: number;
  /** FA and DFA: a* (= s*), the positive root of a³/2 + (1 + ρ)a = γ₀y (sign of y). */
  readonly a?: number;
}

/** The mean-field model of one problem: a ReducedModel plus what its state means. */
export interface MeanFieldModel extends ReducedModel {
  readonly y0: Float64Array;
  observables(y: ArrayLike<number>): MeanFieldObservables;
}

/**
 * The model as the driver integrates it. State: GD [Δ]; FA and DFA [a]; Hebb [Δ, H]. Read-out [f] with
 * learned total y; loss ½Δ².
 */
export function meanFieldModel(problem: MeanFieldProblem): MeanFieldModel {
  const { gamma0: g, target: y } = problem;
  const rho = problem.rule === 'fa' ? problem.rho : 0;
  const common = {
    readoutDimension: 1,
    learnedTotal: y,
    loss: (k: ArrayLike<number>): number => 0.5 * (y - k[0]!) ** 2,
  };
  switch (problem.rule) {
    case 'gd': {
      const obs = (d: number): MeanFieldObservables => {
        const h = Math.hypot(1, g * (y - d));
        return { residual: d, kernel: h, feedbackOverlap: h, output: y - d };
      };
      return {
        ...common,
        dimension: 1,
        y0: Float64Array.of(y),
        rhs: (_t, s, dy) => {
          // The factor 2: companions-sources.md §3 (K = H_y + G̃ with H_y = G̃ for GD).
          dy[0] = -2 * Math.hypot(1, g * (y - s[0]!)) * s[0]!;
        },
        jacobian: (_t, s, jac) => {
          const d = s[0]!;
          const f = y - d;
          const h = Math.hypot(1, g * f);
          jac[0] = -2 * h + (2 * g * g * f * d) / h;
        },
        strengths: (s, out) => ((out[0] = y - s[0]!), out),
        residual: (s) => s[0]!,
        invariants: () => [],
        invariantNames: [],
        observables: (s) => obs(s[0]!),
      };
    }
    case 'fa':
    case 'dfa': {
      const p = 1 + rho;
      const output = (a: number): number => (p * a + 0.5 * a * a * a) / g;
      // Δ = (da/dt)/γ₀: the same number as y − f, written as the right-hand side that vanishes at a*.
      const residual = (a: number): number => (g * y - 0.5 * a * a * a - p * a) / g;
      return {
        ...common,
        dimension: 1,
        y0: Float64Array.of(0),
        rhs: (_t, s, dy) => {
          const a = s[0]!;
          dy[0] = g * y - 0.5 * a * a * a - p * a;
        },
        jacobian: (_t, s, jac) => {
          jac[0] = -1.5 * s[0]! * s[0]! - p;
        },
        strengths: (s, out) => ((out[0] = output(s[0]!)), out),
        residual: (s) => residual(s[0]!),
        invariants: () => [],
        invariantNames: [],
        observables: (s) => {
          const a = s[0]!;
          return { residual: residual(a), kernel: 1 + a * a, feedbackOverlap: rho + 0.5 * a * a, output: output(a) };
        },
      };
    }
    case 'hebb':
      return {
        ...common,
        dimension: 2,
        y0: Float64Array.of(y, 1),
        rhs: (_t, s, dy) => {
          const d = s[0]!;
          const h = s[1]!;
          dy[0] = -(h + g * d * (y - d)) * d;
          dy[1] = 2 * g * d * d * h;
        },
        jacobian: (_t, s, jac) => {
          const d = s[0]!;
          const h = s[1]!;
          jac[0] = -(h + 2 * g * y * d - 3 * g * d * d);
          jac[1] = -d;
          jac[2] = 4 * g * d * h;
          jac[3] = 2 * g * d * d;
        },
        strengths: (s, out) => ((out[0] = y - s[0]!), out),
        residual: (s) => s[0]!,
        invariants: () => [],
        invariantNames: [],
        observables: (s) => {
          const d = s[0]!;
          return { residual: d, kernel: s[1]!, feedbackOverlap: g * d * (y - d), output: y - d };
        },
      };
  }
}

/**
 * a* > 0 with a³/2 + p a = c for c ≥ 0, p ≥ 0 (sign-symmetric: a*(−c) = −a*(c)). Newton from an upper bound of
 * the root: the left side is increasing and convex on a ≥ 0, so the iterates fall monotonically onto the root
 * and the loop ends when they stop falling. The start min(c/p, (2c)^{1/3}) is within a factor 2 of the root
 * (one of the two terms is at least c/2 there), so a handful of steps reach round-off. No overflow: c ≤ 1e16.
 */
export function feedbackAlignmentRoot(c: number, p: number): number {
  if (c < 0) return -feedbackAlignmentRoot(-c, p);
  if (c === 0) return 0;
  let a = Math.min(p > 0 ? c / p : Infinity, Math.cbrt(2 * c));
  for (let i = 0; i < 100; i++) {
    const next = a - (0.5 * a * a * a + p * a - c) / (1.5 * a * a + p);
    if (!(next < a)) break;
    a = next;
  }
  return a;
}

/** The fixed point of the problem's rule (closed forms for GD and FA; a quadrature in f for Hebb). */
export function meanFieldFixedPoint(problem: Pick<MeanFieldProblem, 'rule' | 'rho' | 'gamma0' | 'target'>): MeanFieldFixedPoint {
  const { gamma0: g, target: y } = problem;
  const rho = problem.rule === 'fa' ? problem.rho : 0;
  switch (problem.rule) {
    case 'gd': {
      const c = g * Math.abs(y);
      const h = Math.hypot(1, c);
      // √(1 + c²) − 1 = c²/(√(1 + c²) + 1), exact where the difference would cancel (γ₀ → 0).
      return { residual: 0, kernel: h, feedbackOverlap: h, kernelChange: (c * c) / (h + 1) };
    }
    case 'fa':
    case 'dfa': {
      const a = feedbackAlignmentRoot(g * y, 1 + rho);
      return { residual: 0, kernel: 1 + a * a, feedbackOverlap: rho + 0.5 * a * a, kernelChange: a * a, a };
    }
    case 'hebb': {
      const logH = hebbLogKernel(g, Math.abs(y));
      return { residual: 0, kernel: Math.exp(logH), feedbackOverlap: 0, kernelChange: Math.expm1(logH) };
    }
  }
}

/**
 * ln H* of the Hebb rule. Along a trajectory Δ falls monotonically from y to 0 (dΔ/dt = −KΔ, K = H + γ₀Δf > 0
 * for 0 ≤ f ≤ y), so f = y − Δ parameterises it on the finite interval [0, y]:
 *   d ln H/df = (dH/dt)/(H df/dt) = 2γ₀Δ/(H + γ₀Δf),   Δ = y − f,
 * integrated by DOP853 from ln H = 0 at f = 0 to f = y: no t → ∞ limit to approach. (y ≥ 0; the flow is
 * symmetric under (y, Δ) → (−y, −Δ).)
 */
function hebbLogKernel(g: number, y: number): number {
  if (y === 0) return 0;
  const solution = integrate(
    {
      dimension: 1,
      autonomous: false,
      t0: 0,
      tEnd: y,
      y0: [0],
      rhs: (f, s, dy) => {
        const d = y - f;
        dy[0] = (2 * g * d) / (Math.exp(s[0]!) + g * d * f);
      },
      jacobian: (f, s, jac) => {
        const d = y - f;
        const e = Math.exp(s[0]!);
        jac[0] = (-2 * g * d * e) / (e + g * d * f) ** 2;
      },
    },
    { rtol: 1e-13, atol: 1e-15 },
    'dop853',
  );
  if (solution.status !== 'ok') throw new ComputationError(`the Hebb fixed point's quadrature failed: ${solution.message}`, 'fixedPoint');
  return solution.yEnd[0]!;
}

/**
 * ΔH_y at small γ₀ (the leading term): GD γ₀²y²/2 and ρ-FA γ₀²y²/(1 + ρ)² (research other-seeds.md §3(a));
 * Hebb γ₀y² (derived here: with the lazy Δ = y e^{−t}, ln H* = 2γ₀∫Δ² = γ₀y²) — linear in γ₀, not quadratic.
 */
export function smallRichnessKernelChange(problem: Pick<MeanFieldProblem, 'rule' | 'rho' | 'gamma0' | 'target'>): number {
  const { gamma0: g, target: y } = problem;
  const rho = problem.rule === 'fa' ? problem.rho : 0;
  switch (problem.rule) {
    case 'gd':
      return (g * g * y * y) / 2;
    case 'fa':
    case 'dfa':
      return (g * g * y * y) / (1 + rho) ** 2;
    case 'hebb':
      return g * y * y;
  }
}

/**
 * ΔH_y at large γ₀ (the leading term): GD γ₀|y|, FA and DFA (2γ₀|y|)^{2/3}; Hebb has no such law here (null).
 */
export function largeRichnessKernelChange(problem: Pick<MeanFieldProblem, 'rule' | 'gamma0' | 'target'>): number | null {
  const c = problem.gamma0 * Math.abs(problem.target);
  if (problem.rule === 'gd') return c;
  if (problem.rule === 'fa' || problem.rule === 'dfa') return Math.cbrt(2 * c) ** 2;
  return null;
}

export interface MeanFieldResult {
  readonly status: Outcome;
  readonly message?: string;
  /** The output times reached (all of them when status is ok). */
  readonly times: number[];
  /** Δ = y − f at each time. */
  readonly residual: number[];
  /** H_y, the hidden (feature) kernel along y: Φ¹ projected on y/|y|. */
  readonly kernel: number[];
  /** G̃, the overlap of true gradient and pseudo-gradient; K = kernel + feedbackOverlap is the eNTK along y. */
  readonly feedbackOverlap: number[];
  readonly fixedPoint: MeanFieldFixedPoint;
}

/** rtol of the time integration; atol scaled to the state (Δ ~ |y|, a ~ a*, H ≥ 1). */
export const MEAN_FIELD_RTOL = 1e-10;

/** Solves the two-layer mean-field ODE of a spec (see the module comment); bad input is a ValidationError. */
export function solveMeanField(spec: unknown): MeanFieldResult {
  const problem = parseMeanFieldProblem(spec);
  const model = meanFieldModel(problem);
  const fixedPoint = meanFieldFixedPoint(problem);
  const scale = Math.min(1, problem.rule === 'fa' || problem.rule === 'dfa' ? Math.abs(fixedPoint.a!) : Math.abs(problem.target));
  const atol = 1e-12 * (scale > 0 ? scale : 1);
  const task: ModeTask<OdeSolution> = {
    label: () => `the ${problem.rule} mean-field mode`,
    model,
    y0: model.y0,
    view: (ode) => ode,
  };
  const solved = solveModes(problem, [task], { times: problem.times, solver: { method: 'auto', rtol: MEAN_FIELD_RTOL, atol } });
  const times = solved.times.slice();
  const n = model.dimension;
  const states = solved.modes[0]!.evaluateSweep(times, new Float64Array(times.length * n));
  const residual: number[] = [];
  const kernel: number[] = [];
  const feedbackOverlap: number[] = [];
  let message = solved.message;
  for (let i = 0; i < times.length; i++) {
    const o = model.observables(states.subarray(i * n, (i + 1) * n));
    if (!(Number.isFinite(o.residual) && Number.isFinite(o.kernel) && Number.isFinite(o.feedbackOverlap))) {
      message = `a quantity is not finite at t = ${times[i]} (beyond double precision)`;
      times.length = i;
      break;
    }
    residual.push(o.residual);
    kernel.push(o.kernel);
    feedbackOverlap.push(o.feedbackOverlap);
  }
  const status: Outcome = message === undefined ? 'ok' : 'failed';
  return {
    status,
    ...(message === undefined ? {} : { message }),
    times,
    residual,
    kernel,
    feedbackOverlap,
    fixedPoint,
  };
}
