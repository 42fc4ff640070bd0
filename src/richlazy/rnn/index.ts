/**
 * Recurrent networks for rich/lazy studies (Liu et al., ICLR 2024; issue 16 item 5): the perceptual decision
 * task, the discretised ReLU RNN with BPTT, its recurrent tangent kernel and `trainRnn` (docs/rich-lazy.md,
 * "Recurrent networks").
 */
export { drawDecisionBatch, parseDecisionTask, DEFAULT_COHERENCES, TASK_CLASSES, TASK_INPUTS, type DecisionBatch, type DecisionTask, type DecisionTaskSpec, type LossSteps } from './task.ts';
export { batchLoss, forward, lossAndGradient, RnnWorkspace, rnnWeights, zeroGradient, type BatchLoss, type RnnGradient, type RnnWeights } from './network.ts';
export { gram, recurrentJacobian, recurrentTangentKernel } from './jacobian.ts';
export {
  checkRnnCost,
  estimateRnnCost,
  initialWeights,
  MAX_HIDDEN,
  parseRnnSpec,
  trainRnn,
  type ParsedRnnSpec,
  type RnnMeasures,
  type RnnProbeSpec,
  type RnnResult,
  type RnnSpec,
  type RnnTrainOptions,
  type RnnTrainSpec,
  type StartEnd,
} from './train.ts';
