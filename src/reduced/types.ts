/**
 * The public, JSON-serialisable problem and result of the reduced singular-mode model (issue #2 contract).
 * Layout conventions: `[a]` indexes pathways, `[α]` modes, `[d]` layers (first … last), `[t]` output times.
 */
import type { MethodName } from '../integrate/types.ts';
import type { DrivenResult } from './driver.ts';

export type LayersInit = { readonly layers: readonly (readonly (readonly number[])[])[] };
export type BalancedInit = { readonly q: readonly (readonly number[])[]; readonly p: readonly (readonly number[])[] };
export type WideGaussianInit = {
  readonly wideGaussian: { readonly sigma: number; readonly width: number; readonly seed: number };
};
export type InitSpec = LayersInit | BalancedInit | WideGaussianInit;

export interface SolverSpec {
  readonly method?: MethodName;
  readonly rtol?: number;
  readonly atol?: number;
  readonly maxSteps?: number;
}

export interface ReducedProblem {
  readonly singularValues: readonly number[];
  readonly inputVariances?: readonly number[];
  readonly depths: readonly number[];
  readonly tau?: number;
  readonly init: InitSpec;
  readonly times: readonly number[];
  readonly solver?: SolverSpec;
}

/**
 * The result of a reduced solve (the `dln solve` JSON): `status` ok | failed, `message` when failed (which mode
 * and why), `times`, `strengths[t][a][α]` = K_aα(times[t]), `loss` = ½ Σ_α r_α²/λ_α at each output time (the loss
 * above its irreducible part), `stats` summed over the modes.
 */
export type ReducedResult = DrivenResult;
