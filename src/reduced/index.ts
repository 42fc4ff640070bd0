/**
 * Reduced models (`dln-dynamics/reduced`): the `ReducedModel` interface and the one driver that integrates any
 * of them, and the multi-pathway DLN's reduced model — problem format, mode models (balanced, per-layer,
 * halved), initial states, and `solveReduced`.
 */
export { solveModes } from './driver.ts';
export type { DriverSettings, DrivenResult, DrivenSnapshot, DrivenSolution } from './driver.ts';
export type { ReducedModel, ModeTask, ModeSolverSettings, ClosedFormTail, TailHandOver } from './reduced-model.ts';
export { solveReduced, solveNormalised } from './solve.ts';
export type { ReducedSolution, ReducedSnapshot, ModeSolution, SolveOptions } from './solve.ts';
export type {
  ReducedProblem,
  ReducedResult,
  InitSpec,
  LayersInit,
  BalancedInit,
  WideGaussianInit,
  SolverSpec,
} from './types.ts';
export { parseReducedProblem, DEFAULT_SOLVER, METHODS } from './problem.ts';
export type { NormalisedProblem } from './problem.ts';
export { balancedModeModel, perLayerModeModel, modeModel, pathwayDimension, modeLoss } from './model.ts';
export type { ModeModel, ModeParameters, ReducedForm } from './model.ts';
export { halvedModeModel, perLayerHalvedModel } from './halved.ts';
export type { HalvedModeModel } from './halved.ts';
export { solveModeOnClock, ClockSolution } from './clock.ts';
export { wideGaussianInit, balancedToLayers } from './init.ts';
export type { BalancedValues, Matrix } from './init.ts';
