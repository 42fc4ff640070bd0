/**
 * Rich and lazy learning (Liu et al., ICLR 2024; Braun et al. 2022; Dominé et al., ICLR 2025): laziness
 * measures, initial connectivity, and two-layer linear networks solved exactly (docs/rich-lazy.md).
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
