/** The full-network simulator (issue 4): tasks, initialisations, training, read-out, mappings, conversions. */
export { simulate, runSimulation, buildTask } from './simulate.ts';
export type { SimulationResult, Simulation } from './simulate.ts';
export { parseSimulationSpec } from './spec.ts';
export type { SimulationSpec, TaskSpec } from './spec.ts';
export { singularValueTask, hierarchicalTask, hierarchicalTargets, datasetTask } from './task.ts';
export type { Task, Dataset, Basis, Reduction } from './task.ts';
export { createNetwork, cloneNetwork, parameterCount, bindTheta } from './network.ts';
export type { Network, Pathway, NetworkInit, Architecture, Nonlinearity } from './network.ts';
export { createEngine, kernelChoices, LinearEngine, BackpropEngine, modeMatrices, diagonalStrengths, linearLoss } from './engine.ts';
export { Float32Engine } from './engine-f32.ts';
export type { Engine, EngineOptions, KernelChoice, Precision } from './engine.ts';
export { MatrixEngine } from './ml-engine.ts';
export { registerEngine, findEngine } from './registry.ts';
export type { EngineRegistration } from './registry.ts';
export { gradientRule } from './gradient-rule.ts';
export { layerRefs, ruleForm } from './rule.ts';
export type {
  UpdateRule,
  RuleForm,
  LayerRef,
  ThinForm,
  ThinSetup,
  ThinOps,
  ThinState,
  ThinUpdate,
  SampleForm,
  SampleSetup,
  SampleOps,
  SampleState,
  SampleUpdate,
  MatrixForm,
  MatrixSetup,
  MatrixState,
  MatrixUpdate,
} from './rule.ts';
export { train, snapshot, recordSteps } from './train.ts';
export { createRule, parseRuleSpec, type RuleSpec } from './rules/index.ts';
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
