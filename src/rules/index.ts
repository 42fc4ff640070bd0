/**
 * dln-dynamics/rules: learning rules beyond gradient descent (Bordelon & Pehlevan, ICLR 2023) — the solvable
 * two-layer mean-field model, the lazy-limit kernel scales of deep linear networks, the empirical effective
 * NTK of a network under a rule, and feedback alignment in the reduced mode model (docs/learning-rules.md).
 */
export {
  solveMeanField,
  meanFieldModel,
  meanFieldFixedPoint,
  feedbackAlignmentRoot,
  smallRichnessKernelChange,
  largeRichnessKernelChange,
  parseMeanFieldProblem,
  MEAN_FIELD_RULES,
  MEAN_FIELD_LIMITS,
  MEAN_FIELD_RTOL,
} from './meanfield.ts';
export type { MeanFieldFixedPoint, MeanFieldModel, MeanFieldObservables, MeanFieldProblem, MeanFieldResult, MeanFieldRule, MeanFieldSpec } from './meanfield.ts';
export { solveFeedbackModes, feedbackModeEndState, parseFeedbackModeProblem } from './feedback-mode.ts';
export type { FeedbackModeSpec, FeedbackModeProblem, FeedbackModeSolution, FeedbackModeResult, FeedbackModeEndState } from './feedback-mode.ts';
export { effectiveKernel, lazyKernelScale } from './entk.ts';
export type { EffectiveKernel, KernelRule, KernelTerm } from './entk.ts';
