/**
 * The problem format of `dln meanfield` and `solveMeanField` (docs/learning-rules.md):
 *
 *   { "rule": "gd" | "fa" | "dfa" | "hebb", "rho"?: ρ, "gamma0": γ₀, "target": y, "times": [t₀, t₁, …] }
 *
 * `rho` belongs to `fa` only (default 0). It is refused for `dfa`: in two layers DFA *is* FA with ρ = 0 (one
 * fixed random backward vector), so a ρ there would either be ignored or mean a different rule. ρ ∈ [−1, 1]:
 * the frozen backward matrix B = ρ W(0) + √(1 − ρ²) W̃ needs |ρ| ≤ 1; the fixed-point cubic has one positive
 * root whenever 1 + ρ ≥ 0.
 */
import { ValidationError } from '../util/errors.ts';
import { expectNumber, expectNumberArray, expectOneOf, expectRecord, field, rejectUnknownKeys } from '../util/validation.ts';

export type MeanFieldRule = 'gd' | 'fa' | 'dfa' | 'hebb';
export const MEAN_FIELD_RULES: readonly MeanFieldRule[] = ['gd', 'fa', 'dfa', 'hebb'];

export interface MeanFieldSpec {
  readonly rule: MeanFieldRule;
  /** ρ of ρ-FA, in [−1, 1]; only with rule "fa" (default 0). */
  readonly rho?: number;
  /** Richness γ₀ > 0 of the mean-field parameterisation f = (1/(γ₀N)) w·φ(h). */
  readonly gamma0: number;
  /** The target y (one whitened direction). */
  readonly target: number;
  /** Output times: non-decreasing, ≥ 0. */
  readonly times: readonly number[];
}

/** A checked problem: ρ is 0 for every rule but "fa" (DFA is FA with ρ = 0 in two layers). */
export interface MeanFieldProblem {
  readonly rule: MeanFieldRule;
  readonly rho: number;
  readonly gamma0: number;
  readonly target: number;
  readonly times: readonly number[];
}

/**
 * Bounds that keep every quantity of the model a double: γ₀|y| ≤ 1e16 keeps √(1 + γ₀²f²) (via hypot), the
 * cubic's root a ~ (2γ₀y)^{1/3} and the Hebb kernel's growth finite; 10⁵ output times bound the result.
 */
export const MEAN_FIELD_LIMITS = { gamma0: 1e8, target: 1e8, times: 100_000, time: 1e12 } as const;

export function parseMeanFieldProblem(input: unknown): MeanFieldProblem {
  const o = expectRecord(input, 'spec', '{ rule, rho?, gamma0, target, times }');
  rejectUnknownKeys(o, ['rule', 'rho', 'gamma0', 'target', 'times'], '');
  const rule = expectOneOf(field(o, 'rule'), 'rule', MEAN_FIELD_RULES);
  const rhoIn = field(o, 'rho');
  let rho = 0;
  if (rhoIn !== undefined) {
    if (rule !== 'fa') {
      const why = rule === 'dfa' ? 'no rho for rule "dfa" (in two layers DFA is FA with ρ = 0; use rule "fa" for another ρ)' : `no rho for rule "${rule}" (ρ belongs to rule "fa")`;
      throw new ValidationError('rho', rhoIn, why);
    }
    rho = expectNumber(rhoIn, 'rho', { min: -1, max: 1 });
  }
  const gamma0 = expectNumber(field(o, 'gamma0'), 'gamma0', { exclusiveMin: 0, max: MEAN_FIELD_LIMITS.gamma0 });
  const target = expectNumber(field(o, 'target'), 'target', { min: -MEAN_FIELD_LIMITS.target, max: MEAN_FIELD_LIMITS.target });
  const times = expectNumberArray(field(o, 'times'), 'times', { min: 0, max: MEAN_FIELD_LIMITS.time });
  if (times.length === 0) throw new ValidationError('times', [], 'at least one time');
  if (times.length > MEAN_FIELD_LIMITS.times) throw new ValidationError('times', `${times.length} times`, `at most ${MEAN_FIELD_LIMITS.times} output times`);
  for (let i = 1; i < times.length; i++) {
    if (!(times[i]! >= times[i - 1]!)) throw new ValidationError(`times[${i}]`, times[i], `non-decreasing times (≥ ${times[i - 1]})`);
  }
  return { rule, rho, gamma0, target, times };
}
