/** What an engine returns for a point, and the parts of a sweep spec it reads. */
import type { SweepSpec } from './spec.ts';

export interface EngineOutcome {
  /** K_a of the mode at the end (t → ∞, or t = spec.time), one per pathway. */
  readonly strengths: readonly number[];
  /** First t with Σ_a K_a ≥ f·S (null: not reached); absent when the engine has no time axis. */
  readonly learningTime?: number | null;
}

/** The parts of a sweep spec an engine reads (an engine with its own options field reads it with `engineOptions`). */
export type EngineSettings = Pick<SweepSpec, 'time' | 'solver' | 'learningFraction' | 'network'>;
