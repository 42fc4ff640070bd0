/**
 * The public, JSON-serialisable problem and result of the reduced singular-mode model (issue #2 contract).
 * Layout conventions: `[a]` indexes pathways, `[α]` modes, `[d]` layers (first … last), `[t]` output times.
 */
import type { MethodName, SolverStats } from '../integrate/types.ts';

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

export interface ReducedResult {
  readonly status: 'ok' | 'failed';
  /** Present when status is `failed`: which mode failed and why. */
  readonly message?: string;
  readonly times: number[];
  /** strengths[t][a][α] = K_aα(times[t]). */
  readonly strengths: number[][][];
  /** ½ Σ_α r_α²/λ_α at each output time (the loss above its irreducible part). */
  readonly loss: number[];
  readonly stats: SolverStats;
}
