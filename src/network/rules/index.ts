/**
 * Learning rules of the simulator beyond gradient descent (issue 15; Bordelon & Pehlevan 2023): the rule
 * field of a `dln simulate` spec, its parsing (every error names the field) and the UpdateRule it makes.
 *
 *   "rule": "gd" | "hebb" | { "kind": "fa", "rho": ρ, "seed": s } | { "kind": "fa", "feedback": [[B_a^d, d = 2…D_a] …] }
 *         | { "kind": "dfa", "seed": s } | { "kind": "dfa", "projections": [[F_a^d, d = 1…D_a−1] …] }
 *         | { "kind": "gln", "seed": s } | { "kind": "gln", "gates": [[M_a^d, d = 1…D_a−1] …] }
 */
import { ValidationError } from '../../util/errors.ts';
import { expectArray, expectNumber, expectNumberArray, expectOneOf, expectRecord, isRecord, rejectUnknownKeys } from '../../util/validation.ts';
import { gradientRule } from '../gradient-rule.ts';
import type { Mat } from '../matrix.ts';
import type { UpdateRule } from '../rule.ts';
import { explicitDirectFeedback, randomDirectFeedback } from './direct-feedback.ts';
import { explicitFeedbackAlignment, rhoFeedbackAlignment } from './feedback-alignment.ts';
import { explicitGatedLinear, randomGatedLinear } from './gated-linear.ts';
import { errorModulatedHebb, hebbRule, type SignalScale } from './hebb.ts';

export { feedbackAlignmentRule, rhoFeedbackAlignment, explicitFeedbackAlignment } from './feedback-alignment.ts';
export { directFeedbackRule, randomDirectFeedback, explicitDirectFeedback } from './direct-feedback.ts';
export { hebbRule, errorModulatedHebb, type SignalScale } from './hebb.ts';
export { gatedLinearRule, randomGatedLinear, explicitGatedLinear } from './gated-linear.ts';

export type RuleSpec =
  | 'gd'
  | 'hebb'
  | { readonly kind: 'fa'; readonly rho: number; readonly seed: number }
  | { readonly kind: 'fa'; readonly feedback: readonly (readonly Mat[])[] }
  | { readonly kind: 'dfa'; readonly seed: number }
  | { readonly kind: 'dfa'; readonly projections: readonly (readonly Mat[])[] }
  | { readonly kind: 'gln'; readonly seed: number }
  | { readonly kind: 'gln'; readonly gates: readonly (readonly Mat[])[] };

const SEED = { integer: true, min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };
const ALLOWED = '"gd", "hebb", { "kind": "fa", "rho", "seed" }, { "kind": "fa", "feedback" }, { "kind": "dfa", "seed" }, { "kind": "dfa", "projections" }, { "kind": "gln", "seed" } or { "kind": "gln", "gates" }';

/** A row-major matrix from nested arrays of finite numbers, rectangular. */
export function parseMat(value: unknown, field: string): Mat {
  const rows = expectArray(value, field, undefined, 'a matrix (an array of rows)');
  if (rows.length === 0) throw new ValidationError(field, value, 'a matrix with at least one row');
  let cols = -1;
  const data: number[] = [];
  rows.forEach((r, i) => {
    const row = expectNumberArray(r, `${field}[${i}]`, {}, cols < 0 ? undefined : cols, cols < 0 ? undefined : `${cols} numbers (the first row's length)`);
    if (row.length === 0) throw new ValidationError(`${field}[${i}]`, r, 'a non-empty row');
    cols = row.length;
    data.push(...row);
  });
  return { rows: rows.length, cols, data: Float64Array.from(data) };
}

/** Matrices per pathway: `count(a)` of them for pathway a (one list per pathway of `depths`). */
function parseLayered(value: unknown, field: string, depths: readonly number[], count: (D: number) => number, what: string): Mat[][] {
  return expectArray(value, field, depths.length, 'one list per pathway').map((p, a) =>
    expectArray(p, `${field}[${a}]`, count(depths[a]!), `${count(depths[a]!)} matrices (${what}, depth ${depths[a]})`).map((m, k) => parseMat(m, `${field}[${a}][${k}]`)),
  );
}

export function parseRuleSpec(value: unknown, depths: readonly number[]): RuleSpec {
  if (value === undefined || value === 'gd') return 'gd';
  if (value === 'hebb') return 'hebb';
  if (!isRecord(value)) throw new ValidationError('train.rule', value, ALLOWED);
  const obj = expectRecord(value, 'train.rule', ALLOWED);
  const kind = expectOneOf(obj['kind'], 'train.rule.kind', ['fa', 'dfa', 'gln'] as const);
  if (kind === 'gln') {
    if (obj['gates'] !== undefined) {
      rejectUnknownKeys(obj, ['kind', 'gates'], 'train.rule');
      return { kind, gates: parseLayered(obj['gates'], 'train.rule.gates', depths, (D) => D - 1, 'M_a^d for d = 1 … D_a − 1') };
    }
    rejectUnknownKeys(obj, ['kind', 'seed'], 'train.rule');
    return { kind, seed: expectNumber(obj['seed'], 'train.rule.seed', SEED) };
  }
  if (kind === 'fa') {
    if (obj['feedback'] !== undefined) {
      rejectUnknownKeys(obj, ['kind', 'feedback'], 'train.rule');
      return { kind, feedback: parseLayered(obj['feedback'], 'train.rule.feedback', depths, (D) => D - 1, 'B_a^d for d = 2 … D_a') };
    }
    rejectUnknownKeys(obj, ['kind', 'rho', 'seed'], 'train.rule');
    const rho = obj['rho'] === undefined ? 0 : expectNumber(obj['rho'], 'train.rule.rho', { min: 0, max: 1 });
    return { kind, rho, seed: expectNumber(obj['seed'], 'train.rule.seed', SEED) };
  }
  if (obj['projections'] !== undefined) {
    rejectUnknownKeys(obj, ['kind', 'projections'], 'train.rule');
    return { kind, projections: parseLayered(obj['projections'], 'train.rule.projections', depths, (D) => D - 1, 'F_a^d for d = 1 … D_a − 1') };
  }
  rejectUnknownKeys(obj, ['kind', 'seed'], 'train.rule');
  return { kind, seed: expectNumber(obj['seed'], 'train.rule.seed', SEED) };
}

/**
 * The update rule a parsed spec names. `signalScale` (the mean-field parameterisation's 1/(γ₀N), see
 * parameterisation.ts) scales the rules' fixed hidden signals: DFA's random projections and Hebb's Δφ(h).
 * Given matrices (feedback, projections, gates) are taken as they are, in the engine's (effective) units.
 */
export function createRule(spec: RuleSpec | undefined, signalScale?: SignalScale): UpdateRule {
  if (spec === undefined || spec === 'gd') return gradientRule;
  if (spec === 'hebb') return signalScale === undefined ? hebbRule : errorModulatedHebb(signalScale);
  if (spec.kind === 'fa') return 'feedback' in spec ? explicitFeedbackAlignment(spec.feedback) : rhoFeedbackAlignment(spec.rho, spec.seed);
  if (spec.kind === 'gln') return 'gates' in spec ? explicitGatedLinear(spec.gates) : randomGatedLinear(spec.seed);
  return 'projections' in spec ? explicitDirectFeedback(spec.projections) : randomDirectFeedback(spec.seed, signalScale);
}
