/**
 * Feedback alignment in the reduced mode model (issue 15, item 4; Bordelon & Pehlevan 2023, research
 * other-seeds.md §3(a)). When the weights W_a^d and the frozen backward matrices B_a^d of a multi-pathway
 * linear network are all aligned with the task's modes (W_a^d = R_d diag(w_ad) R_{d−1}ᵀ, B_a^d = R_d diag(b_ad)
 * R_{d−1}ᵀ, R_0 = V, R_D = U), feedback alignment keeps them aligned, and each mode α of each pathway is a chain
 * of scalars (layers d = 1…D_a from input to output):
 *
 *     τ dw_d/dt = (∏_{e<d} w_e)(∏_{e>d} b_e)·r,     r = S − λ Σ_a K_a,  K_a = ∏_d w_d,
 *
 * the top layer keeping its true gradient. Two layers give the τ da/dt = β(s − ca), τ dc/dt = a(s − ca)
 * (a = w_1, c = w_2, β = b_2). The flow conserves C_d = b_{d+1}w_{d+1} − w_d²/2 for every pair of layers, and
 * every pathway's first layer moves on the shared clock u = ∫ r dt/τ: w_1(u) = w_1(0) + (∏_{e≥2} b_e)·u. So
 * each layer is a polynomial in u, w_{d+1} = (C_d + w_d²/2)/b_{d+1}, and the end state is the first root of
 * S − λ Σ_a K_a(u) in the direction r(0) points (`feedbackModeEndState`).
 *
 * The model is the per-layer DLN mode model with backward factors (src/reduced/model.ts), driven by the one
 * driver (solveModes): solver, output times, failures and learning times as for `solveReduced`.
 */
import { solveModes, type DrivenSolution } from '../reduced/driver.ts';
import { perLayerModeModel, type ModeModel, type ModeParameters } from '../reduced/model.ts';
import { perLayerStates } from '../reduced/init.ts';
import { parseReducedProblem, parseSolveOptions, type NormalisedProblem } from '../reduced/problem.ts';
import type { ModeTask } from '../reduced/reduced-model.ts';
import type { SolveOptions } from '../reduced/solve.ts';
import type { OdeSolution } from '../integrate/types.ts';
import { ComputationError, ValidationError } from '../util/errors.ts';
import { expectArray, expectNumberArray, expectRecord } from '../util/validation.ts';

/**
 * A reduced problem (docs/problem-format.md) posed per layer, `init.layers[a][d][α]`, plus the backward factors
 * `feedback[a][d − 2][α]` = b_{a,d,α} for layers d = 2…D_a of every pathway (an empty list for depth 1).
 */
export interface FeedbackModeSpec {
  readonly singularValues: readonly number[];
  readonly inputVariances?: readonly number[];
  readonly depths: readonly number[];
  readonly tau?: number;
  readonly init: { readonly layers: readonly (readonly (readonly number[])[])[] };
  readonly feedback: readonly (readonly (readonly number[])[])[];
  readonly times?: readonly number[];
  readonly solver?: { readonly method?: string; readonly rtol?: number; readonly atol?: number; readonly maxSteps?: number };
}

export interface FeedbackModeProblem {
  readonly problem: NormalisedProblem;
  /** Per mode, b in the per-layer state layout (the first layer of each pathway holds 1, never read). */
  readonly feedback: Float64Array[];
}

/** One mode's solution as the driver's `modes` present it. */
export interface FeedbackModeSolution {
  readonly mode: number;
  readonly model: ModeModel;
  readonly ode: OdeSolution;
}

export type FeedbackModeResult = DrivenSolution<FeedbackModeSolution, NormalisedProblem>;

