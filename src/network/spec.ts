/**
 * The simulation spec of `dln simulate` and `simulate()`, validated at the boundary (every error names the
 * field, the value and what is allowed).
 */
import {
  ValidationError,
  expectArray,
  expectNumber,
  expectNumberArray,
  expectOneOf,
  expectRecord,
  rejectUnknownKeys,
} from '../util/validation.ts';
import { kernelChoices, PRECISIONS, type KernelChoice, type Precision } from './engine.ts';
import { findEngine } from './registry.ts';
import type { NetworkInit, Nonlinearity } from './network.ts';
import type { Basis } from './task.ts';
import type { TrainSpec } from './train.ts';
import { createRule, parseMat, parseRuleSpec } from './rules/index.ts';
import { parseParameterisation, type Parameterisation } from './parameterisation.ts';
import { ATOL_MAX_RELATIVE, RTOL_RANGE } from '../reduced/problem.ts';

export type TaskSpec =
  | { readonly singularValues: readonly number[]; readonly basis?: Basis; readonly seed?: number }
  | { readonly dataset: 'hierarchical' };

export interface SimulationSpec {
  readonly task: TaskSpec;
  readonly depths: readonly number[];
  readonly width: number | readonly number[];
  readonly init: NetworkInit;
  readonly nonlinearity?: Nonlinearity;
  /** Which engine's kernels train the network (`createEngine`'s option): `auto` (default), `js`, `ml-matrix`. */
  readonly kernels?: KernelChoice;
  readonly train: TrainSpec;
  /** "standard" (default) or the mean-field one with richness γ₀ (parameterisation.ts). */
  readonly parameterisation?: Parameterisation;
  /**
   * The arithmetic of the training steps: "float64" (default) or "float32" (engine-f32.ts: linear pathways,
   * kernels "auto", gradient descent with the gradient rule). Records (losses, strengths) are float64 in both.
   */
  readonly precision?: Precision;
}

