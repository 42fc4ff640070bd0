/**
 * The `network` sweep engine: the full simulator `simulate()` of src/network (the `dln simulate` spec) for
 * one mode, with gradient flow recorded on a log grid by default. Registers itself with its options field
 * `network`; the simulator is loaded on first use.
 */
import { ComputationError, ValidationError } from '../../util/errors.ts';
import { expectNumber, expectOneOf, expectRecord, isRecord, rejectUnknownKeys } from '../../util/validation.ts';
import type { EngineSettings } from '../engine-types.ts';
import { hash53 } from '../../util/hash.ts';
import type { PointParameters } from '../points.ts';
import { registerSweepEngine, registerSweepParameter, type EngineOptionsContext, type SweepChoice, type SweepEngine } from '../registry.ts';

/** 0, then 200 times geometrically spaced from 10⁻⁴·T to T. */
export function flowRecordTimes(T: number): number[] {
  return [0, ...Array.from({ length: 200 }, (_, i) => (i === 199 ? T : T * 1e-4 ** (1 - i / 199)))];
}

/**
 * The `dln simulate` spec of a point: one mode of singular value S, Gaussian layers of scale σ and width N.
 * The simulator runs at τ = 1; τ dW/dt = −∇L is the same flow in time t/τ, so the end time goes in as time/τ
 * (and the engine scales recorded times back by τ).
 */
export function networkSpec(params: PointParameters, settings: EngineSettings): Record<string, unknown> {
  const net = settings.network ?? {};
  // Default: gradient flow to `time`, recorded on a log grid so the learning time can be read off the records.
  const given = (net['train'] as Record<string, unknown> | undefined) ?? { method: 'flow', times: flowRecordTimes(settings.time! / params.tau) };
  const rule = simulatorRule(params);
  const train = rule === undefined ? given : { ...given, rule };
  return {
    task: { singularValues: [params.target] },
    depths: [...params.depths],
    width: params.width,
    init: { kind: net['init'] ?? 'gaussian', sigma: params.sigma, seed: params.seed },
    ...(net['nonlinearity'] === undefined ? {} : { nonlinearity: net['nonlinearity'] }),
    train,
  };
}

/**
 * The learning rule of a point, as the `dln simulate` spec writes it (undefined: gradient descent, the
 * simulator's default). Feedback and projection matrices are drawn from a seed derived from the point's seed,
 * so each replicate has its own and a point reruns identically.
 */
function simulatorRule(params: PointParameters): unknown {
  const choice = params.choices?.['rule']?.value;
  if (choice === undefined || choice === 'gd') return undefined;
  const seed = hash53(`${params.seed}|feedback`);
  if (choice === 'hebb') return 'hebb';
  if (choice === 'dfa') return { kind: 'dfa', seed };
  if (choice === 'gln') return { kind: 'gln', seed };
  return { ...(choice as { kind: 'fa'; rho: number }), seed };
}

/** A `rule` entry of a sweep: "gd", "hebb", "dfa", "gln", "fa" (ρ = 0) or { "kind": "fa", "rho": ρ }. */
function parseRuleChoice(value: unknown, field: string): SweepChoice {
  if (value === 'gd' || value === 'hebb' || value === 'dfa' || value === 'gln') return { label: value, value };
  if (value === 'fa') return { label: 'fa ρ=0', value: { kind: 'fa', rho: 0 } };
  if (isRecord(value)) {
    const obj = expectRecord(value, field);
    const kind = expectOneOf(obj['kind'], `${field}.kind`, ['fa', 'dfa', 'gln'] as const);
    if (kind === 'dfa' || kind === 'gln') {
      rejectUnknownKeys(obj, ['kind'], field);
      return { label: kind, value: kind };
    }
    rejectUnknownKeys(obj, ['kind', 'rho'], field);
    const rho = obj['rho'] === undefined ? 0 : expectNumber(obj['rho'], `${field}.rho`, { min: 0, max: 1 });
    return { label: `fa ρ=${rho}`, value: { kind: 'fa', rho } };
  }
  throw new ValidationError(field, value, RULE_ALLOWED);
}