/** Checks a feedback-mode problem; throws a ValidationError naming the first bad field. */
export function parseFeedbackModeProblem(input: unknown, options: { timesOptional?: boolean } = {}): FeedbackModeProblem {
  const obj = expectRecord(input, 'problem', 'a JSON object with singularValues, depths, init.layers, feedback and times');
  const { feedback: feedbackIn, ...rest } = obj;
  const problem = parseReducedProblem(rest, options.timesOptional ? { timesOptional: true } : {});
  if (problem.form !== 'perLayer') {
    throw new ValidationError('init', obj['init'], '{ layers } (feedback alignment moves every layer on its own, so the balanced (q, p) form does not apply)');
  }
  const { depths, singularValues } = problem;
  const K = singularValues.length;
  const values = expectArray(feedbackIn, 'feedback', depths.length, 'one list per pathway (b_d for layers d = 2…D_a)').map((pathway, a) =>
    expectArray(pathway, `feedback[${a}]`, depths[a]! - 1, `${depths[a]! - 1} entries (layers 2…${depths[a]}; depth ${depths[a]})`).map((layer, d) =>
      expectNumberArray(layer, `feedback[${a}][${d}]`, {}, K, 'one value per mode'),
    ),
  );
  // In the state layout: a placeholder 1 for each pathway's first layer (its rate has no layer below it).
  const padded = values.map((layers) => [new Array<number>(K).fill(1), ...layers]);
  return { problem, feedback: perLayerStates(padded, depths, K) };
}

class FeedbackModeTask implements ModeTask<FeedbackModeSolution> {
  constructor(
    private readonly mode: number,
    private readonly singularValue: number,
    readonly model: ModeModel,
    readonly y0: Float64Array,
  ) {}

  label(): string {
    return `mode ${this.mode} (S = ${this.singularValue})`;
  }

  view(ode: OdeSolution): FeedbackModeSolution {
    return { mode: this.mode, model: this.model, ode };
  }
}

function modeParameters(problem: NormalisedProblem, m: number): ModeParameters {
  return { depths: problem.depths, singularValue: problem.singularValues[m]!, inputVariance: problem.inputVariances[m]!, tau: problem.tau };
}

/** Integrates every mode of a feedback-mode problem (fields as solveReduced's result; `modes[α].model` the ODE). */
export function solveFeedbackModes(input: unknown, options?: SolveOptions): FeedbackModeResult {
  const opts = parseSolveOptions(options);
  const { problem, feedback } = parseFeedbackModeProblem(input);
  const tasks = problem.singularValues.map((S, m) => {
    const model = perLayerModeModel(modeParameters(problem, m), feedback[m]!);
    return new FeedbackModeTask(m, S, model, problem.initialStates[m]!);
  });
  return solveModes(problem, tasks, {
    times: problem.times,
    solver: problem.solver,
    ...(opts.learningFraction === undefined ? {} : { learningFraction: opts.learningFraction }),
  });
}

export interface FeedbackModeEndState {
  readonly status: 'ok';
  /** [pathway a][mode α], the final K_aα. */
  readonly strengths: number[][];
  /** [mode α]: the clock u∞ = ∫ r dt/τ at which the mode is learned. */
  readonly clock: number[];
}

/**
 * The t → ∞ strengths without integrating in time (see the module comment): every layer as a function of the
 * clock u, and the first root of the residual along the direction the flow takes. Needs every backward
 * factor non-zero (a zero one freezes the layers below it, and the layers are then not functions of u alone).
 */
export function feedbackModeEndState(input: unknown): FeedbackModeEndState {
  const { problem, feedback } = parseFeedbackModeProblem(input, { timesOptional: true });
  const { depths, singularValues, inputVariances } = problem;
  const M = depths.length;
  const strengths = depths.map(() => new Array<number>(singularValues.length));
  const clock: number[] = [];
  singularValues.forEach((S, m) => {
    const b = feedback[m]!;
    const y0 = problem.initialStates[m]!;
    for (let a = 0, off = 0; a < M; off += depths[a]!, a++) {
      for (let d = 1; d < depths[a]!; d++) {
        if (b[off + d] === 0) {
          throw new ValidationError(`feedback[${a}][${d - 1}][${m}]`, 0, 'a non-zero backward factor (the end state follows the clock, which a zero one stops)');
        }
      }
    }
    const chain = new ClockChain(depths, b, y0);
    const lambda = inputVariances[m]!;
    const residual = (u: number): number => S - lambda * chain.total(u);
    const u = firstRoot(residual, chain, S / lambda, `mode ${m} (S = ${S})`);
    clock.push(u);
    chain.total(u);
    for (let a = 0; a < M; a++) strengths[a]![m] = chain.strengths[a]!;
  });
  return { status: 'ok', strengths, clock };
}

