/** Closed-form solutions of the reduced model (DESIGN §2.5); each states its domain of validity. */
export { saxeStrength, saxeTime } from './saxe.ts';
export type { SaxeParameters } from './saxe.ts';
export { depthTwoState } from './depth2.ts';
export type { DepthTwoState } from './depth2.ts';
export { depthOneStrengths } from './depth1.ts';
export { equalFactorsTime, equalFactorsFactor, equalFactorsPlateau } from './equal-factors.ts';
export type { EqualFactorsParameters } from './equal-factors.ts';
export { hyp2f1OneBBPlusOne, digamma } from './hypergeometric.ts';
export { endState, modeEndState, layersToBalanced } from './endstate.ts';
export type { EndStateResult } from './endstate.ts';
export { sechTail, cschTail, sechTailInverse, cschTailInverse, sechLength } from './endstate-tails.ts';
