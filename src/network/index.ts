/** The full-network simulator (issue 4): tasks, initialisations, training, read-out, mappings, conversions. */
export { simulate, runSimulation, buildTask } from './simulate.ts';
export type { SimulationResult, Simulation } from './simulate.ts';
export { parseSimulationSpec } from './spec.ts';
export type { SimulationSpec, TaskSpec } from './spec.ts';
export { singularValueTask, hierarchicalTask, hierarchicalTargets, datasetTask } from './task.ts';
export type { Task, Dataset, Basis, Reduction } from './task.ts';
export { createNetwork, cloneNetwork, parameterCount } from './network.ts';
export type { Network, Pathway, NetworkInit, Architecture, Nonlinearity } from './network.ts';
export { createEngine, LinearEngine, BackpropEngine, modeMatrices, diagonalStrengths, linearLoss } from './engine.ts';
export type { Engine, EngineOptions } from './engine.ts';
export { train, snapshot, recordSteps } from './train.ts';
export type { TrainSpec, TrainResult, Record as TrainingRecord } from './train.ts';
export { weightInvariants, offDiagonalMass } from './invariants.ts';
export { mapToReduced, tangentKernel, tangentKernelRoot } from './mapping.ts';
export type { MappingKind } from './mapping.ts';
export {
  torchLossRatio,
  torchStepToFlowTime,
  torchRunToFlowTime,
  flowTimeToTorchEpochs,
  torchToPackageLearningRate,
} from './time.ts';
export type { TorchRun, TorchReduction } from './time.ts';
export type { Mat } from './matrix.ts';
