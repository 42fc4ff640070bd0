/** dln-dynamics: learning dynamics of multi-pathway deep linear networks. */
export { solveReduced, solveNormalised } from './reduced/solve.ts';
export type { ReducedSolution, ReducedSnapshot, ModeSolution } from './reduced/solve.ts';
export type {
  ReducedProblem,
  ReducedResult,
  InitSpec,
  LayersInit,
  BalancedInit,
  WideGaussianInit,
  SolverSpec,
} from './reduced/types.ts';
export { parseReducedProblem, DEFAULT_SOLVER, METHODS } from './reduced/problem.ts';
export type { NormalisedProblem } from './reduced/problem.ts';
export { balancedModeModel, perLayerModeModel, modeModel, pathwayDimension } from './reduced/model.ts';
export type { ModeModel, ModeParameters, ReducedForm } from './reduced/model.ts';
export { wideGaussianInit, balancedToLayers } from './reduced/init.ts';
export type { BalancedValues, Matrix } from './reduced/init.ts';
export { integrate, integrators } from './integrate/index.ts';
export type * from './integrate/types.ts';
export { createRandom } from './util/random.ts';
export type { Random } from './util/random.ts';
export { ValidationError } from './util/validation.ts';
export * from './exact/index.ts';
export { shares, winnerShare, participation, blockStrengths, blockMatrixStrengths, degenerateBlocks } from './analysis/measures.ts';
export type { SolveOptions } from './reduced/solve.ts';
export * from './sweep/index.ts';
export * from './network/index.ts';