const RULE_ALLOWED = '"gd", "fa" (ρ = 0), { "kind": "fa", "rho": ρ in [0, 1] }, "dfa", "hebb" or "gln" (feedback and gates drawn from the point\'s seed)';

registerSweepParameter({
  name: 'rule',
  rule: {},
  choices: { parse: parseRuleChoice, allowed: RULE_ALLOWED },
  engines: ['network'],
  meaning: 'the learning rule training the network (issue 15; docs/simulator.md): gradient descent, ρ-feedback alignment, direct feedback alignment, error-modulated Hebb or a gated linear network',
  title: 'learning rule',
  symbol: 'rule',
});

/**
 * Learning time from recorded strengths: the first crossing of Σ_a K_a ≥ threshold, linearly interpolated
 * between the two records around it (the simulator has no dense output; null if never crossed).
 */
export function recordedLearningTime(times: readonly number[], strengths: readonly (readonly (readonly number[])[])[], threshold: number): number | null {
  let prevT = NaN;
  let prevSum = NaN;
  for (let i = 0; i < times.length; i++) {
    const sum = strengths[i]!.reduce((s, row) => s + row[0]!, 0);
    if (sum >= threshold) {
      if (i === 0) return times[0]!;
      return prevT + ((threshold - prevSum) / (sum - prevSum)) * (times[i]! - prevT);
    }
    prevT = times[i]!;
    prevSum = sum;
  }
  return null;
}

/**
 * Options of the `network` engine: `train` (the `dln simulate` train object, e.g. gradient descent with a
 * learning rate; default gradient flow to `time`), `init` ("gaussian" or "orthogonal"), `nonlinearity`.
 * The train object is checked by the simulator itself.
 */
function parseNetworkOptions(value: unknown, { time }: EngineOptionsContext): Record<string, unknown> {
  const obj = expectRecord(value, 'network', 'an object { train?, init?, nonlinearity? }');
  rejectUnknownKeys(obj, ['train', 'init', 'nonlinearity'], 'network');
  if (obj['train'] !== undefined) {
    expectRecord(obj['train'], 'network.train', 'a dln simulate train object, e.g. { "method": "gd", "learningRate", "steps", "recordEvery" }');
    if (time !== undefined) throw new ValidationError('time', time, 'nothing when network.train is given (it sets the time)');
  }
  if (obj['init'] !== undefined) expectOneOf(obj['init'], 'network.init', ['gaussian', 'orthogonal']);
  if (obj['nonlinearity'] !== undefined) expectOneOf(obj['nonlinearity'], 'network.nonlinearity', ['linear', 'relu', 'tanh']);
  return { ...obj };
}

async function load(): Promise<SweepEngine> {
  const { simulate } = await import('../../network/index.ts');
  return {
    name: 'network',
    run(params, settings) {
      const result = simulate(networkSpec(params, settings));
      if (result.status !== 'ok') throw new ComputationError(result.message ?? 'simulation failed');
      const K = result.strengths.at(-1)!.map((row) => row[0]!);
      const t = recordedLearningTime(result.times, result.strengths, settings.learningFraction * params.target);
      return { strengths: K, learningTime: t === null ? null : params.tau * t };
    },
  };
}

registerSweepEngine({
  name: 'network',
  description:
    'the full simulator `simulate()` of `src/network/` (the `dln simulate` spec), gradient flow to `time` by default; slow, use `--workers` and shards',
  timeAxis: true,
  // Seconds a point at a few hundred units wide: the auto choice must not hold off a signal behind one.
  longPoints: true,
  load,
  options: { field: 'network', parse: parseNetworkOptions },
  check(spec) {
    if (spec.network?.['train'] === undefined && spec.time === undefined) {
      throw new ValidationError('time', undefined, 'an end time of gradient flow (or network.train) with engine "network"');
    }
  },
});