/** Widths beyond this would need > 1 GB per N×N layer pair: almost certainly a typo. */
const MAX_WIDTH = 8192;
const MAX_DEPTH = 100;
const SEED_RULE = { integer: true, min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

export function parseSimulationSpec(input: unknown): SimulationSpec {
  const obj = expectRecord(input, 'spec', 'a JSON object with task, depths, width, init and train');
  rejectUnknownKeys(obj, ['task', 'depths', 'width', 'init', 'nonlinearity', 'kernels', 'train', 'parameterisation', 'precision'], '');
  const task = parseTask(obj['task']);
  const K = 'singularValues' in task ? task.singularValues.length : 8;
  const depths = expectNumberArray(obj['depths'], 'depths', { integer: true, min: 1, max: MAX_DEPTH });
  if (depths.length === 0) throw new ValidationError('depths', obj['depths'], 'at least one pathway depth');
  const M = depths.length;
  const width =
    typeof obj['width'] === 'number' || obj['width'] === undefined
      ? expectNumber(obj['width'], 'width', { integer: true, min: 1, max: MAX_WIDTH })
      : expectNumberArray(obj['width'], 'width', { integer: true, min: 1, max: MAX_WIDTH }, M, 'one width per pathway');
  const nonlinearity =
    obj['nonlinearity'] === undefined
      ? 'linear'
      : expectOneOf(obj['nonlinearity'], 'nonlinearity', ['linear', 'relu', 'tanh'] as const);
  // Any registered kernels (registry.ts); the built-in ones are "auto", "js" and "ml-matrix".
  const kernels = obj['kernels'] === undefined ? 'auto' : (expectOneOf(obj['kernels'], 'kernels', kernelChoices()) as KernelChoice);
  const init = parseInit(obj['init'], depths, K, width);
  // The weights' scale for the flow's atol: a learned network's entries are at most of order max(1, max S).
  const scale = Math.max(1, ...('singularValues' in task ? task.singularValues : [1]));
  const train = parseTrain(obj['train'], depths, scale);
  const parameterisation = parseParameterisation(obj['parameterisation']);
  const precision = obj['precision'] === undefined ? 'float64' : expectOneOf(obj['precision'], 'precision', PRECISIONS);
  if (precision !== 'float64') {
    // What the trainer and the parameterisation need before an engine is chosen; the engine's own limits
    // (kernels, nonlinearity) come from the registry, so a later float32 engine lifts them without edits here.
    if (train.method !== 'gd') {
      throw new ValidationError('train.method', train.method, `with "precision": "${precision}": "gd" (gradient flow's error control needs float64 velocities)`);
    }
    if (parameterisation !== 'standard') {
      throw new ValidationError('parameterisation', parameterisation, `with "precision": "${precision}": "standard" (the mean-field rescaling updates θ in float64)`);
    }
    const engine = findEngine(kernels, nonlinearity, undefined, precision);
    if (engine.accepts !== undefined && !engine.accepts(createRule(train.rule))) {
      throw new ValidationError('train.rule', train.rule ?? 'gd', `with "precision": "${precision}": a rule the ${precision} engine trains (${engine.name})`);
    }
    return { task, depths, width, init, nonlinearity, kernels, train, precision };
  }
  if (parameterisation !== 'standard') {
    // The raw weights are N(0, σ²) (σ = 1 in the paper) or given; the other init kinds set effective scales.
    if (init.kind !== 'gaussian' && init.kind !== 'weights') {
      throw new ValidationError('init.kind', init.kind, 'with the mean-field parameterisation: "gaussian" (raw weights N(0, σ²)) or "weights" (raw weights)');
    }
    depths.forEach((D, a) => {
      if (D < 2) throw new ValidationError(`depths[${a}]`, D, 'with the mean-field parameterisation: ≥ 2 (a read-out on a hidden layer)');
    });
    return { task, depths, width, init, nonlinearity, kernels, train, parameterisation };
  }
  return { task, depths, width, init, nonlinearity, kernels, train };
}

function parseTask(value: unknown): TaskSpec {
  const obj = expectRecord(value, 'task', '{ singularValues: [...] } or { dataset: "hierarchical" }');
  if ('dataset' in obj) {
    rejectUnknownKeys(obj, ['dataset'], 'task');
    return { dataset: expectOneOf(obj['dataset'], 'task.dataset', ['hierarchical'] as const) };
  }
  rejectUnknownKeys(obj, ['singularValues', 'basis', 'seed'], 'task');
  const s = expectNumberArray(obj['singularValues'], 'task.singularValues', { exclusiveMin: 0 });
  if (s.length === 0) throw new ValidationError('task.singularValues', obj['singularValues'], 'at least one singular value');
  s.forEach((v, i) => {
    if (i > 0 && v > s[i - 1]!) {
      throw new ValidationError(`task.singularValues[${i}]`, v, `non-increasing values (≤ ${s[i - 1]})`);
    }
  });
  const basis = obj['basis'] === undefined ? 'identity' : expectOneOf(obj['basis'], 'task.basis', ['identity', 'random'] as const);
  if (basis === 'random' && obj['seed'] === undefined) {
    throw new ValidationError('task.seed', undefined, 'an integer seed when task.basis is "random"');
  }
  const seed = obj['seed'] === undefined ? 0 : expectNumber(obj['seed'], 'task.seed', SEED_RULE);
  return { singularValues: s, basis, seed };
}

function parseInit(value: unknown, depths: number[], K: number, width: number | number[]): NetworkInit {
  const obj = expectRecord(value, 'init', '{ kind: "gaussian" | "orthogonal" | "aligned" | "lowRank" | "weights", ... }');
  const kind = expectOneOf(obj['kind'], 'init.kind', ['gaussian', 'orthogonal', 'aligned', 'lowRank', 'weights'] as const);
  if (kind === 'weights') {
    rejectUnknownKeys(obj, ['kind', 'layers'], 'init');
    const layers = expectArray(obj['layers'], 'init.layers', depths.length, 'one list of layers per pathway').map((p, a) =>
      expectArray(p, `init.layers[${a}]`, depths[a], `one matrix per layer (depth ${depths[a]})`).map((m, d) => parseMat(m, `init.layers[${a}][${d}]`)),
    );
    return { kind, layers };
  }
  const seed = expectNumber(obj['seed'], 'init.seed', SEED_RULE);
  if (kind === 'aligned') {
    rejectUnknownKeys(obj, ['kind', 'layers', 'seed'], 'init');
    const widths = typeof width === 'number' ? depths.map(() => width) : width;
    widths.forEach((N, a) => {
      if (depths[a]! > 1 && N < K) {
        throw new ValidationError(typeof width === 'number' ? 'width' : `width[${a}]`, N, `≥ K = ${K} (an aligned init needs one hidden direction per mode)`);
      }
    });
    const layers = expectArray(obj['layers'], 'init.layers', depths.length, 'one entry per pathway').map((p, a) =>
      expectArray(p, `init.layers[${a}]`, depths[a], `one entry per layer (depth ${depths[a]})`).map((l, d) =>
        expectNumberArray(l, `init.layers[${a}][${d}]`, {}, K, 'one value per mode'),
      ),
    );
    return { kind, layers, seed };
  }
  if (kind === 'lowRank') {
    rejectUnknownKeys(obj, ['kind', 'sigma', 'rank', 'seed'], 'init');
    const sigma = expectNumber(obj['sigma'], 'init.sigma', { min: 0 });
    const rank = expectNumber(obj['rank'], 'init.rank', { integer: true, min: 1 });
    return { kind, sigma, rank, seed };
  }
  rejectUnknownKeys(obj, ['kind', 'sigma', 'seed'], 'init');
  return { kind, sigma: expectNumber(obj['sigma'], 'init.sigma', { min: 0 }), seed };
}

function parseTrain(value: unknown, depths: readonly number[], scale: number): TrainSpec {
  const obj = expectRecord(value, 'train', '{ method: "gd", learningRate, steps, recordEvery } or { method: "flow", times }');
  const method = expectOneOf(obj['method'], 'train.method', ['gd', 'flow'] as const);
  if (method === 'gd') {
    rejectUnknownKeys(obj, ['method', 'learningRate', 'steps', 'recordEvery', 'rule'], 'train');
    const learningRate = expectNumber(obj['learningRate'], 'train.learningRate', { exclusiveMin: 0 });
    const steps = expectNumber(obj['steps'], 'train.steps', { integer: true, min: 0 });
    const recordEvery = expectNumber(obj['recordEvery'], 'train.recordEvery', { integer: true, min: 1 });
    const rule = parseRuleSpec(obj['rule'], depths);
    return { method, learningRate, steps, recordEvery, ...(rule === 'gd' ? {} : { rule }) };
  }
  rejectUnknownKeys(obj, ['method', 'times', 'solver', 'rule'], 'train');
  const rule = parseRuleSpec(obj['rule'], depths);
  const withRule = rule === 'gd' ? {} : { rule };
  const times = expectNumberArray(obj['times'], 'train.times', { min: 0 });
  if (times.length === 0) throw new ValidationError('train.times', obj['times'], 'at least one output time');
  for (let i = 1; i < times.length; i++) {
    if (!(times[i]! > times[i - 1]!)) {
      throw new ValidationError(`train.times[${i}]`, times[i], `strictly increasing times (> ${times[i - 1]})`);
    }
  }
  if (obj['solver'] === undefined) return { method, times, ...withRule };
  const s = expectRecord(obj['solver'], 'train.solver', '{ rtol?, atol?, maxSteps? }');
  rejectUnknownKeys(s, ['rtol', 'atol', 'maxSteps'], 'train.solver');
  return {
    method,
    times,
    ...withRule,
    solver: {
      // As for the reduced solver (src/reduced/problem.ts, RTOL_RANGE): dopri5 is accurate to ~300·rtol up
      // to rtol 1e-3, round-off sets the error below 1e-13, and an atol far above the weights (1e308 was
      // accepted) turns the error control off.
      ...(s['rtol'] === undefined ? {} : { rtol: expectNumber(s['rtol'], 'train.solver.rtol', RTOL_RANGE) }),
      ...(s['atol'] === undefined ? {} : { atol: expectNumber(s['atol'], 'train.solver.atol', { exclusiveMin: 0, max: ATOL_MAX_RELATIVE * scale }) }),
      ...(s['maxSteps'] === undefined
        ? {}
        : { maxSteps: expectNumber(s['maxSteps'], 'train.solver.maxSteps', { integer: true, min: 1 }) }),
    },
  };
}
