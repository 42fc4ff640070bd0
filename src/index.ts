/**
 * dln-dynamics: learning dynamics of multi-pathway deep linear networks.
 *
 * The package root holds the everyday API: solve the reduced model, get end states, simulate a network, run a
 * sweep, measure concentration, and the error family. Each layer's full API is a subpath of its own
 * (docs/architecture.md): `dln-dynamics/integrate`, `/reduced`, `/exact`, `/network`, `/sweep`, `/plot`.
 */
export { solveReduced } from './reduced/solve.ts';
export type { ReducedSolution, ReducedSnapshot, ModeSolution, SolveOptions } from './reduced/solve.ts';
export type {
  ReducedProblem,
  ReducedResult,
  InitSpec,
  LayersInit,
  BalancedInit,
  WideGaussianInit,
  SolverSpec,
} from './reduced/types.ts';
export { endState, modeEndState } from './exact/endstate.ts';
export type { EndStateResult } from './exact/endstate.ts';
export { simulate } from './network/simulate.ts';
export type { SimulationResult } from './network/simulate.ts';
export type { SimulationSpec } from './network/spec.ts';
export { parseSweepSpec, runSweep, readSweepPoints, mergeSweeps } from './sweep/index.ts';
export type { SweepSpec, SweepRunSummary, SweepPointRecord, SweepResultRow, SweepRunOptions } from './sweep/index.ts';
export { shares, winnerShare, participation, blockStrengths, blockMatrixStrengths, degenerateBlocks } from './analysis/measures.ts';
export { createRandom } from './util/random.ts';
export type { Random } from './util/random.ts';
export { ValidationError, ComputationError, isDlnError } from './util/errors.ts';
export type { Status, Outcome } from './util/status.ts';
