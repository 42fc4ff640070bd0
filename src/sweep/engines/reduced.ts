/**
 * The `reduced` sweep engine: `solveReduced` (the ODEs of the reduced model) for one mode. Without `time` it
 * integrates until the mode is learned (the end state); with `time`, to that time. Registers itself; the
 * solver is loaded when a sweep first runs the engine.
 */
import { ComputationError } from '../../util/errors.ts';
import type { PointParameters } from '../points.ts';
import { registerSweepEngine, type SweepEngine } from '../registry.ts';
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

async function load(): Promise<SweepEngine> {
  const { solveReduced } = await import('../../reduced/solve.ts');
  return {
    name: 'reduced',
    run(params, settings) {
      const options = { learningFraction: settings.learningFraction };
      if (settings.time !== undefined) {
        const solution = solveReduced(reducedProblem(params, [0, settings.time], settings.solver), options);
        if (solution.status !== 'ok') throw new ComputationError(solution.message ?? 'reduced solve failed');
        return { strengths: solution.strengths.at(-1)!.map((row) => row[0]!), learningTime: solution.learningTimes?.[0] ?? null };
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
          return { strengths: K, learningTime: solution.learningTimes?.[0] ?? null };
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
