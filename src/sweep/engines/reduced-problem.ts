/** The reduced problem of a sweep point, shared by the engines built on the reduced model (no registration here). */
import type { ReducedProblem, SolverSpec } from '../../reduced/types.ts';
import type { PointParameters } from '../points.ts';

/** The reduced problem of a point: one mode of singular value S, wide-Gaussian start (q = σ, p ~ N(0, σ²/N)). */
export function reducedProblem(params: PointParameters, times: readonly number[], solver?: SolverSpec): ReducedProblem {
  return {
    singularValues: [params.target],
    depths: [...params.depths],
    tau: params.tau,
    init: { wideGaussian: { sigma: params.sigma, width: params.width, seed: params.seed } },
    times: [...times],
    ...(solver === undefined ? {} : { solver }),
  };
}