/** The layers of every pathway of one mode as functions of the clock u (see the module comment). */
class ClockChain {
  readonly strengths: Float64Array;
  /** Layer values at the last u evaluated, in the state layout. */
  readonly layers: Float64Array;
  private readonly start: Float64Array;
  private readonly invariant: Float64Array;
  private readonly speed: Float64Array;
  private readonly offsets: number[];

  constructor(
    readonly depths: readonly number[],
    private readonly b: Float64Array,
    y0: Float64Array,
  ) {
    const M = depths.length;
    this.strengths = new Float64Array(M);
    this.layers = new Float64Array(y0.length);
    this.invariant = new Float64Array(y0.length);
    this.start = new Float64Array(M);
    this.speed = new Float64Array(M);
    this.offsets = [];
    for (let a = 0, off = 0; a < M; off += depths[a]!, a++) {
      this.offsets.push(off);
      this.start[a] = y0[off]!;
      let speed = 1;
      for (let d = 1; d < depths[a]!; d++) {
        speed *= b[off + d]!;
        this.invariant[off + d] = b[off + d]! * y0[off + d]! - 0.5 * y0[off + d - 1]! ** 2;
      }
      this.speed[a] = speed;
    }
  }

  /** Σ_a K_a at clock u (and the layers and strengths there). */
  total(u: number): number {
    let total = 0;
    for (let a = 0; a < this.depths.length; a++) {
      const off = this.offsets[a]!;
      let w = this.start[a]! + this.speed[a]! * u;
      this.layers[off] = w;
      let k = w;
      for (let d = 1; d < this.depths[a]!; d++) {
        w = (this.invariant[off + d]! + 0.5 * w * w) / this.b[off + d]!;
        this.layers[off + d] = w;
        k *= w;
      }
      this.strengths[a] = k;
      total += k;
    }
    return total;
  }
}

/** Most accepted clock steps before the search gives up (a flow that never learns the mode). */
const MAX_STEPS = 100_000;

/**
 * The first root of f along u ≥ 0 (or ≤ 0) in the direction f(0) points, by steps that change no layer by
 * more than 10% of its size (so no root is stepped over unless two lie within one step), then bisection.
 */
function firstRoot(f: (u: number) => number, chain: ClockChain, target: number, where: string): number {
  const f0 = f(0);
  if (f0 === 0) return 0;
  const direction = Math.sign(f0);
  // Layers near 0 are measured against a small multiple of the size a learned layer has, (S/λ)^{1/D}.
  const floor = 1e-3 * Math.max(Math.abs(target), 1e-300) ** (1 / Math.max(...chain.depths));
  let u = 0;
  let step = 1e-3;
  let previous = Float64Array.from(chain.layers);
  let steps = 0;
  while (steps < MAX_STEPS) {
    const next = u + direction * step;
    const value = f(next);
    let change = 0;
    for (let i = 0; i < previous.length; i++) {
      change = Math.max(change, Math.abs(chain.layers[i]! - previous[i]!) / Math.max(Math.abs(previous[i]!), floor));
    }
    if (!Number.isFinite(value) || change > 0.1) {
      step *= 0.5;
      if (!(step > 0) || next === u) break;
      continue;
    }
    steps++;
    if (Math.sign(value) !== direction) return bisect(f, u, next);
    u = next;
    previous = Float64Array.from(chain.layers);
    if (change < 0.05) step *= 2;
  }
  throw new ComputationError('the residual does not reach zero along the clock (the strengths grow without learning the mode)', where);
}

/** f(lo) and f(hi) of opposite signs (or f(hi) = 0): bisection to adjacent doubles. */
function bisect(f: (u: number) => number, lo: number, hi: number): number {
  const sLo = Math.sign(f(lo));
  for (let i = 0; i < 1100; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    const v = f(mid);
    if (v === 0) return mid;
    if (Math.sign(v) === sLo) lo = mid;
    else hi = mid;
  }
  // The side where the residual has crossed (or is 0): the flow stops there.
  return Math.abs(f(lo)) <= Math.abs(f(hi)) ? lo : hi;
}
