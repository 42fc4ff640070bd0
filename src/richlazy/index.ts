/**
 * Rich and lazy learning (Liu et al., ICLR 2024; Braun et al. 2022; Dominé et al., ICLR 2025): laziness
 * measures, initial connectivity, two-layer linear networks solved exactly, and ReLU RNNs trained by BPTT
 * (docs/rich-lazy.md).
 */
export {
  effectiveRank,
  kernelAlignment,
  kernelDistance,
  kernelTargetAlignment,
  linearNtk,
  modeKernelAlignment,
  readMatrix,
  representationAlignment,
  signSimilarity,
  singularValues,
  weightChange,
  type EffectiveRankMethod,
  type MatrixRows,
  type ModeAmplitudes,
} from './measures.ts';
export { alignedLowRank, daleMatrix, lambdaBalancedPair, projectOntoTaskModes, truncatedLowRank, type TaskProjection } from './init.ts';
export { alignedModeSolution, alignedWeightChange, type AlignedMode, type AlignedModeSolution, type AlignedModeState } from './aligned.ts';
export { balance, solveTwoLayer, type TwoLayerResult, type TwoLayerSpec } from './twolayer.ts';
export { trainRnn, parseRnnSpec, estimateRnnCost, drawDecisionBatch, recurrentTangentKernel, type RnnSpec, type RnnResult, type RnnMeasures } from './rnn/index.ts';
