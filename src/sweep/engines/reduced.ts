/**
 * The `reduced` sweep engine: `solveReduced` (the ODEs of the reduced model) for one mode. Without `time` it
 * integrates until the mode is learned (the end state); with `time`, to that time. Registers itself; the
 * solver is loaded when a sweep first runs the engine.
 */
import { ComputationError } from '../../util/errors.ts';
import type { PointParameters } from '../points.ts';
import { registerSweepEngine, registerSweepMeasure, type SweepEngine } from '../registry.ts';
import type { EngineOutcome } from '../engine-types.ts';
import { reducedProblem } from './reduced-problem.ts';

export { reducedProblem };

/**
 * Relative residual |S − Σ_a K_a| / max(S, Σ_a |K_a|) below which a run counts as having reached its end state.
 * The solver's error in each K_a is relative to |K_a|, so when pathways end with large strengths of opposite
 * sign (p₀ beyond q₀, possible at small width) the residual cannot fall below rtol · Σ_a |K_a|.
 */
export const LEARNED_RTOL = 1e-6;

/**
 * A first guess of when the mode is learned: the fastest pathway's single-pathway time scale (DESIGN §2.5:
 * τ at depth 1, where the residual decays as e^{−t/τ} whatever S; τ ln(S/σ²)/S at depth 2; the plateau
 * τ/((D−2) S σ^{D−2}) at depth D ≥ 3).
 */
export function learningTimeScale(params: PointParameters): number {
  const { target: S, sigma, tau } = params;
  const scales = params.depths.map((D) => {
    if (D === 1) return 1;
    if (D === 2) return Math.max(1, Math.log(S / (sigma * sigma))) / S;
    return 1 / ((D - 2) * S * sigma ** (D - 2));
  });
  return tau * Math.min(...scales);
}

/**
 * Θ_a, each pathway's tangent kernel along the mode, from the balanced state [p, q] (or [p] at depth 1):
 * Σ over layers of (∂K_a/∂w)² = q^{2(D−1)} + (D − 1) p² q^{2(D−2)} (the read-out layer p and D − 1 layers q).
 */
export function pathwayKernels(depths: readonly number[], y: ArrayLike<number>): number[] {
  let off = 0;
  return depths.map((D) => {
    const p = y[off]!;
    if (D === 1) {
      off += 1;
      return 1;
    }
    const q = y[off + 1]!;
    off += 2;
    return q ** (2 * (D - 1)) + (D - 1) * p * p * q ** (2 * (D - 2));
  });
}

/** The reduced engine's outcome: the strengths, and the pathways' kernels at the start and the end. */
interface ReducedOutcome extends EngineOutcome {
  readonly kernels: { readonly start: number[]; readonly end: number[] };
}

interface ModeView {
  readonly ode: { evaluate(t: number): ArrayLike<number> };
}

function withKernels(params: PointParameters, mode: ModeView, tEnd: number, outcome: EngineOutcome): ReducedOutcome {
  return { ...outcome, kernels: { start: pathwayKernels(params.depths, mode.ode.evaluate(0)), end: pathwayKernels(params.depths, mode.ode.evaluate(tEnd)) } };
}

async function load(): Promise<SweepEngine> {
  const { solveReduced } = await import('../../reduced/solve.ts');
  return {
    name: 'reduced',
    run(params, settings) {
      const options = { learningFraction: settings.learningFraction };
      if (settings.time !== undefined) {
        const solution = solveReduced(reducedProblem(params, [0, settings.time], settings.solver), options);
        if (solution.status !== 'ok') throw new ComputationError(solution.message ?? 'reduced solve failed');
        return withKernels(params, solution.modes[0]!, settings.time, {
          strengths: solution.strengths.at(-1)!.map((row) => row[0]!),
          learningTime: solution.learningTimes?.[0] ?? null,
        });
      }
      // The end state: integrate past the learning time scale, ten times longer until the residual has gone.
      let tEnd = 20 * learningTimeScale(params);
      for (let attempt = 0; attempt < 12; attempt++, tEnd *= 10) {
        const solution = solveReduced(reducedProblem(params, [0, tEnd], settings.solver), options);
        if (solution.status !== 'ok') throw new ComputationError(solution.message ?? 'reduced solve failed');
        const K = solution.strengths.at(-1)!.map((row) => row[0]!);
        const total = K.reduce((s, k) => s + k, 0);
        const scale = Math.max(params.target, K.reduce((s, k) => s + Math.abs(k), 0));
        if (Math.abs(params.target - total) <= LEARNED_RTOL * scale) {
          return withKernels(params, solution.modes[0]!, tEnd, { strengths: K, learningTime: solution.learningTimes?.[0] ?? null });
        }
      }
      throw new ComputationError(`not learned by t = ${tEnd / 10} (|S − Σ K| / max(S, Σ |K|) > ${LEARNED_RTOL})`);
    },
  };
}

registerSweepEngine({
  name: 'reduced',
  description:
    '`solveReduced` (the ODEs): without `time` it integrates until the mode is learned (the end state to about 10⁻⁶ S); with `time`, the strengths at that time',
  timeAxis: true,
  load,
});

const kernelsOf = (outcome: EngineOutcome) => (outcome as Partial<ReducedOutcome>).kernels;

registerSweepMeasure({
  name: 'pathwayKernelAlignment',
  meaning:
    'cosine between the pathways’ tangent kernels Θ_a along the mode at t = 0 and at the end: 1 when their proportions hold (lazy: no pathway outgrows the others), lower when one takes over (engine `reduced`)',
  compute: ({ outcome }) => {
    const k = kernelsOf(outcome);
    if (k === undefined) return { pathwayKernelAlignment: null };
    // In units of each vector's largest entry: Θ spans decades (q^{2(D−1)} from σ ≪ 1 to S^{2(D−1)/D}).
    const a = Math.max(...k.start);
    const b = Math.max(...k.end);
    let dot = 0;
    let na = 0;
    let nb = 0;
    k.start.forEach((x, i) => {
      const u = x / a;
      const v = k.end[i]! / b;
      dot += u * v;
      na += u * u;
      nb += v * v;
    });
    return { pathwayKernelAlignment: Math.min(1, dot / Math.sqrt(na * nb)) };
  },
  title: () => 'pathway kernel alignment',
  clip: [0, 1],
  colourDomain: () => [0, 1],
});

registerSweepMeasure({
  name: 'kernelChange',
  meaning: 'Σ_a Θ_a(end) / Σ_a Θ_a(0): how much the tangent kernel along the mode grew (1 lazy, ≫ 1 rich; engine `reduced`)',
  compute: ({ outcome }) => {
    const k = kernelsOf(outcome);
    if (k === undefined) return { kernelChange: null };
    return { kernelChange: k.end.reduce((s, x) => s + x, 0) / k.start.reduce((s, x) => s + x, 0) };
  },
  title: () => 'kernel growth Θ(end)/Θ(0)',
  logScale: true,
});
